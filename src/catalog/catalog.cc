#include "catalog/catalog.h"

#include <cstdlib>

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
  switch (kind) {
    case Kind::kPath: return paths;
    case Kind::kPvc: return {"/data/" + pvc};
    case Kind::kDump: return {"/" + ns + "-" + container + extension};
  }
  return {};
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

std::string DefaultCatalogPath(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("HORT_CONFIG"); env && *env) return env;
  return "hort.yaml";
}

}  // namespace hort
