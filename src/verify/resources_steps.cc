#include "verify/resources_steps.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <optional>
#include <set>

#include "format/snapshot.h"
#include "kube/json_fields.h"
#include "kube/wait.h"
#include "resources/restore_run.h"
#include "resources/snapshot_io.h"

namespace hort {

ResourcesTestSteps::ResourcesTestSteps(const Catalog& catalog, const RestoreTestSpec& spec, OpenRepo open, int64_t now,
                                       const std::atomic<bool>* stop, std::vector<std::string> given)
    : c_(catalog), spec_(spec), open_(std::move(open)), stop_(stop), given_(std::move(given)) {
  std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char day[16];
  std::strftime(day, sizeof day, "%Y%m%d", &tm);
  suffix_ = std::string("-bt-") + day;
}

Status ResourcesTestSteps::Resolve() {
  HORT_ASSIGN_OR_RETURN(client_, kube::OpenClient(c_.kubernetes));
  std::vector<bool> used(given_.size(), false);
  // Each repository's snapshots are read once, however many entries use it.
  std::map<std::string, std::vector<Snapshot>> snapshots;
  for (const Service* s : spec_.services) {
    for (const ResourcesEntry& e : s->resources) {
      // Restoring cluster-scoped objects would touch the live cluster: a
      // restore test leaves the cluster-wide entry to `resources restore --dry-run`.
      if (e.cluster_wide) continue;
      HORT_ASSIGN_OR_RETURN(Repository * repo, open_(e.repository));
      auto [loaded, fresh] = snapshots.try_emplace(e.repository);
      if (fresh) {
        HORT_ASSIGN_OR_RETURN(loaded->second, repo->LoadSnapshots());
      }
      const std::vector<Snapshot>& all = loaded->second;
      auto in_series = [&](const Snapshot& snap) { return InSeries(snap, s->ns, {e.SnapshotPath()}); };
      const std::string label = s->name + "/resources/" + e.name;
      std::optional<Snapshot> given;  // with --snapshot, resolved as `restore` resolves an ID
      for (size_t i = 0; i < given_.size(); ++i) {
        auto found = FindLoadedSnapshot(all, given_[i]);
        if (!found.ok() && found.status().code() == Code::kNotFound) continue;  // another repository's
        if (!found.ok() && found.status().code() == Code::kInvalidArgument) {  // a prefix of several snapshots
          given_refused_ = true;
          return found.status().Annotate("--snapshot " + given_[i]);
        }
        if (!found.ok()) return found.status().Annotate(label + ": repository " + e.repository);
        if (!in_series(*found)) continue;  // another series'
        if (given) {
          given_refused_ = true;
          return Status(Code::kInvalidArgument, label + ": two --snapshot IDs name its series");
        }
        given = *found, used[i] = true;
      }
      const Snapshot* pick = given ? &*given : nullptr;  // else the latest
      for (const Snapshot& snap : all) {
        if (!given && in_series(snap) && (!pick || pick->time < snap.time)) pick = &snap;
      }
      if (!pick) return Status(Code::kNotFound, label + ": no snapshot in repository " + e.repository);
      ResourcesTestUnit u;
      u.label = label;
      u.repository = e.repository;
      u.snapshot = pick->id.Short();
      HORT_ASSIGN_OR_RETURN(u.backup, resources::LoadResourceSnapshot(*repo, *pick));
      // Every namespace of the backup is mapped, also one that only its
      // Namespace object names: nothing may land in a live namespace.
      for (const resources::Item& i : u.backup.items) {
        const std::string ns = i.group_resource == "namespaces" ? i.name : i.ns;
        if (!ns.empty() && !u.mapping.count(ns)) u.mapping[ns] = ns + suffix_;
      }
      units_.push_back(std::move(u));
    }
  }
  if (units_.empty()) return Status(Code::kNotFound, "no service in the test's scope has a resources entry");
  for (size_t i = 0; i < given_.size(); ++i) {
    if (!used[i]) {
      given_refused_ = true;
      return Status(Code::kInvalidArgument, "snapshot " + given_[i] +
                                                " is no snapshot of a resources entry of the test's scope");
    }
  }
  return Status::Ok();
}

// A scratch namespace that exists already is this test's leftover (it bears
// the test's label: removed first) or somebody else's: then the test stops
// before it writes anything, and never deletes it. Namespaces a run of
// another day left (kept with --keep, or a killed run) have other names:
// every namespace bearing this test's label is removed too.
Status ResourcesTestSteps::ClaimScratchNamespaces() {
  HORT_ASSIGN_OR_RETURN(kube::Discovery d, client_->Discover());
  const kube::ResourceInfo* ns = d.Find("", "v1", "namespaces");
  if (!ns) return Status(Code::kUnsupported, "the cluster serves no namespaces");
  std::set<std::string> names;
  for (const ResourcesTestUnit& u : units_) {
    for (const auto& [from, to] : u.mapping) names.insert(to);
  }
  kube::ListOptions labelled;
  labelled.label_selector = std::string(kScratchLabel) + "=" + spec_.id;
  HORT_ASSIGN_OR_RETURN(kube::ObjectList earlier, client_->List(*ns, "", labelled));
  for (const kube::Json& o : earlier.items) names.insert(kube::StringAt(o, "/metadata/name"));
  for (const std::string& to : names) {
    auto live = client_->Get(*ns, "", to);
    if (!live.ok() && live.status().code() == Code::kNotFound) continue;
    if (!live.ok()) return live.status().Annotate("scratch namespace " + to);
    if (kube::StringAt(*live, "/metadata/labels/" + std::string(kScratchLabelPointer)) != spec_.id) {
      return Status(Code::kAlreadyExists, "namespace " + to + " exists and was not made by test " + spec_.id +
                                              "; rename or delete it, the test will not touch it");
    }
    // One already Terminating (the last run's clean-up, which does not wait) is being deleted: a second
    // DELETE answers 409 while the namespace controller empties it, so it is only waited for.
    if (!kube::BeingDeleted(*live)) {
      Status s = client_->Delete(*ns, "", to, kube::Propagation::kForeground);
      if (!s.ok() && s.code() != Code::kNotFound && s.code() != Code::kAlreadyExists) {
        return s.Annotate("removing the leftover scratch namespace " + to);
      }
    }
    // A namespace terminates in the background; restoring into it before it is gone would be refused.
    HORT_RETURN_IF_ERROR(kube::WaitGone(*client_, *ns, "", to, "the leftover scratch namespace " + to,
                                        std::chrono::seconds(300), stop_));
    leftovers_.push_back(to);
  }
  return Status::Ok();
}

Status ResourcesTestSteps::Restore() {
  for (ResourcesTestUnit& u : units_) {
    resources::RestoreOptions ro;
    ro.namespace_mapping = u.mapping;
    ro.restore_name = spec_.id + suffix_;
    ro.stop = stop_;
    // The live cluster's own objects stay untouched: only namespaced objects,
    // their Namespaces (renamed by the mapping) and missing CRDs are restored.
    std::set<std::string> cluster_scoped;
    for (const resources::Item& i : u.backup.items) {
      if (!i.namespaced && i.group_resource != "namespaces" &&
          i.group_resource != "customresourcedefinitions.apiextensions.k8s.io") {
        cluster_scoped.insert(i.group_resource);
      }
    }
    ro.excluded_resources.assign(cluster_scoped.begin(), cluster_scoped.end());
    for (const auto& [from, to] : u.mapping) ro.included_namespaces.push_back(from);
    // The scratch namespaces are made first, marked as this test's, so a run
    // killed before its clean-up is recognised (and removed) by the next one;
    // only namespaces made here are deleted at the end.
    HORT_ASSIGN_OR_RETURN(kube::Discovery d, client_->Discover());
    const kube::ResourceInfo* ns = d.Find("", "v1", "namespaces");
    if (!ns) return Status(Code::kUnsupported, "the cluster serves no namespaces");
    for (const auto& [from, to] : u.mapping) {
      // Two entries of one namespace (manifests, configs) share its scratch namespace.
      if (std::find(scratch_namespaces_.begin(), scratch_namespaces_.end(), to) != scratch_namespaces_.end()) continue;
      kube::Json object = {{"apiVersion", "v1"}, {"kind", "Namespace"},
                           {"metadata", {{"name", to}, {"labels", {{kScratchLabel, spec_.id}}}}}};
      auto made = client_->Create(*ns, "", object, {});
      if (!made.ok()) return made.status().Annotate("creating scratch namespace " + to);
      scratch_namespaces_.push_back(to);
    }
    HORT_ASSIGN_OR_RETURN(u.report, resources::RunRestore(*client_, u.backup, ro));
  }
  return Status::Ok();
}

std::vector<std::string> ResourcesTestSteps::Validate() {
  std::vector<std::string> findings;
  std::set<std::string> present;  // "Kind/name" restored somewhere in scope
  auto discovery = client_->Discover(true);
  if (!discovery.ok()) return {"discovery: " + discovery.status().message()};
  for (const ResourcesTestUnit& u : units_) {
    for (const auto& e : u.report.errors) findings.push_back(u.label + ": " + e);
    for (const auto& item : u.report.items) {
      if (item.action == resources::RestoreAction::kFailed) {
        findings.push_back(u.label + ": " + item.resource + " " + item.ns + "/" + item.name + " failed: " + item.message);
        continue;
      }
      if (item.action == resources::RestoreAction::kSkipped || item.ns.empty()) continue;
      const kube::ResourceInfo* r = discovery->Find(item.resource);
      if (!r) {
        findings.push_back(u.label + ": " + item.resource + " is not served after the restore");
        continue;
      }
      auto got = client_->Get(*r, item.ns, item.name);
      if (!got.ok()) {
        findings.push_back(u.label + ": " + item.resource + " " + item.ns + "/" + item.name + " is not in the cluster: " +
                           got.status().message());
        continue;
      }
      present.insert(r->kind + "/" + item.name);
    }
  }
  for (const auto& want : spec_.validate.expect) {
    if (!present.count(want)) findings.push_back("expected object " + want + " was not restored");
  }
  for (auto& f : WaitForWorkloads(*discovery)) findings.push_back(std::move(f));
  return findings;
}

std::vector<std::string> ResourcesTestSteps::CleanUp() {
  std::vector<std::string> problems;
  if (!client_ || scratch_namespaces_.empty()) return problems;
  auto d = client_->Discover();
  const kube::ResourceInfo* ns = d.ok() ? d->Find("", "v1", "namespaces") : nullptr;
  if (!ns) return {"could not delete the scratch namespaces: the cluster serves no namespaces"};
  for (const auto& name : ScratchNamespaces()) {
    Status s = client_->Delete(*ns, "", name, kube::Propagation::kForeground);
    if (!s.ok() && s.code() != Code::kNotFound) problems.push_back("could not delete scratch namespace " + name + ": " + s.message());
  }
  return problems;
}

std::vector<std::string> ResourcesTestSteps::ScratchNamespaces() const {
  std::vector<std::string> out = scratch_namespaces_;
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string ResourcesTestSteps::FirstScratchNamespace() const {
  return scratch_namespaces_.empty() ? "" : scratch_namespaces_.front();
}

uint64_t ResourcesTestSteps::Objects() const {
  uint64_t n = 0;
  for (const auto& u : units_) {
    n += u.report.Count(resources::RestoreAction::kCreated) + u.report.Count(resources::RestoreAction::kUpdated);
  }
  return n;
}

}  // namespace hort
