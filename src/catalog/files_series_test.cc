#include "catalog/files_series.h"

#include <gtest/gtest.h>

#include "catalog/catalog_test_support.h"

namespace hort {
namespace {

// A snapshot records its paths cleaned ("/srv/a/" as "/srv/a"): two entries
// whose paths differ only in spelling wrote one series, and the retention of
// one deleted the other's snapshots (a probe: keep {last: 1} on both).
TEST_F(CatalogTest, PathsAreComparedAsTheSnapshotRecordsThem) {
  for (const char* other : {"/srv/a/", "//srv/a", "/srv/./a", "/srv/b/../a"}) {
    auto errors = Errors(AppFiles(std::string(R"(      - {name: x, path: /srv/a, schedule: "@daily", repository: main, keep: {last: 1}}
      - {name: y, path: ")") + other + R"(", schedule: "@daily", repository: main, keep: {last: 1}}
)"));
    ASSERT_EQ(errors.size(), 1u) << other;
    EXPECT_NE(errors[0].find("entry \"y\" writes the snapshot series of app/files/x (host app, /srv/a, repository main)"),
              std::string::npos) << errors[0];
  }
}

// Retention and restore tests find an entry's snapshots by these paths.
TEST_F(CatalogTest, SnapshotPathsAreTheCleanedPaths) {
  FilesEntry e;
  e.paths = {"/srv/a/", "//srv//b/./c", "/srv/d/../e"};
  EXPECT_EQ(e.SnapshotPaths("ns"), (std::vector<std::string>{"/srv/a", "/srv/b/c", "/srv/e"}));
}

}  // namespace
}  // namespace hort
