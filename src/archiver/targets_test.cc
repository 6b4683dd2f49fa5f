#include "archiver/targets.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "archiver/excludes.h"
#include "util/test_temp_folder.h"

namespace hort {
namespace {

TEST(CollectTargets, FilesFromGlobsTrimsAndSkipsComments) {
  TempFolder folder("targets");
  const std::string& dir = folder.path();
  folder.Write("a.txt", "a");
  folder.Write("b.txt", "b");
  folder.Write("list", "  " + dir + "/*.txt \n# comment\n\n" + dir + "/nothing*\n");
  std::vector<std::string> out, warnings;
  ASSERT_TRUE(CollectTargets({.files_from = {dir + "/list"}, .args = {"/x"}}, &out, &warnings).ok());
  EXPECT_EQ(out, (std::vector<std::string>{dir + "/a.txt", dir + "/b.txt", "/x"}));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "pattern \"" + dir + "/nothing*\" does not match any files, skipping");
}

TEST(CollectTargets, VerbatimKeepsSpacesAndStars) {
  TempFolder folder("targets");
  const std::string& dir = folder.path();
  folder.Write("list", " lead*\n\n# not a comment\r\n");
  std::vector<std::string> out, warnings;
  ASSERT_TRUE(CollectTargets({.files_from_verbatim = {dir + "/list"}}, &out, &warnings).ok());
  EXPECT_EQ(out, (std::vector<std::string>{" lead*", "# not a comment"}));
}

TEST(CollectTargets, RawNamesNeedTheirNul) {
  auto ok = SplitRawNames(std::string("a\nb\0c d\0", 8));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, (std::vector<std::string>{"a\nb", "c d"}));
  EXPECT_FALSE(SplitRawNames(std::string("a\0b", 3)).ok());
  EXPECT_FALSE(SplitRawNames(std::string("a\0\0", 3)).ok());
  EXPECT_TRUE(SplitRawNames("").ok());
}

TEST(ParseBackupTime, LocalTimeLikeRestic) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  auto t = ParseBackupTime("2012-11-01 22:08:41");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->sec, 1351807721);
  EXPECT_FALSE(ParseBackupTime("2012-11-01T22:08:41").ok());
  EXPECT_FALSE(ParseBackupTime("2012-13-01 22:08:41").ok());
}

TEST(ParseSize, ResticUnits) {
  EXPECT_EQ(*ParseSize("10"), 10u);
  EXPECT_EQ(*ParseSize("10b"), 10u);
  EXPECT_EQ(*ParseSize("2k"), 2048u);
  EXPECT_EQ(*ParseSize("1M"), 1u << 20);
  EXPECT_EQ(*ParseSize("3G"), 3ull << 30);
  EXPECT_FALSE(ParseSize("").ok());
  EXPECT_FALSE(ParseSize("k").ok());
  EXPECT_FALSE(ParseSize("1.5M").ok());
  EXPECT_EQ(*ParseSize("+1M"), 1u << 20);  // Go's ParseInt takes one leading '+', as restic's does
  EXPECT_FALSE(ParseSize("++1M").ok());
  EXPECT_FALSE(ParseSize("+").ok());
  EXPECT_FALSE(ParseSize("-1M").ok());
}

}  // namespace
}  // namespace hort
