#include "policy/retention.h"

#include <gtest/gtest.h>

namespace hort {
namespace {

// A backup that is not a restic snapshot (say, a volume backup): retention
// needs only its time, host, tags and group.
struct VolumeBackup {
  std::string created;  // RFC 3339
  std::string node;
  std::vector<std::string> labels;
  std::vector<std::string> volume;
  gojson::Timestamp time;
};

std::vector<RetentionItem> Items(std::vector<VolumeBackup>& backups) {
  std::vector<RetentionItem> items;
  for (VolumeBackup& b : backups) {
    b.time = gojson::ParseRfc3339(b.created).value();
    items.push_back({b.time, b.node, b.labels, b.volume});
  }
  return items;
}

TEST(Retention, DecidesOverAnyItemNewestFirstWithIndices) {
  std::vector<VolumeBackup> b = {{"2024-01-01T00:00:00Z", "n1", {"keep"}, {"pvc-a"}, {}},
                                 {"2024-01-03T00:00:00Z", "n1", {}, {"pvc-a"}, {}},
                                 {"2024-01-02T00:00:00Z", "n1", {}, {"pvc-a"}, {}}};
  ExpirePolicy p;
  p.last = 1;
  p.tags = {{"keep"}};
  auto d = DecideRetention(Items(b), p);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].item, 1u);
  EXPECT_TRUE(d[0].keep);
  EXPECT_EQ(d[0].reasons, std::vector<std::string>{"last snapshot"});
  EXPECT_EQ(d[1].item, 2u);
  EXPECT_FALSE(d[1].keep);
  EXPECT_EQ(d[2].item, 0u);
  EXPECT_TRUE(d[2].keep);
  EXPECT_EQ(d[2].reasons, std::vector<std::string>{"has tags [keep]"});
}

// `--keep-tag ''` keeps the snapshots without tags, as restic's HasTags
// decides; it used to keep every snapshot.
TEST(Retention, AnEmptyKeepTagKeepsOnlyUntaggedItems) {
  std::vector<VolumeBackup> b = {{"2024-01-01T00:00:00Z", "n1", {"keep"}, {"pvc-a"}, {}},
                                 {"2024-01-02T00:00:00Z", "n1", {}, {"pvc-a"}, {}}};
  ExpirePolicy p;
  p.tags = {{""}};
  auto d = DecideRetention(Items(b), p);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].item, 1u);
  EXPECT_TRUE(d[0].keep);
  EXPECT_EQ(d[1].item, 0u);
  EXPECT_FALSE(d[1].keep);
}

TEST(Retention, AnEmptyPolicyKeepsEverything) {
  std::vector<VolumeBackup> b = {{"2024-01-01T00:00:00Z", "n1", {}, {}, {}}};
  auto d = DecideRetention(Items(b), ExpirePolicy{});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(d[0].keep);
  EXPECT_EQ(d[0].reasons, std::vector<std::string>{"policy is empty"});
}

TEST(Retention, GroupsByTheCallersGroupWord) {
  std::vector<VolumeBackup> b = {{"2024-01-01T00:00:00Z", "n1", {}, {"pvc-a"}, {}},
                                 {"2024-01-02T00:00:00Z", "n2", {}, {"pvc-a"}, {}},
                                 {"2024-01-03T00:00:00Z", "n1", {}, {"pvc-b"}, {}}};
  auto items = Items(b);
  auto by = ParseGroupBy("volume", "volume");
  ASSERT_TRUE(by.ok());
  auto groups = GroupForRetention(items, *by);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].group, std::vector<std::string>{"pvc-a"});
  EXPECT_EQ(groups[0].items, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(groups[0].host, "");
  EXPECT_EQ(GroupForRetention(items, ParseGroupBy("host,volume", "volume").value()).size(), 3u);
  EXPECT_FALSE(ParseGroupBy("paths", "volume").ok());
}

}  // namespace
}  // namespace hort
