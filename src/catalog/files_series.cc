#include "catalog/files_series.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace hort {

void OneWriterPerFilesSeries(YamlFields& f, const YAML::Node& services, const Catalog& catalog) {
  std::map<std::string, std::string> writer;  // "repository\0namespace\0path\0path…" → service/files/entry
  for (const Service& s : catalog.services) {
    for (const FilesEntry& e : s.files) {
      std::vector<std::string> paths = e.SnapshotPaths(s.ns);
      if (paths.empty()) continue;  // k8up_annotations: its series are found when it runs
      std::sort(paths.begin(), paths.end());
      std::string key = e.repository + '\0' + s.ns, shown;
      for (const std::string& p : paths) {
        key += '\0' + p;
        shown += (shown.empty() ? "" : " ") + p;
      }
      const std::string id = s.name + "/files/" + e.name;
      auto [it, fresh] = writer.emplace(key, id);
      if (fresh) continue;
      f.Error(services[s.name]["files"], "services." + s.name + ".files",
              "entry \"" + e.name + "\" writes the snapshot series of " + it->second + " (host " + s.ns + ", " + shown +
                  ", repository " + e.repository +
                  "): each one's retention would forget the other's backups; give one another container, extension or path");
    }
  }
}

}  // namespace hort
