// hort resources backup | restore | export | verify: the resources layer
// (Velero's role) by hand. Backups are restic snapshots /resources/<entry>.tar
// in Velero's tarball layout; export writes one into a Velero backup storage
// location; verify walks Velero's own bucket through the validation ladder.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <ctime>

#include "cli/command.h"
#include "cli/json_text.h"
#include "cli/kube_cli.h"
#include "cli/table.h"
#include "kube/json_fields.h"
#include "kube/label_selector.h"
#include "kube/object_names.h"
#include "objstore/open_store.h"
#include "resources/collect.h"
#include "resources/restore_run.h"
#include "resources/snapshot_io.h"
#include "resources/velero_bucket.h"
#include "resources/verify.h"
#include "resources/verify_location.h"
#include "jobs/jobs.h"
#include "util/log.h"
#include "util/strings.h"

namespace hort::cli {
namespace {

using namespace hort::resources;

struct ResourcesFlags {
  KubeFlags kube;
  // backup
  std::vector<std::string> namespaces, include, exclude, require, cluster;
  std::string entry, selector, host;
  // restore / export / verify
  std::string path;  // with latest: the entry's series, /resources/<entry>.tar
  std::string snapshot, velero, name, to, mappings, policy, repository;
  std::vector<std::string> include_resources, exclude_resources;
  bool dry_run = false;
  bool replay = false;  // verify: L5, a dry-run restore into <ns>-verify
};

std::vector<std::string> SplitComma(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& s : in) {
    size_t start = 0;
    while (start <= s.size()) {
      size_t end = s.find(',', start);
      if (end == std::string::npos) end = s.size();
      if (end > start) out.push_back(s.substr(start, end - start));
      start = end + 1;
    }
  }
  return out;
}

// What the API or Velero's CLI would refuse, refused before anything is
// listed or written: a namespace name that cannot be one, a selector that
// does not parse (Velero's CLI rejects it; each list would fail with 400).
Status CheckNamespaceName(const std::string& flag, const std::string& ns) {
  if (ns.find('*') != std::string::npos) {
    return Status(Code::kInvalidArgument, flag + ": \"" + ns + "\": wildcards are not supported; name each namespace");
  }
  if (std::string bad = kube::NameProblem(ns, "Namespace"); !bad.empty()) {
    return Status(Code::kInvalidArgument, flag + ": \"" + ns + "\" is not a namespace name: " + bad);
  }
  return Status::Ok();
}

// --namespace-mappings OLD:NEW[,OLD:NEW], each side a namespace name.
Result<std::map<std::string, std::string>> ParseNamespaceMappings(const std::vector<std::string>& flags) {
  std::map<std::string, std::string> out;
  for (const auto& m : SplitComma(flags)) {
    const size_t colon = m.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == m.size()) {
      return Status(Code::kInvalidArgument, "--namespace-mappings takes OLD:NEW[,OLD:NEW], got " + m);
    }
    HORT_RETURN_IF_ERROR(CheckNamespaceName("--namespace-mappings", m.substr(0, colon)));
    HORT_RETURN_IF_ERROR(CheckNamespaceName("--namespace-mappings", m.substr(colon + 1)));
    out[m.substr(0, colon)] = m.substr(colon + 1);
  }
  return out;
}

Status CheckSelector(const std::string& selector) {
  if (selector.empty()) return Status::Ok();
  auto parsed = kube::LabelSelector::Parse(selector);
  return parsed.ok() ? Status::Ok() : parsed.status().Annotate("--selector");
}


Result<std::unique_ptr<ObjectStore>> OpenLocation(const GlobalOptions& g, const std::string& location) {
  StoreOptions so;
  so.cacert = g.cacert;
  so.insecure_tls = g.insecure_tls;
  return OpenStore(location, so);
}

// A snapshot ID, or "latest": the newest snapshot tagged resources of one
// series (host and entry path; --host and --path narrow them). A `latest`
// that several series answer is refused rather than guessed: the newest of
// any entry of a namespace, or of any namespace, would restore objects of
// another entry (another namespace's, with two) into the live cluster.
Result<Snapshot> PickSnapshot(Repository& repo, const std::string& ref, const std::string& host, const std::string& path) {
  if (ref != "latest") return repo.FindSnapshot(ref);
  HORT_ASSIGN_OR_RETURN(auto all, repo.LoadSnapshots());
  std::map<std::string, const Snapshot*> newest;  // per series: "host path,…"
  for (const Snapshot& s : all) {
    bool tagged = std::find(s.tags.begin(), s.tags.end(), kResourcesTag) != s.tags.end();
    if (!tagged || (!host.empty() && s.hostname != host)) continue;
    if (!path.empty() && std::find(s.paths.begin(), s.paths.end(), path) == s.paths.end()) continue;
    const Snapshot*& best = newest[s.hostname + " " + Join(s.paths, ",")];
    if (!best || best->time < s.time) best = &s;
  }
  if (newest.empty()) {
    return Status(Code::kNotFound, "no resource snapshot" + (host.empty() ? "" : " of host " + host) +
                                       (path.empty() ? "" : " with path " + path));
  }
  if (newest.size() > 1) {
    std::string series;
    for (const auto& [name, snap] : newest) series += (series.empty() ? "" : "; ") + std::string("host ") + name;
    return Status(Code::kInvalidArgument, "latest is ambiguous: resource snapshots of " + std::to_string(newest.size()) +
                                              " series (" + series + "); name one with --host and --path, or give a snapshot ID");
  }
  return *newest.begin()->second;
}

int Backup(Opened& o, const ResourcesFlags& f, const GlobalOptions& g) {
  // Before the cluster is asked anything: a name `resources export` would refuse.
  if (std::string bad = kube::TimestampedNameProblem(f.entry); !f.entry.empty() && !bad.empty()) {
    return Fail(Status(Code::kInvalidArgument,
                       "--name " + f.entry + ": an entry name starts its Velero backups' names (<name>-<YYYYMMDDHHMMSS>): " + bad));
  }
  auto client = OpenKube(f.kube, o.catalog.get());
  if (!client.ok()) return Fail(client.status());
  CollectSpec spec;
  spec.namespaces = SplitComma(f.namespaces);
  spec.include = SplitComma(f.include);
  spec.exclude = SplitComma(f.exclude);
  spec.require = SplitComma(f.require);
  spec.label_selector = f.selector;
  for (const auto& c : SplitComma(f.cluster)) {
    auto slash = c.find('/');
    if (slash == std::string::npos) return Fail(Status(Code::kInvalidArgument, "--cluster takes RESOURCE/NAME, got " + c));
    spec.cluster.push_back({.resource = c.substr(0, slash), .names = {c.substr(slash + 1)}});
  }
  spec.StartNow();
  const std::string entry = f.entry.empty() ? spec.namespaces[0] : f.entry;
  spec.backup_name = VeleroTimeName(entry, spec.now);  // Velero's <schedule>-<YYYYMMDDHHMMSS>
  // Cluster-scoped names given as kubectl spells them resolve through discovery.
  auto backup = CollectBackup(**client, spec);
  if (!backup.ok()) return Fail(backup.status());
  auto saved = SaveResourceSnapshot(o.repo(), *backup, entry, f.host.empty() ? spec.namespaces[0] : f.host, {});
  if (!saved.ok()) return Fail(saved.status());
  if (g.json) {
    std::printf("%s\n", JsonText({{"snapshot_id", saved->id}, {"items", saved->items}, {"phase", backup->meta.phase},
                                  {"backup_name", backup->meta.name}, {"data_added", saved->bytes_added},
                                  {"errors", backup->meta.errors.Count()}}).c_str());
  } else {
    std::printf("snapshot %s saved: %zu objects (%s), %s added\n", saved->id.substr(0, 8).c_str(), saved->items,
                backup->meta.phase.c_str(), FormatBytes(saved->bytes_added).c_str());
  }
  for (const auto& [ns, lines] : backup->meta.errors.namespaces) {
    for (const auto& l : lines) std::fprintf(stderr, "error: %s\n", l.c_str());
  }
  for (const auto& l : backup->meta.errors.cluster) std::fprintf(stderr, "error: %s\n", l.c_str());
  return backup->meta.errors.Count() > 0 ? kExitPartial : kExitOk;
}

// --velero NAME of the catalog's velero.locations (with --config), else a URL or folder.
Result<std::unique_ptr<ObjectStore>> OpenVeleroFlag(const Opened& o, const GlobalOptions& g, const std::string& flag) {
  if (o.catalog) {
    auto it = o.catalog->velero.locations.find(flag);
    if (it != o.catalog->velero.locations.end()) return OpenVeleroLocation(it->second);
    // A bare word is meant as a name: a typo must not become a new local folder.
    std::error_code ec;
    if (flag.find_first_of("/:") == std::string::npos && !std::filesystem::exists(flag, ec)) {
      return Status(Code::kInvalidArgument, "no velero.locations entry \"" + flag + "\" in " + o.catalog->path +
                                                " (and no folder of that name)");
    }
  }
  return OpenLocation(g, flag);
}

Result<ResourceBackup> SourceBackup(Opened& o, const ResourcesFlags& f, const GlobalOptions& g) {
  if (!f.velero.empty()) {
    if (f.name.empty()) return Status(Code::kInvalidArgument, "--velero needs --name BACKUP");
    HORT_ASSIGN_OR_RETURN(auto store, OpenVeleroFlag(o, g, f.velero));
    HORT_ASSIGN_OR_RETURN(ResourceBackup backup, ReadBucketBackup(*store, f.name));
    for (const std::string& e : backup.ignored) LogWarning(f.name + ".tar.gz: " + e + ": ignored, as Velero ignores it");
    return backup;
  }
  HORT_ASSIGN_OR_RETURN(Snapshot snap, PickSnapshot(o.repo(), f.snapshot, f.host, f.path));
  return LoadResourceSnapshot(o.repo(), snap);
}

int Restore(Opened& o, const ResourcesFlags& f, const GlobalOptions& g) {
  RestoreOptions ro;
  auto mappings = ParseNamespaceMappings({f.mappings});
  if (!mappings.ok()) return Fail(mappings.status());
  ro.namespace_mapping = std::move(*mappings);
  ro.included_resources = SplitComma(f.include_resources);
  ro.excluded_resources = SplitComma(f.exclude_resources);
  ro.label_selector = f.selector;
  auto policy = ParseExistingResourcePolicy(f.policy);
  if (!policy.ok()) return Fail(policy.status());
  ro.existing_resource_policy = *policy;
  ro.dry_run = f.dry_run;
  auto backup = SourceBackup(o, f, g);
  if (!backup.ok()) return Fail(backup.status());
  ro.restore_name = VeleroTimeName(backup->meta.name, std::time(nullptr));  // Velero's <backup>-<YYYYMMDDHHMMSS>
  auto client = OpenKube(f.kube, o.catalog.get());
  if (!client.ok()) return Fail(client.status());
  auto report = RunRestore(**client, *backup, ro);
  if (!report.ok()) return Fail(report.status());
  if (g.json) {
    std::printf("%s\n", JsonText(report->ToJson()).c_str());
  } else {
    Table table({"ACTION", "RESOURCE", "NAMESPACE", "NAME", "NOTE"});
    for (const ItemReport& i : report->items) {
      table.Row({ActionName(i.action), i.resource, i.ns.empty() ? "-" : i.ns, i.name, i.message});
    }
    std::printf("%s", table.Render(false).c_str());
    for (const ItemReport& i : report->items) {
      for (const auto& d : i.diff) std::printf("  %s %s/%s: %s\n", i.resource.c_str(), i.ns.c_str(), i.name.c_str(), d.c_str());
    }
    // A dry run created nothing: its counts say what it would do, in the words of its ACTION column.
    std::printf("%s%zu objects: %zu %s, %zu unchanged, %zu differ, %zu %s, %zu skipped, %zu failed\n",
                f.dry_run ? "dry run, nothing written: " : "", report->items.size(),
                report->Count(RestoreAction::kCreated) + report->Count(RestoreAction::kWouldCreate),
                ActionName(f.dry_run ? RestoreAction::kWouldCreate : RestoreAction::kCreated),
                report->Count(RestoreAction::kUnchanged), report->Count(RestoreAction::kDiffers),
                report->Count(RestoreAction::kUpdated) + report->Count(RestoreAction::kWouldUpdate),
                ActionName(f.dry_run ? RestoreAction::kWouldUpdate : RestoreAction::kUpdated),
                report->Count(RestoreAction::kSkipped), report->Count(RestoreAction::kFailed));
  }
  for (const auto& w : report->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  for (const auto& e : report->errors) std::fprintf(stderr, "error: %s\n", e.c_str());
  return report->Count(RestoreAction::kFailed) > 0 || !report->errors.empty() ? kExitFailure : kExitOk;
}

int Export(Opened& o, const ResourcesFlags& f, const GlobalOptions& g) {
  if (f.to.empty()) return Fail(Status(Code::kInvalidArgument, "resources export: --to LOCATION is required"));
  auto snap = PickSnapshot(o.repo(), f.snapshot, f.host, f.path);
  if (!snap.ok()) return Fail(snap.status());
  auto backup = LoadResourceSnapshot(o.repo(), *snap);
  if (!backup.ok()) return Fail(backup.status());
  if (!f.name.empty()) backup->meta.name = f.name;
  if (backup->meta.log.empty()) {
    backup->meta.log = "level=info msg=\"Backed up a total of " + std::to_string(backup->items.size()) +
                       " items\" backup=" + backup->meta.name + " source=hort snapshot=" + snap->id.Short() + "\n";
  }
  auto store = OpenVeleroFlag(o, g, f.to);
  if (!store.ok()) return Fail(store.status());
  Status s = ExportBackup(**store, *backup);
  if (!s.ok()) return Fail(s);
  if (g.json) {
    std::printf("%s\n", JsonText({{"snapshot_id", snap->id.Hex()}, {"backup_name", backup->meta.name},
                                  {"items", backup->items.size()}, {"location", f.to}})
                             .c_str());
    return kExitOk;
  }
  std::printf("exported snapshot %s as Velero backup %s (%zu objects) to %s\n", snap->id.Short().c_str(),
              backup->meta.name.c_str(), backup->items.size(), f.to.c_str());
  return kExitOk;
}

nlohmann::json CheckJson(const BackupCheck& c) {
  nlohmann::json problems = nlohmann::json::array();
  for (const auto& p : c.problems) problems.push_back({{"level", p.level}, {"message", p.message}});
  return {{"name", c.name}, {"level_reached", c.level_reached}, {"phase", c.phase}, {"items", c.items},
          {"problems", problems}, {"notes", c.notes}, {"log_errors", c.log_errors}, {"log_warnings", c.log_warnings}};
}

int Verify(Opened& o, const ResourcesFlags& f, const GlobalOptions& g) {
  std::vector<BackupCheck> checks;
  bool layout_bad = false;
  int top = f.replay ? 5 : 4;  // L5 (dry-run replay) only with --replay: it needs the cluster
  VerifyOptions vo;
  std::unique_ptr<kube::Client> client;
  if (f.replay) {
    auto opened = OpenKube(f.kube, o.catalog.get());
    if (!opened.ok()) return Fail(opened.status());
    client = std::move(*opened);
    vo.replay = DryRunReplay(*client);
  }
  if (!f.velero.empty()) {
    auto store = OpenVeleroFlag(o, g, f.velero);
    if (!store.ok()) return Fail(store.status());
    auto location = VerifyLocation(**store, vo, f.name);
    if (!location.ok()) return Fail(location.status());
    for (const auto& p : location->layout) {
      std::fprintf(stderr, "location %s: L%d: %s\n", f.velero.c_str(), p.level, p.message.c_str());
    }
    layout_bad = !location->layout.empty();
    checks = std::move(location->backups);
  } else {
    // --repository NAME: a repository of --config's catalog, opened with its own password source.
    Repository* repo = nullptr;
    OpenedRepo catalog_repo;
    if (!f.repository.empty()) {
      auto it = o.catalog->repositories.find(f.repository);
      if (it == o.catalog->repositories.end()) {
        return Fail(Status(Code::kInvalidArgument, "no repository named \"" + f.repository + "\" in " + o.catalog->path));
      }
      auto opened = OpenCatalogRepository(*o.catalog, it->second, OpenLock::kShared, nullptr);
      if (!opened.ok()) return Fail(opened.status());
      catalog_repo = std::move(*opened);
      if (Status s = catalog_repo.repo->LoadIndex(); !s.ok()) return Fail(s);
      repo = catalog_repo.repo.get();
    } else {
      repo = &o.repo();
    }
    auto all = repo->LoadSnapshots();
    if (!all.ok()) return Fail(all.status());
    for (const Snapshot& s : *all) {
      if (std::find(s.tags.begin(), s.tags.end(), kResourcesTag) == s.tags.end()) continue;
      auto b = LoadResourceSnapshot(*repo, s);
      BackupCheck c;
      if (!b.ok()) {
        c.name = s.id.Short();
        c.problems.push_back({3, b.status().message()});
      } else {
        c = VerifyResourceBackup(*b, vo);
        c.name = s.id.Short() + " " + s.paths[0];
      }
      checks.push_back(std::move(c));
    }
  }
  bool bad = false;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : checks) {
    bad |= c.level_reached < top;
    if (g.json) {
      out.push_back(CheckJson(c));
      continue;
    }
    std::printf("%-40s L%d %s%s\n", c.name.c_str(), c.level_reached < 0 ? 0 : c.level_reached,
                c.level_reached >= top ? "ok" : "FAILED at L" , c.level_reached >= top ? "" :
                (std::to_string(c.level_reached + 1) + ": " + (c.problems.empty() ? "" : c.problems[0].message)).c_str());
  }
  if (g.json) std::printf("%s\n", JsonText(out).c_str());
  if (checks.empty() && !layout_bad) std::fprintf(stderr, "no backups to verify\n");
  return bad || layout_bad ? kExitFailure : kExitOk;
}

}  // namespace

Command AddResources(CLI::App& sub, GlobalOptions& g) {
  static ResourcesFlags f;
  sub.require_subcommand(1);
  // Each list option takes one value per occurrence (comma-separated or
  // repeated): `--include-resources pods latest` took `latest` as a resource.
  auto* backup = sub.add_subcommand("backup", "Back up namespaces' objects as a snapshot /resources/<entry>.tar (Velero's layout)");
  backup->add_option("--namespace,-n", f.namespaces, "namespace to back up (repeat or comma-separate)")->allow_extra_args(false);
  backup->add_option("--name", f.entry, "entry name: the file /resources/<name>.tar (default: the first namespace)");
  backup->add_option("--include", f.include, "only these resources (deployments.apps, secrets, …)")->allow_extra_args(false);
  backup->add_option("--exclude", f.exclude, "not these resources")->allow_extra_args(false);
  backup->add_option("--require", f.require, "fail (no snapshot) if one of these resources cannot be listed")->allow_extra_args(false);
  backup->add_option("--selector,-l", f.selector, "label selector");
  backup->add_option("--cluster", f.cluster, "cluster-scoped objects of the service: RESOURCE/NAME")->allow_extra_args(false);
  backup->add_option("--host", f.host, "snapshot host (default: the first namespace)");
  auto* restore = sub.add_subcommand("restore", "Restore a resource snapshot or a Velero backup into the cluster");
  restore->add_option("snapshot", f.snapshot, "snapshot ID or latest (the newest resource snapshot)");
  restore->add_option("--velero", f.velero, "a Velero backup storage location (s3:…/bucket[/prefix], a folder, or "
                                          "a velero.locations name of --config)");
  restore->add_option("--name", f.name, "the Velero backup's name (with --velero)");
  restore->add_option("--host", f.host, "with latest: the newest of this host");
  restore->add_option("--path", f.path, "with latest: the newest of this entry (/resources/<entry>.tar)");
  restore->add_option("--namespace-mappings", f.mappings, "OLD:NEW[,OLD:NEW]");
  restore->add_option("--include-resources", f.include_resources, "only these resources")->allow_extra_args(false);
  restore->add_option("--exclude-resources", f.exclude_resources, "not these resources")->allow_extra_args(false);
  restore->add_option("--selector,-l", f.selector, "only objects with these labels");
  restore->add_option("--existing-resource-policy", f.policy, "none (default) or update");
  restore->add_flag("--dry-run", f.dry_run, "send every create with dryRun=All and report what would change");
  auto* exp = sub.add_subcommand("export", "Write a resource snapshot into a Velero backup storage location");
  exp->add_option("snapshot", f.snapshot, "snapshot ID or latest")->required();
  exp->add_option("--to", f.to, "s3:…/bucket[/prefix] or a folder")->required();
  exp->add_option("--name", f.name, "the Velero backup name (default: the one recorded at backup)");
  exp->add_option("--host", f.host, "with latest: the newest of this host");
  exp->add_option("--path", f.path, "with latest: the newest of this entry (/resources/<entry>.tar)");
  auto* verify = sub.add_subcommand("verify", "Check Velero backups in a bucket, or hort's resource snapshots, level by level");
  verify->add_option("--velero", f.velero, "a Velero backup storage location: s3:…/bucket[/prefix], a folder, or "
                                         "a velero.locations name of --config");
  verify->add_option("--name", f.name, "only this backup");
  verify->add_option("--repository", f.repository, "the resource snapshots of this repository of --config's catalog");
  verify->add_flag("--replay", f.replay, "L5: a dry-run restore of every backup into <ns>-verify (needs the cluster)");
  for (auto* s : {backup, restore, exp, verify}) AddKubeFlags(*s, &f.kube);
  auto validate = [backup, restore, verify]() -> Status {
    if (verify->parsed() && !f.repository.empty() && !f.velero.empty()) {
      return Status(Code::kInvalidArgument, "resources verify: give --velero or --repository, not both");
    }
    if (restore->parsed() && f.snapshot.empty() == f.velero.empty()) {
      return Status(Code::kInvalidArgument, "resources restore: give a SNAPSHOT or --velero LOCATION --name NAME");
    }
    if (backup->parsed() || restore->parsed()) HORT_RETURN_IF_ERROR(CheckSelector(f.selector));
    if (backup->parsed()) {
      const auto namespaces = SplitComma(f.namespaces);
      if (namespaces.empty()) return Status(Code::kInvalidArgument, "resources backup: name at least one --namespace");
      for (const auto& ns : namespaces) HORT_RETURN_IF_ERROR(CheckNamespaceName("--namespace", ns));
    }
    if (restore->parsed()) HORT_RETURN_IF_ERROR(ParseNamespaceMappings({f.mappings}).status());
    return Status::Ok();
  };
  auto needs = [restore, verify, exp, backup]() -> Needs {
    bool by_name = verify->parsed() && !f.repository.empty();  // opened from the catalog by Verify
    bool repo = !by_name && (backup->parsed() || exp->parsed() ||
                             ((restore->parsed() || verify->parsed()) && f.velero.empty()));
    Needs n = !repo ? NeedsNothing() : backup->parsed() ? NeedsRepositoryLocked(OpenLock::kShared, true)
                                                        : NeedsRepository(OpenLock::kShared, true);
    n.catalog_if_named = true;  // --velero NAME of the catalog's velero.locations
    n.catalog = by_name;
    return n;
  };
  return Command{validate, needs, [&g, backup, restore, exp](Opened& o) {
                   if (backup->parsed()) return Backup(o, f, g);
                   if (restore->parsed()) return Restore(o, f, g);
                   if (exp->parsed()) return Export(o, f, g);
                   return Verify(o, f, g);
                 }};
}

}  // namespace hort::cli
