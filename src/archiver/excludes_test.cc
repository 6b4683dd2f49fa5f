#include "archiver/excludes.h"

#include <gtest/gtest.h>

namespace hort {
namespace {

TEST(ExcludeRules, CaseInsensitive) {
  ExcludeRules r;
  r.ipatterns = {"*.jpg"};
  EXPECT_TRUE(r.ExcludedByPattern("/pics/A.JPG"));
  EXPECT_FALSE(r.ExcludedByPattern("/pics/a.png"));
}

}  // namespace
}  // namespace hort
