// restic's path patterns (filter.Match semantics), shared by backup excludes,
// restore includes/excludes and find. Pure string matching: no I/O, so the
// restorer and the upper layers match without depending on the archiver.
#pragma once

#include <string>
#include <vector>

#include "util/status.h"

namespace hort {

// restic's filter.Match: the pattern matches a run of path components
// anywhere in `path` (anchored at the root if it starts with '/'); `**`
// matches any number of components; each component is a glob.
[[nodiscard]] bool PatternMatches(const std::string& pattern, const std::string& path);

// restic's filter.ChildMatch: whether `pattern` could match something below
// the directory `path` (a relative pattern always could; an absolute one
// when `path` matches its first components, up to a `**`).
[[nodiscard]] bool PatternMayMatchBelow(const std::string& pattern, const std::string& path);

// Whether every pattern is one restic accepts (filter.ValidatePatterns: each
// component must be a valid Go filepath.Match glob: every '[' closed, a
// class not empty and no range end missing, no backslash at the end). A typo such
// as `--include '['` matched nothing, so a restore restored nothing and
// exited 0. kInvalidArgument names `flag` and the bad patterns.
[[nodiscard]] Status ValidatePatterns(const std::string& flag, const std::vector<std::string>& patterns);

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
