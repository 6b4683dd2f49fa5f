#include "catalog/catalog.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "util/lexical_path.h"
#include "layers/layer.h"

namespace hort {

const char* ClassificationName(Classification c) {
  switch (c) {
    case Classification::kCritical: return "critical";
    case Classification::kImportant: return "important";
    case Classification::kBestEffort: return "best-effort";
  }
  return "best-effort";
}

std::vector<std::string> FilesEntry::SnapshotPaths(const std::string& ns) const {
  std::vector<std::string> as_written;
  switch (kind) {
    case Kind::kPath: as_written = paths; break;
    case Kind::kPvc: as_written = {"/data/" + pvc}; break;
    case Kind::kDump: as_written = {"/" + ns + "-" + container + extension}; break;
    case Kind::kK8upAnnotations: return {};
  }
  // Cleaned as the backup cleans what it records (archiver/select_parent.cc,
  // stdin_backup.cc): "/x/data/", "//x/data" and "/x/./data" are the series
  // "/x/data" for retention, restore tests and the one-writer check alike.
  for (std::string& p : as_written) p = AbsolutePath(p);
  return as_written;
}

const Service* Catalog::FindService(const std::string& name) const {
  for (const Service& s : services) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const JobSpec* Catalog::FindJob(const std::string& id) const {
  for (const JobSpec& j : jobs) {
    if (j.id == id) return &j;
  }
  return nullptr;
}

const RestoreTestSpec* Catalog::FindTest(const std::string& id) const {
  for (const RestoreTestSpec& t : tests) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

std::vector<std::string> Catalog::UsedLayers() const {
  bool files = false, agent = false, resources = velero.verify && velero.verify->level >= 5, volumes = false;
  for (const Service& s : services) {
    files = files || !s.files.empty();
    for (const FilesEntry& e : s.files) agent = agent || e.ViaAgent();
    resources = resources || !s.resources.empty();
    volumes = volumes || !s.volumes.empty();
  }
  for (const RestoreTestSpec& t : tests) resources = resources || t.type == RestoreTestSpec::Type::kResources;
  std::vector<std::string> out;
  if (files) out.push_back("files");
  if (agent) out.push_back("agent");
  if (resources) out.push_back("resources");
  if (volumes) out.push_back("volumes");
  return out;
}

const char* TestTypeName(RestoreTestSpec::Type t) {
  switch (t) {
    case RestoreTestSpec::Type::kFiles: return "files";
    case RestoreTestSpec::Type::kResources: return "resources";
    case RestoreTestSpec::Type::kVolume: return "volume";
    case RestoreTestSpec::Type::kDr: return "dr";
  }
  return "files";
}

bool RestoreTestSpec::LayerAvailable() const {
  const layers::Layer* layer = layers::ForTestType(TestTypeName(type));
  return layer && layer->available && layer->tests_available;
}

std::string JobSpec::EntryName() const {
  if (entry) return entry->name;
  if (resources) return resources->name;
  if (volumes) return volumes->name;
  return "";
}

std::string JobSpec::TargetName() const {
  if (repository) return repository->name;
  if (store) return store->name;
  return "";
}

const char* JobSpec::KindName() const {
  switch (kind) {
    case Kind::kBackup: return "backup";
    case Kind::kCheck: return "check";
    case Kind::kCopy: return "copy";
    case Kind::kVerify: return "verify";
    case Kind::kSnapshot: return "snapshot";
  }
  return "backup";
}

std::string_view JobSpec::RowLabel() const { return layer.empty() ? layers::RowLabelOf(KindName()) : layer; }

int64_t RestoreTestSpec::RtoTarget() const {
  int64_t best = 0;
  for (const Service* s : services) {
    if (s->rto_seconds > 0 && (best == 0 || s->rto_seconds < best)) best = s->rto_seconds;
  }
  return best;
}

std::string DefaultCatalogPath(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("HORT_CONFIG"); env && *env) return env;
  return "hort.yaml";
}

std::set<std::string> Catalog::CopiedInto(const std::vector<std::string>& names) const {
  std::set<std::string> reach(names.begin(), names.end());
  for (bool grew = true; grew;) {
    grew = false;
    for (const OffsiteSpec& o : offsite) {
      if (reach.count(o.to) && reach.insert(o.from).second) grew = true;
    }
  }
  return reach;
}

bool Catalog::TestCovers(const RestoreTestSpec& t, const Service& s) const {
  const bool in_scope = std::find(t.services.begin(), t.services.end(), &s) != t.services.end();
  if (t.type != RestoreTestSpec::Type::kDr) return in_scope;
  if (!t.services.empty() && !in_scope) return false;
  std::vector<std::string> drilled = t.repositories;
  if (drilled.empty()) {
    for (const auto& [name, r] : repositories) drilled.push_back(name);
  }
  const std::set<std::string> reach = CopiedInto(drilled);
  const std::set<std::string> written = s.Repositories();
  return std::any_of(written.begin(), written.end(), [&](const std::string& r) { return reach.count(r) > 0; });
}

std::set<std::string> Service::Repositories() const {
  std::set<std::string> out;
  for (const FilesEntry& e : files) out.insert(e.repository);
  for (const ResourcesEntry& e : resources) out.insert(e.repository);
  return out;
}

}  // namespace hort
