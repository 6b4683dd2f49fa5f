#include "archiver/excludes.h"

#include <sys/stat.h>

#include <fstream>

namespace hort {

bool ExcludeRules::ExcludedByPattern(const std::string& path) const {
  return MatchesAnyPattern(patterns, ipatterns, path);
}

bool ExcludeRules::ExcludedByMarker(const std::string& dir) const {
  struct stat st;
  for (const auto& name : if_present) {
    if (::lstat((dir + "/" + name).c_str(), &st) == 0) return true;
  }
  if (exclude_caches) {
    std::ifstream in(dir + "/CACHEDIR.TAG", std::ios::binary);
    static const std::string kSignature = "Signature: 8a477f597d28d172789f06886806bc55";
    std::string head(kSignature.size(), '\0');
    if (in && in.read(head.data(), static_cast<std::streamsize>(head.size())) && head == kSignature) return true;
  }
  return false;
}

Status ReadPatternFile(const std::string& path, std::vector<std::string>* out) {
  std::ifstream in(path);
  if (!in) return Status(Code::kInvalidArgument, "cannot read exclude file " + path);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    out->push_back(line.substr(start));
  }
  return Status::Ok();
}

}  // namespace hort
