#include "archiver/excludes.h"

#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

namespace hort {
namespace {

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> parts;
  if (!path.empty() && path[0] == '/') parts.push_back("/");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool MatchParts(const std::vector<std::string>& pat, const std::vector<std::string>& strs) {
  auto dw = std::find(pat.begin(), pat.end(), "**");
  if (dw != pat.end()) {
    // Expand ** into 0..n single-component wildcards.
    size_t pos = static_cast<size_t>(dw - pat.begin());
    for (size_t extra = 0; pos + extra + (pat.size() - pos - 1) <= strs.size(); ++extra) {
      std::vector<std::string> expanded(pat.begin(), pat.begin() + static_cast<long>(pos));
      for (size_t i = 0; i < extra; ++i) expanded.push_back("*");
      expanded.insert(expanded.end(), dw + 1, pat.end());
      if (MatchParts(expanded, strs)) return true;
    }
    return false;
  }
  if (pat.empty()) return strs.empty();
  if (pat.size() > strs.size()) return false;
  size_t max_offset = strs.size() - pat.size();
  size_t min_offset = 0;
  if (pat[0] == "/") {
    max_offset = 0;
  } else if (strs[0] == "/") {
    min_offset = 1;
  }
  for (size_t off = max_offset + 1; off-- > min_offset;) {
    bool ok = true;
    for (size_t i = pat.size(); i-- > 0;) {
      if (pat[i] == "/" ? strs[off + i] != "/" : fnmatch(pat[i].c_str(), strs[off + i].c_str(), 0) != 0) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  return false;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

bool PatternMatches(const std::string& pattern, const std::string& path) {
  if (pattern.empty()) return false;
  return MatchParts(Split(pattern), Split(path));
}

bool ExcludeRules::ExcludedByPattern(const std::string& path) const {
  for (const auto& p : patterns) {
    if (PatternMatches(p, path)) return true;
  }
  if (!ipatterns.empty()) {
    std::string lower = Lower(path);
    for (const auto& p : ipatterns) {
      if (PatternMatches(p, lower)) return true;
    }
  }
  return false;
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
