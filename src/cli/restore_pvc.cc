#include "cli/restore_pvc.h"

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "agent/dispatch.h"
#include "kube/permissions.h"
#include "cli/catalog_cli.h"
#include "cli/json_text.h"
#include "jobs/jobs.h"

namespace hort::cli {
namespace {

struct ClaimRef {
  std::string ns, name;
};

Result<ClaimRef> ParseClaim(const std::string& text) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size() || text.find('/', slash + 1) != std::string::npos) {
    return Status(Code::kInvalidArgument, "--to-pvc takes NAMESPACE/NAME, got \"" + text + "\"");
  }
  return ClaimRef{text.substr(0, slash), text.substr(slash + 1)};
}

// --repository, else the repository of the catalog's files entry of this
// claim, else the only repository.
Result<const RepositorySpec*> PickRepository(const Catalog& c, const PvcRestoreFlags& f, const ClaimRef& claim) {
  if (!f.repository.empty()) {
    auto it = c.repositories.find(f.repository);
    if (it == c.repositories.end()) return Status(Code::kInvalidArgument, "no repository named \"" + f.repository + "\" in " + c.path);
    return &it->second;
  }
  for (const JobSpec& j : c.jobs) {
    if (j.entry && j.entry->kind == FilesEntry::Kind::kPvc && j.entry->pvc == claim.name && j.service->ns == claim.ns) {
      return j.repository;
    }
  }
  if (c.repositories.size() == 1) return &c.repositories.begin()->second;
  return Status(Code::kInvalidArgument, "no files entry of the catalog backs up " + claim.ns + "/" + claim.name +
                                            ": name the repository with --repository");
}

// "latest" is the claim's own latest snapshot (host = namespace, path
// /data/<pvc>) unless --host/--path/--tag choose otherwise.
Result<Snapshot> Resolve(Repository& repo, const std::string& ref, SnapshotFilter filter, const ClaimRef& claim) {
  if (ref != "latest") return repo.FindSnapshot(ref);
  if (filter.hosts.empty() && filter.paths.empty() && filter.tags.empty()) {
    filter.hosts = {claim.ns};
    filter.paths = {"/data/" + claim.name};
  }
  HORT_ASSIGN_OR_RETURN(auto all, repo.LoadSnapshots());
  if (const Snapshot* latest = filter.Latest(all)) return *latest;
  return Status(Code::kNotFound, "no snapshot of " + claim.ns + "/" + claim.name + " (host " + (filter.hosts.empty() ? std::string("any") : filter.hosts[0]) + ", path " +
                                     (filter.paths.empty() ? "any" : filter.paths[0]) + ")");
}

}  // namespace

void AddPvcRestoreFlags(CLI::App& sub, PvcRestoreFlags* f) {
  sub.add_option("--to-pvc", f->to_pvc, "restore into this claim (NAMESPACE/NAME) through hort agent; needs --config");
  sub.add_option("--repository", f->repository, "with --to-pvc: the catalog's repository (default: the claim's entry's)");
  sub.add_flag("--create", f->create, "with --to-pvc: create the claim first (needs --size)");
  sub.add_option("--size", f->size, "with --create: the claim's size (\"10Gi\")");
  sub.add_option("--storage-class", f->storage_class, "with --create: its storage class (default: the cluster's default)");
  sub.add_option("--image", f->image, "with --to-pvc: hort's image for a Job that mounts an unmounted claim (default $HORT_IMAGE)");
  AddKubeFlags(sub, &f->kube);
}

Status ValidatePvcRestore(const PvcRestoreFlags& f, bool has_target) {
  if (f.to_pvc.empty()) {
    if (f.create || !f.size.empty() || !f.storage_class.empty() || !f.repository.empty() || !f.image.empty()) {
      return Status(Code::kInvalidArgument, "--create, --size, --storage-class, --repository and --image go with --to-pvc");
    }
    if (!has_target) return Status(Code::kInvalidArgument, "restore needs --target DIR or --to-pvc NAMESPACE/NAME");
    return Status::Ok();
  }
  if (has_target) return Status(Code::kInvalidArgument, "--target and --to-pvc exclude each other");
  HORT_RETURN_IF_ERROR(ParseClaim(f.to_pvc).status());
  if (f.create && f.size.empty()) return Status(Code::kInvalidArgument, "--create needs --size (e.g. 10Gi)");
  if (!f.create && (!f.size.empty() || !f.storage_class.empty())) {
    return Status(Code::kInvalidArgument, "--size and --storage-class go with --create");
  }
  return Status::Ok();
}

int RestoreToPvc(const PvcRestoreFlags& f, const std::string& ref, const SnapshotFilter& filter, const GlobalOptions& g,
                 Opened& o) {
  const Catalog& c = *o.catalog;
  auto claim = ParseClaim(f.to_pvc);
  if (!claim.ok()) return Fail(claim.status());
  auto spec = PickRepository(c, f, *claim);
  if (!spec.ok()) return Fail(spec.status());
  std::string snapshot_id;
  {
    auto opened = OpenCatalogRepository(c, **spec, OpenLock::kNone, nullptr);
    if (!opened.ok()) return Fail(opened.status());
    auto snap = Resolve(*opened->repo, ref, filter, *claim);
    if (!snap.ok()) return Fail(snap.status());
    snapshot_id = snap->id.Hex();
    if (!g.quiet && !g.json) {
      std::printf("restoring %s into %s/%s\n", SnapshotTitle(*snap).c_str(), claim->ns.c_str(), claim->name.c_str());
    }
  }
  auto kube = OpenKube(f.kube, &c);
  if (!kube.ok()) return Fail(kube.status());
  agent::DispatchOptions d;
  d.hort_ns = kube::HortNamespace(**kube);
  d.image = f.image;
  if (const char* env = std::getenv("HORT_IMAGE"); d.image.empty() && env) d.image = env;
  d.stop = &InstallStopFlag();
  if (!g.quiet) d.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  agent::TaskInput in{.kind = agent::TaskKind::kRestore, .job = "restore/" + claim->ns + "/" + claim->name,
                      .ns = claim->ns, .pvc = claim->name, .snapshot = snapshot_id, .repository = (*spec)->name};
  auto r = f.create ? agent::RunOnNewClaim(**kube, in, {.size = f.size, .storage_class = f.storage_class}, d)
                    : agent::RunOnAgent(**kube, in, d);
  if (!r.ok()) return Fail(r.status());
  if (r->code != Code::kOk) return Fail(Status(r->code, r->error));
  if (g.json) {
    nlohmann::json j = {{"message_type", "summary"}, {"files_restored", r->files}, {"bytes_restored", r->bytes},
                        {"snapshot_id", snapshot_id}, {"pvc", claim->ns + "/" + claim->name}};
    std::printf("%s\n", JsonText(j).c_str());
  } else if (!g.quiet) {
    std::printf("Summary: Restored %llu files (%s) into %s/%s\n", static_cast<unsigned long long>(r->files),
                FormatBytes(r->bytes).c_str(), claim->ns.c_str(), claim->name.c_str());
  }
  return kExitOk;
}

}  // namespace hort::cli
