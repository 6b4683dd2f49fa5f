// The location ladder and its L5 replay hook.
#include "resources/verify_location.h"

#include <set>

#include "kube/json_fields.h"
#include "resources/restore_run.h"
#include "resources/velero_bucket.h"

namespace hort::resources {

Result<LocationCheck> VerifyLocation(ObjectStore& store, VerifyOptions options, const std::string& name) {
  LocationCheck out;
  out.target_level = options.replay ? std::min(options.max_level, 5) : std::min(options.max_level, 4);
  // One listing of the whole location serves L0, the backups' names and
  // each backup's artefacts.
  std::map<std::string, uint64_t> listing;
  HORT_RETURN_IF_ERROR(store.List("", [&](const std::string& key, uint64_t size) { listing.emplace(key, size); }));
  std::set<std::string> names;
  if (!name.empty()) {
    names = {name};
  } else {
    for (const auto& [key, size] : listing) {
      if (std::string n = BackupNameOf(key); !n.empty()) names.insert(std::move(n));
    }
  }
  out.layout = LayoutProblems(listing);
  if (names.empty() && out.layout.empty()) {
    // A wrong prefix, a typo, a bucket Velero never wrote: not "all fine".
    out.layout.push_back({0, "no Velero backups at " + store.Location() + " (nothing under backups/)"});
  }
  options.listing = &listing;
  options.layout = &out.layout;
  for (const auto& n : names) {
    BackupCheck c = VerifyBucketBackup(store, n, options);
    if (out.Failed(c)) ++out.failed;
    if (out.NotCounted(c)) ++out.transient;
    // A recovery point only if it would restore: a Completed backup with a
    // damaged tarball does not count.
    if (!out.Failed(c) && c.completed_unix > out.newest_completed_unix) {
      out.newest_completed_unix = c.completed_unix;
      out.newest_completed = c.name;
    }
    out.backups.push_back(std::move(c));
  }
  return out;
}

ReplayHook DryRunReplay(kube::Client& client) {
  return [&client](const ResourceBackup& backup) {
    RestoreOptions ro;
    ro.dry_run = true;
    ro.restore_name = backup.meta.name + "-verify";
    for (const Item& i : backup.items) {
      if (!i.ns.empty()) ro.namespace_mapping.emplace(i.ns, i.ns + "-verify");
      if (i.group_resource == "namespaces") ro.namespace_mapping.emplace(i.name, i.name + "-verify");
    }
    std::vector<std::string> problems;
    auto report = RunRestore(client, backup, ro);
    if (!report.ok()) return std::vector<std::string>{"dry-run restore: " + report.status().message()};
    for (const ItemReport& i : report->items) {
      if (i.action != RestoreAction::kFailed) continue;
      problems.push_back("dry-run restore: " + i.resource + " " + (i.ns.empty() ? "" : i.ns + "/") + i.name + ": " +
                         i.message);
    }
    for (const auto& e : report->errors) problems.push_back("dry-run restore: " + e);
    // Items bound for a namespace the dry run only pretends were checked
    // locally, not sent: ask the authorizer whether the real restore may
    // create them (one SelfSubjectAccessReview per resource and namespace).
    auto discovery = client.Discover();
    const kube::ResourceInfo* ssar =
        discovery.ok() ? discovery->Find("authorization.k8s.io", "v1", "selfsubjectaccessreviews") : nullptr;
    std::set<std::pair<std::string, std::string>> asked;
    for (const ItemReport& i : report->items) {
      if (!ssar || i.action != RestoreAction::kWouldCreate || i.ns.empty() || !asked.insert({i.resource, i.ns}).second) {
        continue;
      }
      const size_t dot = i.resource.find('.');
      const std::string resource = i.resource.substr(0, dot);
      const std::string group = dot == std::string::npos ? "" : i.resource.substr(dot + 1);
      Json review = {{"apiVersion", "authorization.k8s.io/v1"},
                     {"kind", "SelfSubjectAccessReview"},
                     {"spec", {{"resourceAttributes",
                                {{"namespace", i.ns}, {"verb", "create"}, {"group", group}, {"resource", resource}}}}}};
      auto answer = client.Create(*ssar, "", review, kube::WriteOptions{});
      if (!answer.ok()) {
        problems.push_back("dry-run restore: cannot ask whether " + i.resource + " may be created in " + i.ns + ": " +
                           answer.status().message());
      } else if (!kube::BoolAt(*answer, "/status/allowed", false)) {
        problems.push_back("dry-run restore: " + i.resource + " " + i.ns + "/" + i.name +
                           ": forbidden: may not create " + i.resource + " in namespace " + i.ns);
      }
    }
    return problems;
  };
}

}  // namespace hort::resources
