#include "format/pattern.h"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>

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

// One component as Go's filepath.Match parses it (non-Windows): false where
// Match would return ErrBadPattern.
bool ValidGlob(const std::string& p) {
  const size_t n = p.size();
  // A class element: not empty, not '-' or ']' unescaped, an escape followed by a character.
  auto element = [&](size_t* i) {
    if (*i >= n || p[*i] == '-' || p[*i] == ']') return false;
    if (p[*i] == '\\' && ++*i >= n) return false;
    ++*i;
    return true;
  };
  for (size_t i = 0; i < n;) {
    if (p[i] == '\\') {
      if (i + 1 >= n) return false;
      i += 2;
    } else if (p[i] == '[') {
      ++i;
      if (i < n && p[i] == '^') ++i;
      for (size_t ranges = 0;; ++ranges) {
        if (i < n && p[i] == ']' && ranges > 0) {
          ++i;
          break;
        }
        if (!element(&i)) return false;
        if (i < n && p[i] == '-' && (++i, !element(&i))) return false;
      }
    } else {
      ++i;
    }
  }
  return true;
}

}  // namespace

std::string LowerCase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool PatternMatches(const std::string& pattern, const std::string& path) {
  if (pattern.empty()) return false;
  return MatchParts(Split(pattern), Split(path));
}

bool PatternMayMatchBelow(const std::string& pattern, const std::string& path) {
  if (pattern.empty()) return false;
  const std::vector<std::string> pat = Split(pattern);
  if (pat[0] != "/") return true;
  std::vector<std::string> strs = Split(path);
  const auto dw = std::find(pat.begin(), pat.end(), "**");
  const auto before_dw = static_cast<size_t>(dw - pat.begin());
  if (dw != pat.end() && strs.size() >= before_dw) strs.resize(before_dw);
  const size_t l = std::min(strs.size(), pat.size());
  return MatchParts({pat.begin(), pat.begin() + static_cast<long>(l)}, strs);
}

namespace {
// Whether `test` holds for `path` and one of `patterns`, or for its lower
// case and one of `lower_patterns`.
template <typename Test>
bool AnyPattern(const std::vector<std::string>& patterns, const std::vector<std::string>& lower_patterns,
                const std::string& path, Test test) {
  for (const auto& p : patterns) {
    if (test(p, path)) return true;
  }
  if (!lower_patterns.empty()) {
    std::string lower = LowerCase(path);
    for (const auto& p : lower_patterns) {
      if (test(p, lower)) return true;
    }
  }
  return false;
}
}  // namespace

bool MatchesAnyPattern(const std::vector<std::string>& patterns, const std::vector<std::string>& lower_patterns,
                       const std::string& path) {
  return AnyPattern(patterns, lower_patterns, path, PatternMatches);
}

bool AnyPatternMayMatchBelow(const std::vector<std::string>& patterns, const std::vector<std::string>& lower_patterns,
                             const std::string& path) {
  return AnyPattern(patterns, lower_patterns, path, PatternMayMatchBelow);
}

Status ValidatePatterns(const std::string& flag, const std::vector<std::string>& patterns) {
  std::string bad;
  for (const std::string& pattern : patterns) {
    const std::vector<std::string> parts = Split(pattern);
    if (std::all_of(parts.begin(), parts.end(), ValidGlob)) continue;
    bad += (bad.empty() ? "" : ", ") + ("\"" + pattern + "\"");
  }
  if (bad.empty()) return Status::Ok();
  return Status(Code::kInvalidArgument, flag + ": invalid pattern(s) provided: " + bad);
}

}  // namespace hort
