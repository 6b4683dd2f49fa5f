#include "resources/snapshot_io.h"

#include <gtest/gtest.h>

#include "format/tree.h"
#include "repository/test_init.h"
#include "repository/walk.h"
#include "resources/test_backup.h"

namespace hort::resources {
namespace {

// The same cluster backed up on two days: the second backup's tree is the
// first's, it stores no blob, and both load back to the same items.
TEST(ResourceSnapshot, UnchangedClusterAddsOnlyASnapshot) {
  auto repo = std::move(Repository::Init(NewMemBackend(), "pw", CheapKdfForTests()).value());
  ResourceBackup day1 = TestBackup("nightly-20261203020000");
  auto first = SaveResourceSnapshot(*repo, day1, "web", "web", {"daily"});
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->items, day1.items.size());

  ResourceBackup day2 = day1;
  day2.meta.start_timestamp = "2026-12-04T02:00:00Z";
  day2.meta.completion_timestamp = "2026-12-04T02:00:09Z";
  day2.meta.expiration = "2027-01-03T02:00:00Z";
  const uint64_t data_before = repo->stats().data_blobs, trees_before = repo->stats().tree_blobs;
  auto second = SaveResourceSnapshot(*repo, day2, "web", "web", {"daily"});
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(repo->stats().data_blobs, data_before);
  EXPECT_EQ(repo->stats().tree_blobs, trees_before);

  auto s1 = repo->FindSnapshot(first->id);
  auto s2 = repo->FindSnapshot(second->id);
  ASSERT_TRUE(s1.ok() && s2.ok());
  EXPECT_EQ(s1->tree, s2->tree);
  EXPECT_EQ(s2->paths, std::vector<std::string>{"/resources/web.tar"});
  EXPECT_EQ(s2->hostname, "web");
  EXPECT_EQ(s2->tags, (std::vector<std::string>{"resources", "daily"}));
  ASSERT_TRUE(s2->parent.has_value());
  EXPECT_EQ(*s2->parent, s1->id);

  // The tarball holds Secrets: owner root, private modes, no time of day.
  auto dir = FindNodeAt(*repo, s2->tree, "/resources");
  ASSERT_TRUE(dir.ok()) << dir.status().message();
  EXPECT_EQ(dir->mode, gomode::kDir | 0700u);
  auto file = FindNodeAt(*repo, s2->tree, "/resources/web.tar");
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(file->mode, 0600u);
  EXPECT_EQ(file->uid, 0u);
  EXPECT_EQ(file->user, "");
  EXPECT_EQ(file->mtime, gojson::Timestamp{});

  for (const Snapshot* s : {&*s1, &*s2}) {
    auto loaded = LoadResourceSnapshot(*repo, *s);
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    ASSERT_EQ(loaded->items.size(), day1.items.size());
    for (size_t i = 0; i < day1.items.size(); ++i) {
      EXPECT_EQ(loaded->items[i].name, day1.items[i].name);
      EXPECT_EQ(loaded->items[i].object, day1.items[i].object);
    }
    EXPECT_EQ(loaded->meta.name, day1.meta.name);
  }

  // A changed item: a new file under the same path, in the same series.
  ResourceBackup day3 = day1;
  day3.items.push_back(TestItem("configmaps", "", "v1", "ConfigMap", "web", "settings"));
  auto third = SaveResourceSnapshot(*repo, day3, "web", "web", {});
  ASSERT_TRUE(third.ok());
  auto s3 = repo->FindSnapshot(third->id);
  ASSERT_TRUE(s3.ok());
  EXPECT_NE(s3->tree, s1->tree);
  EXPECT_EQ(s3->paths, s1->paths);
  auto loaded = LoadResourceSnapshot(*repo, *s3);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->items.size(), day3.items.size());
}

// `hort resources backup` names a backup <entry>-<start, UTC>: that name is
// not in the tar (it would change it every day) and comes back from the
// snapshot's time, which is the backup's start.
TEST(ResourceSnapshot, GeneratedNameComesBackFromTheSnapshotTime) {
  auto repo = std::move(Repository::Init(NewMemBackend(), "pw", CheapKdfForTests()).value());
  std::vector<Id> trees;
  for (const char* day : {"03", "04"}) {
    ResourceBackup b = TestBackup(std::string("web-202612") + day + "020000");
    b.meta.start_timestamp = std::string("2026-12-") + day + "T02:00:00Z";
    auto saved = SaveResourceSnapshot(*repo, b, "web", "web", {});
    ASSERT_TRUE(saved.ok()) << saved.status().message();
    auto snap = repo->FindSnapshot(saved->id);
    ASSERT_TRUE(snap.ok());
    EXPECT_EQ(gojson::FormatRfc3339Nano(snap->time).substr(0, 19), std::string("2026-12-") + day + "T02:00:00");
    trees.push_back(snap->tree);
    auto loaded = LoadResourceSnapshot(*repo, *snap);
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    EXPECT_EQ(loaded->meta.name, b.meta.name);
    EXPECT_EQ(loaded->meta.start_timestamp, b.meta.start_timestamp);
  }
  EXPECT_EQ(trees[0], trees[1]);
}

// `hort guard` right after `hort run`: two resource snapshots of one second.
TEST(ResourceSnapshot, TwoSnapshotsOfOneSecondKeepTheirOrder) {
  auto repo = std::move(Repository::Init(NewMemBackend(), "pw", CheapKdfForTests()).value());
  std::vector<gojson::Timestamp> times;
  for (int32_t nanos : {100000000, 700000000}) {
    ResourceBackup b = TestBackup("web-20261203020000");
    b.meta.start_timestamp = "2026-12-03T02:00:00Z";
    b.meta.start_nanos = nanos;
    auto saved = SaveResourceSnapshot(*repo, b, "web", "web", {});
    ASSERT_TRUE(saved.ok()) << saved.status().message();
    times.push_back(repo->FindSnapshot(saved->id)->time);
  }
  EXPECT_EQ(times[0].sec, times[1].sec);
  EXPECT_LT(times[0], times[1]);
  EXPECT_EQ(times[1].nsec, 700000000);
}

TEST(ResourceSnapshot, EntryMustBeAName) {
  auto repo = std::move(Repository::Init(NewMemBackend(), "pw", CheapKdfForTests()).value());
  for (const std::string bad : {"", ".", "..", "a/b"}) {
    auto r = SaveResourceSnapshot(*repo, TestBackup(), bad, "h", {});
    EXPECT_FALSE(r.ok()) << bad;
  }
}

}  // namespace
}  // namespace hort::resources
