#include "archiver/excludes.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "util/test_temp_folder.h"

namespace hort {
namespace {

// restic's expansion of each line of an exclude file (Go's os.Expand).
TEST(ExpandEnvAsRestic, ExpandsAsResticDoes) {
  ::setenv("HORT_TEST_X", "val", 1);
  ::unsetenv("HORT_TEST_UNSET");
  EXPECT_EQ(ExpandEnvAsRestic("$HORT_TEST_X/cache"), "val/cache");
  EXPECT_EQ(ExpandEnvAsRestic("${HORT_TEST_X}x"), "valx");
  EXPECT_EQ(ExpandEnvAsRestic("a$HORT_TEST_UNSET.b"), "a.b");
  EXPECT_EQ(ExpandEnvAsRestic("cost$"), "cost$");    // a trailing '$' stays
  EXPECT_EQ(ExpandEnvAsRestic("a$/b"), "a$/b");      // '$' before no name stays
  EXPECT_EQ(ExpandEnvAsRestic("a${}b"), "ab");       // bad syntax is eaten
  EXPECT_EQ(ExpandEnvAsRestic("a${HORT"), "aHORT");  // only "${" of it
  EXPECT_EQ(ExpandEnvAsRestic("$1x"), "x");          // $1 is a name, unset here
  EXPECT_EQ(ExpandEnvAsRestic("plain"), "plain");
  EXPECT_EQ(ExpandEnvAsRestic("x[$$a"), "x[$a");  // "$$" is a '$' (restic's getenvOrDollar)
  EXPECT_EQ(ExpandEnvAsRestic("$$HORT_TEST_X"), "$HORT_TEST_X");
}

TEST(ExcludeRules, CaseInsensitive) {
  ExcludeRules r;
  r.ipatterns = {"*.jpg"};
  EXPECT_TRUE(r.ExcludedByPattern("/pics/A.JPG"));
  EXPECT_FALSE(r.ExcludedByPattern("/pics/a.png"));
}

// restic keeps a directory holding a marker, with the marker alone in it.
TEST(ExcludeRules, MarkerKeepsItselfOnly) {
  TempFolder folder("markers");
  const std::string& dir = folder.path();
  std::ofstream(dir + "/.nobackup") << "x";
  std::ofstream(dir + "/CACHEDIR.TAG") << "Signature: 8a477f597d28d172789f06886806bc55 and more";
  ExcludeRules r;
  EXPECT_FALSE(r.HasMarkers());
  r.if_present = {".nobackup"};
  MarkerVerdict v = r.MarkersIn(dir);
  EXPECT_FALSE(v.Excludes(".nobackup"));
  EXPECT_TRUE(v.Excludes("data"));
  EXPECT_TRUE(v.Excludes("CACHEDIR.TAG"));
  // Two markers present: each one's rule excludes the other.
  r.exclude_caches = true;
  v = r.MarkersIn(dir);
  EXPECT_TRUE(v.Excludes(".nobackup"));
  EXPECT_TRUE(v.Excludes("CACHEDIR.TAG"));
  EXPECT_TRUE(v.warnings.empty());
}

TEST(ExcludeRules, MarkerHeaderMustMatch) {
  TempFolder folder("markers");
  const std::string& dir = folder.path();
  std::ofstream(dir + "/CACHEDIR.TAG") << "Signature: wrong";
  std::ofstream(dir + "/tag") << "keep-out";
  ExcludeRules r;
  r.exclude_caches = true;
  MarkerVerdict v = r.MarkersIn(dir);
  EXPECT_FALSE(v.Excludes("data"));
  ASSERT_EQ(v.warnings.size(), 1u);
  EXPECT_NE(v.warnings[0].find("too short"), std::string::npos);
  r.exclude_caches = false;
  r.if_present = {"tag:keep"};
  EXPECT_TRUE(r.MarkersIn(dir).Excludes("data"));
  r.if_present = {"tag:other"};
  EXPECT_FALSE(r.MarkersIn(dir).Excludes("data"));
  r.if_present = {":x"};
  EXPECT_FALSE(r.Validate().ok());
}

TEST(ExcludeRules, SizeLeavesDirectoriesAlone) {
  ExcludeRules r;
  struct stat st{};
  st.st_mode = S_IFREG;
  st.st_size = 2000;
  EXPECT_FALSE(r.ExcludedBySize(st));
  r.larger_than = 1024;
  EXPECT_TRUE(r.ExcludedBySize(st));
  st.st_size = 1024;
  EXPECT_FALSE(r.ExcludedBySize(st));
  st.st_mode = S_IFDIR;
  st.st_size = 1 << 20;
  EXPECT_FALSE(r.ExcludedBySize(st));
}

}  // namespace
}  // namespace hort
