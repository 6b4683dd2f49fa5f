// restic's path patterns (filter.Match semantics), shared by backup excludes,
// restore includes/excludes and find. Pure string matching: no I/O, so the
// restorer and the upper layers match without depending on the archiver.
#pragma once

#include <string>
#include <vector>

namespace hort {

// restic's filter.Match: the pattern matches a run of path components
// anywhere in `path` (anchored at the root if it starts with '/'); `**`
// matches any number of components; each component is a glob.
[[nodiscard]] bool PatternMatches(const std::string& pattern, const std::string& path);

// restic's filter.ChildMatch: whether `pattern` could match something below
// the directory `path` (a relative pattern always could; an absolute one
// when `path` matches its first components, up to a `**`).
[[nodiscard]] bool PatternMayMatchBelow(const std::string& pattern, const std::string& path);

// ASCII lower case, as restic's --iexclude/--iinclude compare.
[[nodiscard]] std::string LowerCase(std::string s);

// Whether `path` matches one of `patterns`, or its lower case matches one of
// `lower_patterns` (already lower-cased with LowerCase, once, by the caller:
// this runs per file).
[[nodiscard]] bool MatchesAnyPattern(const std::vector<std::string>& patterns,
                                     const std::vector<std::string>& lower_patterns, const std::string& path);
// The same with PatternMayMatchBelow: could one of them select something
// below the directory `path`?
[[nodiscard]] bool AnyPatternMayMatchBelow(const std::vector<std::string>& patterns,
                                           const std::vector<std::string>& lower_patterns, const std::string& path);

}  // namespace hort
