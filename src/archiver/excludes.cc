#include "archiver/excludes.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "format/pattern.h"
#include "util/read_file.h"

namespace hort {

namespace {
constexpr const char* kCacheDirSpec = "CACHEDIR.TAG:Signature: 8a477f597d28d172789f06886806bc55";

// Whether the marker `name` in `dir` makes restic exclude the directory's
// other entries: it must exist and, with a header, start with it.
bool MarkerFires(const std::string& dir, const std::string& name, const std::string& header,
                 std::vector<std::string>* warnings) {
  std::string file = dir == "/" ? "/" + name : dir + "/" + name;
  struct stat st;
  if (::lstat(file.c_str(), &st) != 0) {
    if (errno != ENOENT && errno != ENOTDIR) {
      warnings->push_back("could not access exclusion tagfile: lstat " + file + ": " + std::strerror(errno));
    }
    return false;
  }
  if (header.empty()) return true;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    warnings->push_back("could not open exclusion tagfile: open " + file + ": " + std::strerror(errno));
    return false;
  }
  std::string head(header.size(), '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  if (static_cast<size_t>(in.gcount()) != header.size()) {
    warnings->push_back("invalid (too short) signature in exclusion tagfile \"" + file + "\"");
    return false;
  }
  if (head != header) {
    warnings->push_back("invalid signature in exclusion tagfile \"" + file + "\"");
    return false;
  }
  return true;
}

void SplitSpec(const std::string& spec, std::string* name, std::string* header) {
  size_t colon = spec.find(':');
  *name = spec.substr(0, colon);
  *header = colon == std::string::npos ? "" : spec.substr(colon + 1);
}
}  // namespace

bool ExcludeRules::ExcludedByPattern(const std::string& path) const {
  return MatchesAnyPattern(patterns, ipatterns, path);
}

MarkerVerdict ExcludeRules::MarkersIn(const std::string& dir) const {
  MarkerVerdict v;
  std::vector<std::string> specs = if_present;
  if (exclude_caches) specs.push_back(kCacheDirSpec);
  for (const auto& spec : specs) {
    std::string name, header;
    SplitSpec(spec, &name, &header);
    if (MarkerFires(dir, name, header, &v.warnings)) v.present.push_back(name);
  }
  return v;
}

Status ExcludeRules::Validate() const {
  HORT_RETURN_IF_ERROR(ValidatePatterns("--exclude", patterns));
  HORT_RETURN_IF_ERROR(ValidatePatterns("--iexclude", ipatterns));
  for (const auto& spec : if_present) {
    if (spec.empty()) return Status(Code::kInvalidArgument, "name for exclusion tagfile is empty");
    if (spec[0] == ':') return Status(Code::kInvalidArgument, "no name for exclusion tagfile provided");
  }
  return Status::Ok();
}

Status ReadPatternFile(const std::string& path, std::vector<std::string>* out) {
  HORT_ASSIGN_OR_RETURN(const std::string text, ReadWholeFile(path, "exclude file"));
  std::istringstream in(text);
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
