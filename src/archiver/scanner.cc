#include "archiver/scanner.h"

#include <dirent.h>
#include <sys/stat.h>

#include "util/lexical_path.h"

namespace hort {
namespace {
void Scan(const std::string& path, const ExcludeRules& rules, ProgressCounters* c, const std::atomic<bool>* stop) {
  if (stop->load()) return;
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return;
  if (rules.ExcludedBySize(st)) return;
  if (S_ISREG(st.st_mode)) {
    c->items_total++;
    c->bytes_total += static_cast<uint64_t>(st.st_size);
    return;
  }
  if (!S_ISDIR(st.st_mode)) return;
  DIR* d = ::opendir(path.c_str());
  if (!d) return;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  MarkerVerdict markers;
  if (rules.HasMarkers()) markers = rules.MarkersIn(path);
  for (const auto& n : names) {
    std::string full = path == "/" ? "/" + n : path + "/" + n;
    if (rules.ExcludedByPattern(AbsolutePath(full)) || markers.Excludes(n)) continue;
    Scan(full, rules, c, stop);
  }
}
}  // namespace

void ScanTargets(const std::vector<std::string>& targets, const ExcludeRules& rules, ProgressCounters* counters,
                 const std::atomic<bool>* stop) {
  for (const auto& t : targets) Scan(t, rules, counters, stop);
  counters->totals_final = true;
}

}  // namespace hort
