#include "verify/files_scope.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "format/snapshot.h"

namespace hort {
namespace {

// The snapshot series of one entry: its paths, or for k8up_annotations
// every dump series /<ns>-… in its repository that no other entry of a
// service in that namespace names (the pods are not asked: a restore test
// needs no cluster).
std::vector<std::vector<std::string>> SeriesOf(const Catalog& c, const Service& s, const FilesEntry& e,
                                               const std::vector<Snapshot>& repo_snapshots) {
  if (e.kind != FilesEntry::Kind::kK8upAnnotations) return {e.SnapshotPaths(s.ns)};
  std::set<std::string> claimed, found;
  for (const Service& other_service : c.services) {
    if (other_service.ns != s.ns) continue;
    for (const FilesEntry& other : other_service.files) {
      for (const auto& p : other.SnapshotPaths(s.ns)) claimed.insert(p);
    }
  }
  const std::string prefix = "/" + s.ns + "-";
  for (const Snapshot& snap : repo_snapshots) {
    if (snap.hostname == s.ns && snap.paths.size() == 1 && snap.paths[0].rfind(prefix, 0) == 0 &&
        !claimed.count(snap.paths[0])) {
      found.insert(snap.paths[0]);
    }
  }
  std::vector<std::vector<std::string>> out;
  for (const auto& p : found) out.push_back({p});
  if (out.empty()) out.push_back({prefix + "<annotated pods>"});  // reported as "no snapshot"
  return out;
}

Status Resolve(const Catalog& c, const RestoreTestSpec& spec, const std::vector<std::string>& given_refs,
               const std::string& scratch, const OpenRepository& open, FilesScope& out) {
  auto refuse = [&](Status s) {
    out.given_refused = true;
    return s;
  };
  std::map<std::string, Repository*> repos;
  std::map<std::string, std::vector<Snapshot>> snapshots;  // per repository
  std::vector<std::pair<std::string, Snapshot>> given;     // (repository, snapshot)
  std::set<std::string> names;
  for (const Service* s : spec.services) {
    for (const FilesEntry& e : s->files) names.insert(e.repository);
  }
  for (const auto& name : names) {
    HORT_ASSIGN_OR_RETURN(Repository * repo, open(name));
    repos[name] = repo;
    HORT_ASSIGN_OR_RETURN(snapshots[name], repo->LoadSnapshots());
  }
  for (const auto& ref : given_refs) {
    bool found = false;
    for (const auto& name : names) {
      auto snap = FindLoadedSnapshot(snapshots[name], ref);
      if (!snap.ok() && snap.status().code() == Code::kNotFound) continue;  // another repository's
      if (!snap.ok() && snap.status().code() == Code::kInvalidArgument) {  // a prefix of several snapshots
        return refuse(snap.status().Annotate("--snapshot " + ref));
      }
      if (!snap.ok()) return snap.status().Annotate("repository " + name);
      given.emplace_back(name, *snap);
      found = true;
      break;
    }
    if (!found) return refuse(Status(Code::kInvalidArgument, "snapshot " + ref + " is not in the repositories of the test's scope"));
  }
  std::vector<bool> used(given.size(), false);
  for (const Service* s : spec.services) {
    for (const FilesEntry& e : s->files) {
      for (auto paths : SeriesOf(c, *s, e, snapshots[e.repository])) {
        std::sort(paths.begin(), paths.end());
        auto matches = [&](const Snapshot& snap) { return InSeries(snap, s->ns, paths); };
        const Snapshot* pick = nullptr;  // the one given with --snapshot, else the latest
        for (size_t i = 0; i < given.size(); ++i) {
          if (given[i].first == e.repository && matches(given[i].second)) pick = &given[i].second, used[i] = true;
        }
        if (!pick) {
          for (const Snapshot& snap : snapshots[e.repository]) {
            if (matches(snap) && (!pick || pick->time < snap.time)) pick = &snap;
          }
        }
        std::string label = s->name + "/files/" + e.name;
        if (e.kind == FilesEntry::Kind::kK8upAnnotations) label += paths[0];
        if (!pick) return Status(Code::kNotFound, label + ": no snapshot in repository " + e.repository);
        RestoreUnit u;
        u.repository = e.repository;
        u.repo = repos.at(e.repository);
        u.snapshot = *pick;
        u.label = label;
        u.target = scratch + "/" + s->name;
        u.classification_rank = static_cast<int>(s->classification);
        out.units.push_back(std::move(u));
      }
    }
  }
  for (size_t i = 0; i < given.size(); ++i) {
    if (!used[i]) return refuse(Status(Code::kInvalidArgument, "snapshot " + given[i].second.id.Short() +
                                                                    " does not belong to any files entry of the test's scope"));
  }
  return Status::Ok();
}

}  // namespace

FilesScope ResolveFilesScope(const Catalog& catalog, const RestoreTestSpec& spec, const std::vector<std::string>& given,
                             const std::string& scratch, const OpenRepository& open) {
  FilesScope out;
  out.status = Resolve(catalog, spec, given, scratch, open, out);
  return out;
}

}  // namespace hort
