#include "util/lexical_path.h"

#include <gtest/gtest.h>

namespace hort {
namespace {

// Go's filepath.Clean, which restic applies to each target.
TEST(LexicalClean, CleansAsGoDoes) {
  EXPECT_EQ(LexicalClean(""), ".");
  EXPECT_EQ(LexicalClean("./"), ".");
  EXPECT_EQ(LexicalClean("/"), "/");
  EXPECT_EQ(LexicalClean("//a//b/"), "/a/b");
  EXPECT_EQ(LexicalClean("a/./b/."), "a/b");
  EXPECT_EQ(LexicalClean("a/../../x"), "../x");
  EXPECT_EQ(LexicalClean("../../x/.."), "../..");
  EXPECT_EQ(LexicalClean("/../x"), "/x");
}

}  // namespace
}  // namespace hort
