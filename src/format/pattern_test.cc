#include "format/pattern.h"

#include <gtest/gtest.h>

namespace hort {
namespace {

// Cases follow restic's filter.Match semantics.
TEST(PatternMatches, ResticSemantics) {
  EXPECT_TRUE(PatternMatches("*.go", "/home/user/file.go"));
  EXPECT_TRUE(PatternMatches("foo", "/a/foo/bar"));          // any run of components
  EXPECT_TRUE(PatternMatches("/home/user", "/home/user/x"));  // anchored prefix
  EXPECT_FALSE(PatternMatches("/user", "/home/user"));        // anchored, not at root
  EXPECT_TRUE(PatternMatches("home/**/x", "/home/a/b/x"));
  EXPECT_TRUE(PatternMatches("home/**/x", "/home/x"));
  EXPECT_FALSE(PatternMatches("*.c", "/a/b.go"));
  EXPECT_TRUE(PatternMatches("b?r", "/foo/bar"));
  EXPECT_FALSE(PatternMatches("", "/foo"));
}

// Cases from restic's filter.ChildMatch: could the pattern select something
// below this directory?
TEST(PatternMayMatchBelow, ResticSemantics) {
  EXPECT_TRUE(PatternMayMatchBelow("/foo/bar", "/foo"));
  EXPECT_TRUE(PatternMayMatchBelow("/foo/bar/baz", "/foo/bar"));
  EXPECT_TRUE(PatternMayMatchBelow("/foo/bar/baz", "/foo/bar/baz/qux"));  // below a match
  EXPECT_FALSE(PatternMayMatchBelow("/foo/bar/baz", "/foo/bar/qux"));
  EXPECT_FALSE(PatternMayMatchBelow("/foo/bar", "/bar"));
  EXPECT_TRUE(PatternMayMatchBelow("/foo/*/baz", "/foo/bar"));
  EXPECT_FALSE(PatternMayMatchBelow("/foo/*/baz", "/foo/bar/qux"));
  EXPECT_TRUE(PatternMayMatchBelow("/foo/**/baz", "/foo/a/b/c"));
  EXPECT_FALSE(PatternMayMatchBelow("/foo/**/baz", "/bar/a"));
  EXPECT_TRUE(PatternMayMatchBelow("baz", "/anything"));  // relative: at any depth
  EXPECT_FALSE(PatternMayMatchBelow("", "/foo"));
}

TEST(PatternMatches, AnyPatternCaseSensitiveOrLowerCased) {
  const std::vector<std::string> none;
  EXPECT_TRUE(MatchesAnyPattern({"*.JPG"}, none, "/pics/A.JPG"));
  EXPECT_FALSE(MatchesAnyPattern({"*.jpg"}, none, "/pics/A.JPG"));
  EXPECT_TRUE(MatchesAnyPattern(none, {LowerCase("*.JPG")}, "/pics/a.Jpg"));
  EXPECT_FALSE(MatchesAnyPattern(none, {"*.jpg"}, "/pics/a.png"));
  EXPECT_FALSE(MatchesAnyPattern(none, none, "/pics/a.png"));
}

// restic refuses these before it reads anything (filter.ValidatePatterns);
// e2e.bad_input asks restic itself about each.
TEST(ValidatePatterns, GoGlobRules) {
  for (const char* good : {"*.jpg", "**", "/srv/*/cache", "[a-z]", "[\\]]", "[!a]", "a\\*b", "[^a-c]x", "[z-a]", "a-]", "]"}) {
    EXPECT_TRUE(ValidatePatterns("--exclude", {good}).ok()) << good;
  }
  for (const char* bad : {"[", "a[", "[]", "[]a]", "[^]", "[a-]", "[-a]", "x\\", "dir/[z", "[\\", "[]]"}) {
    EXPECT_FALSE(ValidatePatterns("--exclude", {bad}).ok()) << bad;
  }
  Status both = ValidatePatterns("--include", {"ok", "[", "also/ok", "b["});
  EXPECT_EQ(both.code(), Code::kInvalidArgument);
  EXPECT_EQ(both.message(), "--include: invalid pattern(s) provided: \"[\", \"b[\"");
}

}  // namespace
}  // namespace hort
