#include "verify/claim_steps.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "agent/dispatch.h"
#include "agent/placement.h"
#include "crypto/crypto.h"
#include "kube/json_fields.h"
#include "kube/wait.h"
#include "kube/permissions.h"
#include "jobs/jobs.h"

namespace hort {

std::string ScratchClaimName(const std::string& test_id, const std::string& pvc) {
  std::string name;
  for (char ch : test_id + "-" + pvc) {
    name += std::isalnum(static_cast<unsigned char>(ch)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(ch))) : '-';
  }
  if (name.size() > 63) {  // cut, and told apart from another cut name by a hash of the whole
    const std::string whole = test_id + "/" + pvc;
    const crypto::Sha256Digest d = crypto::Sha256({reinterpret_cast<const uint8_t*>(whole.data()), whole.size()});
    char hex[9];
    std::snprintf(hex, sizeof(hex), "%02x%02x%02x%02x", d[0], d[1], d[2], d[3]);
    name = name.substr(0, 54) + "-" + hex;
  }
  while (!name.empty() && name.back() == '-') name.pop_back();
  return name;
}

ScratchClaimSteps::ScratchClaimSteps(const Catalog& catalog, const RestoreTestSpec& spec, const std::atomic<bool>* stop,
                                     std::function<void(const std::string&)> log)
    : c_(catalog), spec_(spec), stop_(stop), log_(std::move(log)) {}

ScratchClaimSteps::~ScratchClaimSteps() = default;

Status ScratchClaimSteps::Prepare(const std::vector<RestoreUnit>& units) {
  HORT_ASSIGN_OR_RETURN(kube_, CatalogKube(c_, JobContext{}, owned_));
  HORT_ASSIGN_OR_RETURN(kube::Discovery d, kube_->Discover());
  const kube::ResourceInfo* pvcs = d.Find("", "v1", "persistentvolumeclaims");
  if (!pvcs) return Status(Code::kUnsupported, "the cluster serves no persistentvolumeclaims");
  for (const Service* s : spec_.services) {
    for (const FilesEntry& e : s->files) {
      if (e.kind != FilesEntry::Kind::kPvc) continue;
      const std::string label = s->name + "/files/" + e.name;
      bool restored = false;
      for (const RestoreUnit& u : units) restored = restored || u.label == label;
      if (!restored) continue;
      Claim claim{s->ns, ScratchClaimName(spec_.id, e.pvc), label};
      if (auto old = kube_->Get(*pvcs, claim.ns, claim.name); old.ok()) {
        // Only a claim this test made is removed: the name could be a real one.
        if (kube::StringAt(*old, "/metadata/labels/app.kubernetes.io~1managed-by") != "hort" ||
            kube::StringAt(*old, "/metadata/labels/hort.dev~1restore-test") != spec_.id) {
          return Status(Code::kAlreadyExists, "persistentvolumeclaim " + claim.ns + "/" + claim.name +
                                                  " exists and is not a scratch claim of " + spec_.id +
                                                  ": hort leaves it alone; rename the test or the claim");
        }
        HORT_RETURN_IF_ERROR(DeleteClaim(claim));
        HORT_RETURN_IF_ERROR(kube::WaitGone(*kube_, *pvcs, claim.ns, claim.name,
                                            "scratch claim " + claim.ns + "/" + claim.name + " left by an earlier run",
                                            std::chrono::seconds(60), stop_));
        notes_.push_back("removed scratch claim " + claim.ns + "/" + claim.name + " left by an earlier run");
      }
      const kube::Json object = agent::NewClaim(claim.ns, claim.name, spec_.scratch_pvc.size, spec_.scratch_pvc.storage_class,
                                                {{"hort.dev/restore-test", spec_.id}});
      HORT_RETURN_IF_ERROR(kube_->Create(*pvcs, claim.ns, object, {}).status().Annotate("scratch claim " + claim.ns + "/" + claim.name));
      claim.created = true;
      claims_.push_back(claim);
      if (log_) log_("created scratch claim " + claim.ns + "/" + claim.name);
    }
  }
  if (claims_.empty()) return Status(Code::kInvalidArgument, "scratch_pvc: the test's scope has no pvc entries");
  return Status::Ok();
}

Status ScratchClaimSteps::Restore(const std::vector<RestoreUnit>& units) {
  agent::DispatchOptions o;
  o.hort_ns = kube::HortNamespace(*kube_);
  if (const char* image = std::getenv("HORT_IMAGE")) o.image = image;
  o.stop = stop_;
  o.log = log_;
  for (Claim& claim : claims_) {
    const RestoreUnit* unit = nullptr;
    for (const RestoreUnit& u : units) {
      if (u.label == claim.label) unit = &u;
    }
    if (!unit || !unit->restored) continue;  // the local restore's failure is reported already
    agent::TaskInput in{.kind = agent::TaskKind::kRestore, .job = "test/" + spec_.id, .ns = claim.ns, .pvc = claim.name,
                        .snapshot = unit->snapshot.id.Hex(), .repository = unit->repository};
    auto r = agent::RunOnAgent(*kube_, in, o);
    const std::string where = "scratch claim " + claim.ns + "/" + claim.name;
    if (!r.ok()) {
      claim.error = claim.label + ": restore into " + where + " through the agent: " + r.status().message();
    } else if (r->code != Code::kOk) {
      claim.error = claim.label + ": the agent's restore into " + where + ": " + r->error;
    } else {
      claim.restored = true;
      claim.files = r->files;
    }
    if (stop_ && stop_->load()) break;
  }
  return Status::Ok();
}

void ScratchClaimSteps::Check(const std::vector<RestoreUnit>& units) {
  for (const Claim& claim : claims_) {
    const std::string where = "scratch claim " + claim.ns + "/" + claim.name;
    if (!claim.error.empty()) {
      findings_.push_back(claim.error);
      continue;
    }
    if (!claim.restored) continue;
    for (const RestoreUnit& u : units) {
      if (u.label != claim.label) continue;
      if (u.files != claim.files) {
        findings_.push_back(claim.label + ": the agent restored " + std::to_string(claim.files) + " files into " + where +
                            ", the local restore " + std::to_string(u.files));
      } else {
        notes_.push_back(claim.label + ": restored into " + where + " through the agent (" + std::to_string(claim.files) + " files)");
      }
    }
  }
}

Status ScratchClaimSteps::DeleteClaim(const Claim& c) {
  HORT_ASSIGN_OR_RETURN(kube::Discovery d, kube_->Discover());
  Status s = kube_->Delete(*d.Find("", "v1", "persistentvolumeclaims"), c.ns, c.name);
  return s.code() == Code::kNotFound ? Status::Ok() : s;
}

std::vector<std::string> ScratchClaimSteps::CleanUp() {
  std::vector<std::string> problems;
  for (const Claim& c : claims_) {
    if (!c.created) continue;
    Status s = DeleteClaim(c);
    if (!s.ok()) problems.push_back("could not delete scratch claim " + c.ns + "/" + c.name + ": " + s.message());
    else if (log_) log_("deleted scratch claim " + c.ns + "/" + c.name);
  }
  claims_.clear();
  return problems;
}

}  // namespace hort
