#include "catalog/files_series.h"

#include <algorithm>
#include <filesystem>
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

namespace {

// Whether `inner` is `outer` or below it, compared as written (both absolute).
bool Within(const std::filesystem::path& inner, const std::filesystem::path& outer) {
  auto in = inner.lexically_normal(), out = outer.lexically_normal();
  auto [o, i] = std::mismatch(out.begin(), out.end(), in.begin(), in.end());
  return o == out.end() || (std::next(o) == out.end() && o->empty());  // "/a/b/" ends in an empty element
}

}  // namespace

void WorkDirOutsideFilesSources(YamlFields& f, const YAML::Node& root, const Catalog& catalog) {
  for (const Service& s : catalog.services) {
    for (const FilesEntry& e : s.files) {
      std::vector<std::string> read_here = e.paths;
      if (e.kind == FilesEntry::Kind::kPvc && !e.source.empty()) read_here.push_back(e.source);
      for (const std::string& source : read_here) {
        if (source.empty() || source[0] != '/' || !Within(catalog.work_dir, source)) continue;
        f.Error(root["work_dir"] ? root["work_dir"] : root, "work_dir",
                catalog.work_dir + " is inside " + source + ", which " + s.name + "/files/" + e.name +
                    " backs up: restore tests would write their scratch targets into that data; choose a folder outside "
                    "every source");
        return;
      }
    }
  }
}

}  // namespace hort
