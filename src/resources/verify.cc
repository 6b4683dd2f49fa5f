#include "resources/verify.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "archive/gzip.h"
#include "kube/json_fields.h"
#include "resources/velero_bucket.h"

namespace hort::resources {

using kube::FieldAt;
using kube::ObjectAt;
using kube::StringAt;

namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

int64_t Now(const VerifyOptions& o) {
  if (o.now_unix != 0) return o.now_unix;
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Collects one level's problems; the ladder goes on only while none came.
struct Ladder {
  BackupCheck& check;
  int level = 0;
  int max_level = 5;
  void Problem(std::string message) { check.problems.push_back({level, std::move(message)}); }
  // Closes the current level: true when it passed and the walk goes higher.
  bool Pass() {
    if (!check.problems.empty()) return false;
    check.level_reached = level++;
    return check.level_reached < max_level;
  }
};

// L1 on the status fields, shared by the bucket and the repository check.
void CheckStatus(Ladder& l, const std::string& phase, const std::string& completion, const std::string& expiration,
                 const VerifyOptions& o) {
  static const std::set<std::string> kUnfinished = {
      "New", "Queued", "ReadyToStart", "InProgress", "WaitingForPluginOperations",
      "WaitingForPluginOperationsPartiallyFailed", "Finalizing", "FinalizingPartiallyFailed"};
  const int64_t now = Now(o);
  const size_t earlier = l.check.problems.size();
  int64_t expires = 0;
  bool expiration_ok = true;
  if (!expiration.empty()) {
    auto t = UnixSeconds(expiration);
    if (t.ok()) expires = *t;
    else expiration_ok = false;
  }
  bool transient = true;  // every problem so far is one Velero is still working on
  if (phase == "PartiallyFailed" || phase == "Failed") {
    l.Problem("phase " + phase + ": Velero recorded errors, see the results and the log");
    transient = false;
  } else if (kUnfinished.count(phase)) {
    l.Problem("phase " + phase + " is not terminal: the backup never finished (Velero died or is still running)");
    transient = transient && expires > now;
  } else if (phase != "Completed") {
    l.Problem("phase \"" + phase + "\" is not one of Velero's");
    transient = false;
  }
  if (!expiration_ok) {
    l.Problem("status.expiration \"" + expiration + "\" is not a time");
    transient = false;
  } else if (expires != 0 && expires <= now) {
    l.Problem("expired at " + expiration + ": Velero's GC deletes it within the hour");
    transient = transient && now - expires < kExpiryGrace;
  }
  if (phase == "Completed" && completion.empty()) {
    l.Problem("Completed without status.completionTimestamp");
    transient = false;
  }
  if (!completion.empty()) {
    auto t = UnixSeconds(completion);
    if (!t.ok()) {
      l.Problem("status.completionTimestamp \"" + completion + "\" is not a time");
      transient = false;
    } else {
      if (phase == "Completed") l.check.completed_unix = *t;
      if (o.rpo_seconds > 0 && now - *t > o.rpo_seconds) {
        l.Problem("completed " + std::to_string((now - *t) / 60) + " min ago, older than the RPO of " +
                  std::to_string(o.rpo_seconds / 60) + " min");
        transient = false;
      }
    }
  }
  l.check.transient = transient && earlier == 0 && l.check.problems.size() > earlier;
}

using ResourceList = std::map<std::string, std::vector<std::string>>;

// L4: the resource list against the tarball, both ways.
void CompareResourceLists(Ladder& l, const ResourceList& listed, const ResourceList& stored) {
  auto diff = [&](const ResourceList& a, const ResourceList& b, const char* what) {
    for (const auto& [key, entries] : a) {
      auto it = b.find(key);
      for (const std::string& e : entries) {
        if (it == b.end() || !std::binary_search(it->second.begin(), it->second.end(), e)) {
          l.Problem(key + " " + e + ": " + what);
        }
      }
    }
  };
  diff(stored, listed, "in the tarball, missing from the resource list");
  diff(listed, stored, "in the resource list, missing from the tarball");
}

void CountLogLines(BackupCheck& c, const std::string& log) {
  for (size_t start = 0; start < log.size();) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    std::string_view line(log.data() + start, end - start);
    if (line.find("level=error") != std::string_view::npos) ++c.log_errors;
    if (line.find("level=warning") != std::string_view::npos) ++c.log_warnings;
    start = end + 1;
  }
}

}  // namespace

std::vector<VerifyProblem> LayoutProblems(const std::map<std::string, uint64_t>& listing) {
  std::set<std::string> unknown;
  for (const auto& [key, size] : listing) {
    size_t slash = key.find('/');
    if (slash == std::string::npos) continue;  // an object, not a folder
    std::string top = key.substr(0, slash);
    if (std::find(std::begin(kVeleroTopLevel), std::end(kVeleroTopLevel), top) == std::end(kVeleroTopLevel)) {
      unknown.insert(top);
    }
  }
  if (unknown.empty()) return {};
  std::string names;
  for (const auto& n : unknown) names += (names.empty() ? "" : ", ") + n;
  return {{0, "invalid top-level directories (Velero marks the location Unavailable): " + names}};
}

std::vector<VerifyProblem> VerifyBucketLayout(ObjectStore& store) {
  std::map<std::string, uint64_t> listing;
  Status s = store.List("", [&](const std::string& key, uint64_t size) { listing.emplace(key, size); });
  if (!s.ok()) return {{0, "cannot list " + store.Location() + ": " + s.ToString()}};
  return LayoutProblems(listing);
}

BackupCheck VerifyBucketBackup(ObjectStore& store, const std::string& name, const VerifyOptions& o) {
  BackupCheck c{.name = name};
  Ladder l{c, 0, o.max_level};
  // L0
  if (o.layout) {
    c.problems = *o.layout;
  } else {
    for (auto& p : VerifyBucketLayout(store)) c.problems.push_back(std::move(p));
  }
  if (!l.Pass()) return c;

  // L1
  auto cr_text = LoadString(store, MetadataKey(name));
  if (!cr_text.ok()) {
    l.Problem(cr_text.status().code() == Code::kNotFound ? MetadataKey(name) + " missing: no such backup"
                                                         : cr_text.status().ToString());
    l.Pass();
    return c;
  }
  Json cr = Json::parse(*cr_text, nullptr, /*allow_exceptions=*/false);
  if (cr.is_discarded() || StringAt(cr, "/apiVersion") != "velero.io/v1" || StringAt(cr, "/kind") != "Backup") {
    l.Problem("velero-backup.json is not a velero.io/v1 Backup");
    l.Pass();
    return c;
  }
  if (StringAt(cr, "/metadata/name") != name) {
    l.Problem("velero-backup.json names \"" + StringAt(cr, "/metadata/name") + "\", its folder is " + name);
  }
  c.phase = StringAt(cr, "/status/phase");
  CheckStatus(l, c.phase, StringAt(cr, "/status/completionTimestamp"), StringAt(cr, "/status/expiration"), o);
  const size_t status_problems = c.problems.size();
  const int64_t backed_up = kube::IntAt(cr, "/status/progress/itemsBackedUp", -1);
  const int64_t total = kube::IntAt(cr, "/status/progress/totalItems", -1);
  // A backup Velero is still writing may have no progress yet.
  if ((backed_up < 0 || total < 0) && !c.transient) l.Problem("status.progress missing");
  else if (backed_up > total) l.Problem("status.progress: more items backed up than there were");
  const int64_t status_errors = kube::IntAt(cr, "/status/errors"), status_warnings = kube::IntAt(cr, "/status/warnings");
  if (status_errors < 0 || status_warnings < 0) l.Problem("status.errors/warnings negative");
  if (c.problems.size() > status_problems) c.transient = false;
  if (!l.Pass()) return c;

  // L2: the artefacts, each inflated once and kept for L3/L4.
  std::map<std::string, uint64_t> present;
  const std::string prefix = "backups/" + name + "/";
  if (o.listing) {
    for (auto it = o.listing->lower_bound(prefix); it != o.listing->end() && it->first.starts_with(prefix); ++it) {
      present.insert(*it);
    }
  } else if (Status s = store.List(prefix, [&](const std::string& k, uint64_t size) { present[k] = size; }); !s.ok()) {
    l.Problem(s.ToString());
  }
  for (const char* required : {".tar.gz", "-resource-list.json.gz", "-results.gz"}) {
    if (!present.count(ArtifactKey(name, required))) l.Problem(ArtifactKey(name, required) + " missing");
  }
  if (!present.count(ArtifactKey(name, "-logs.gz"))) c.notes.push_back("no backup log (Velero uploads it best-effort)");
  std::map<std::string, std::string> inflated;
  for (const auto& [key, size] : present) {
    if (!EndsWith(key, ".gz")) continue;
    auto bytes = LoadString(store, key);
    if (!bytes.ok()) {
      l.Problem(bytes.status().ToString());
      continue;
    }
    auto text = Gunzip(*bytes, key, o.inflate_limit);
    if (!text.ok()) {
      l.Problem(text.status().message());
      continue;
    }
    if (EndsWith(key, ".json.gz") || EndsWith(key, "-results.gz")) {
      if (Json::parse(*text, nullptr, false).is_discarded()) l.Problem(key + ": not JSON");
    }
    inflated[key] = std::move(*text);
  }
  if (!l.Pass()) return c;
  CountLogLines(c, inflated[ArtifactKey(name, "-logs.gz")]);

  // L3
  auto contents = ParseTarball(inflated[ArtifactKey(name, ".tar.gz")], ArtifactKey(name, ".tar.gz"), o.limits);
  if (!contents.ok()) {
    l.Problem(contents.status().message());
    l.Pass();
    return c;
  }
  for (auto& f : contents->findings) l.Problem(std::move(f));
  for (const std::string& e : contents->backup.ignored) c.notes.push_back(e + ": ignored, as Velero ignores it");
  if (contents->format_version != kBackupFormatVersion && !contents->format_version.empty()) {
    l.Problem("metadata/version " + contents->format_version + ", not " + std::string(kBackupFormatVersion));
  }
  c.items = contents->backup.items.size();
  if (c.items == 0) c.notes.push_back("no items: a restore finds nothing to restore");
  if (!l.Pass()) return c;

  // L4
  Json list = Json::parse(inflated[ArtifactKey(name, "-resource-list.json.gz")], nullptr, false);
  ResourceList listed;
  for (const auto& [key, entries] : ObjectAt(list, "").items()) {
    for (const Json& e : entries) {
      if (e.is_string()) listed[key].push_back(e.get<std::string>());
    }
    std::sort(listed[key].begin(), listed[key].end());
  }
  CompareResourceLists(l, listed, contents->backup.ResourceList());
  if (backed_up != static_cast<int64_t>(c.items)) {
    l.Problem("status.progress.itemsBackedUp is " + std::to_string(backed_up) + ", the tarball holds " +
              std::to_string(c.items));
  }
  Json results = Json::parse(inflated[ArtifactKey(name, "-results.gz")], nullptr, false);
  size_t result_errors = ParseResultMessages(ObjectAt(results, "/errors")).Count();
  size_t result_warnings = ParseResultMessages(ObjectAt(results, "/warnings")).Count();
  if (static_cast<int64_t>(result_errors) != status_errors || static_cast<int64_t>(result_warnings) != status_warnings) {
    l.Problem("status counts " + std::to_string(status_errors) + " errors/" + std::to_string(status_warnings) +
              " warnings, the results hold " + std::to_string(result_errors) + "/" + std::to_string(result_warnings));
  }
  if (c.log_errors != static_cast<size_t>(status_errors)) {
    c.notes.push_back("the log has " + std::to_string(c.log_errors) + " level=error lines");
  }
  if (!l.Pass() || !o.replay) return c;

  // L5: the hook replays what a restore would read.
  auto meta = ParseBackupCr(*cr_text);
  if (meta.ok()) contents->backup.meta = std::move(*meta);
  for (auto& p : o.replay(contents->backup)) l.Problem(std::move(p));
  l.Pass();
  return c;
}

BackupCheck VerifyResourceBackup(const ResourceBackup& backup, const VerifyOptions& o) {
  BackupCheck c{.name = backup.meta.name, .level_reached = 0, .phase = backup.meta.phase, .items = backup.items.size()};
  Ladder l{c, 1, o.max_level};  // L0 is about a bucket: none here
  CheckStatus(l, backup.meta.phase, backup.meta.completion_timestamp, backup.meta.expiration, o);
  if (!l.Pass() || !l.Pass()) return c;  // L1, then L2: nothing stored to inflate

  // L3: what each item claims, then the tarball Velero would read.
  for (const Item& item : backup.items) {
    std::string where = item.group_resource + " " + (item.ns.empty() ? "" : item.ns + "/") + item.name;
    if (StringAt(item.object, "/apiVersion") != item.ApiVersion() || StringAt(item.object, "/kind") != item.kind) {
      l.Problem(where + ": apiVersion/kind of the object are not " + item.ApiVersion() + " " + item.kind);
    }
  }
  auto tar = WriteTarball(backup, ArchiveCompression::kNone);
  if (!tar.ok()) {
    l.Problem(tar.status().message());
    l.Pass();
    return c;
  }
  auto contents = ParseTarball(*tar, backup.meta.name + ".tar", o.limits);
  if (!contents.ok()) l.Problem(contents.status().message());
  else for (auto& f : contents->findings) l.Problem(std::move(f));
  if (!l.Pass()) return c;

  // L4
  if (contents->backup.items.size() != backup.items.size()) {
    l.Problem(std::to_string(backup.items.size() - contents->backup.items.size()) +
              " items share a path with another and would be lost");
  }
  CompareResourceLists(l, backup.ResourceList(), contents->backup.ResourceList());
  if (backup.meta.phase == "Completed" && backup.meta.errors.Count() > 0) {
    l.Problem("Completed with " + std::to_string(backup.meta.errors.Count()) + " errors (Velero: PartiallyFailed)");
  }
  if (!l.Pass() || !o.replay) return c;
  for (auto& p : o.replay(backup)) l.Problem(std::move(p));
  l.Pass();
  return c;
}

}  // namespace hort::resources
