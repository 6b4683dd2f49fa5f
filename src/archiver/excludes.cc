#include "archiver/excludes.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "format/pattern.h"
#include "util/read_file.h"
#include "util/strings.h"

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
  // restic's order: --iexclude before --exclude.
  HORT_RETURN_IF_ERROR(ValidatePatterns("--iexclude", ipatterns));
  HORT_RETURN_IF_ERROR(ValidatePatterns("--exclude", patterns));
  for (const auto& spec : if_present) {
    if (spec.empty()) return Status(Code::kInvalidArgument, "name for exclusion tagfile is empty");
    if (spec[0] == ':') return Status(Code::kInvalidArgument, "no name for exclusion tagfile provided");
  }
  return Status::Ok();
}

namespace {
bool IsShellSpecial(char c) { return c != '\0' && std::strchr("*#$@!?-0123456789", c) != nullptr; }
bool IsNameChar(char c) { return c == '_' || std::isalnum(static_cast<unsigned char>(c)); }

// Go's getShellName: the variable name after a '$' in `s`, and how many
// bytes it spans; an empty name spanning bytes is bad syntax ("${}").
std::pair<std::string, size_t> ShellName(std::string_view s) {
  if (s[0] == '{') {
    if (s.size() > 2 && IsShellSpecial(s[1]) && s[2] == '}') return {std::string(s.substr(1, 1)), 3};
    size_t close = s.find('}', 1);
    if (close == std::string_view::npos) return {"", 1};  // "${" eaten
    if (close == 1) return {"", 2};                        // "${}" eaten
    return {std::string(s.substr(1, close - 1)), close + 1};
  }
  if (IsShellSpecial(s[0])) return {std::string(s.substr(0, 1)), 1};
  size_t n = 0;
  while (n < s.size() && IsNameChar(s[n])) ++n;
  return {std::string(s.substr(0, n)), n};
}
}  // namespace

std::string ExpandEnvAsRestic(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '$' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    auto [name, width] = ShellName(s.substr(i + 1));
    if (name == "$") {
      out += '$';  // restic's getenvOrDollar: "$$" is a '$'
    } else if (!name.empty()) {
      const char* value = std::getenv(name.c_str());
      if (value) out += value;
    } else if (width == 0) {
      out += '$';  // a '$' not followed by a name stays
    }
    i += width;
  }
  return out;
}

Status ReadPatternFile(const std::string& path, std::vector<std::string>* out) {
  HORT_ASSIGN_OR_RETURN(const std::string text, ReadWholeFile(path, "exclude file"));
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    line = TrimSpace(line);  // restic: strings.TrimSpace, then skip empty lines and comments
    if (line.empty() || line[0] == '#') continue;
    out->push_back(ExpandEnvAsRestic(line));
  }
  return Status::Ok();
}

}  // namespace hort
