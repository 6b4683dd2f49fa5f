#include "policy/snapshot_retention.h"

#include <gtest/gtest.h>

namespace hort {
namespace {

Snapshot At(const std::string& rfc3339, std::vector<std::string> tags = {}) {
  Snapshot s;
  s.time = gojson::ParseRfc3339(rfc3339).value();
  s.tags = std::move(tags);
  s.hostname = "h";
  s.paths = {"/p"};
  return s;
}

std::vector<std::string> Kept(const std::vector<Snapshot>& snaps, const ExpirePolicy& p) {
  std::vector<const Snapshot*> ptrs;
  for (const auto& s : snaps) ptrs.push_back(&s);
  std::vector<std::string> out;
  for (const auto& d : ApplyPolicy(ptrs, p)) {
    if (d.keep) out.push_back(gojson::FormatRfc3339Nano(d.snapshot->time));
  }
  return out;
}

TEST(Policy, DailyUsesTheSnapshotsOwnZone) {
  // 23:30 at +02:00 is 21:30Z the same day; 00:30 at +02:00 is the previous day in UTC.
  std::vector<Snapshot> s = {At("2024-03-10T23:30:00+02:00"), At("2024-03-11T00:30:00+02:00"),
                             At("2024-03-11T08:00:00+02:00")};
  ExpirePolicy p;
  p.daily = 5;
  EXPECT_EQ(Kept(s, p), (std::vector<std::string>{"2024-03-11T08:00:00+02:00", "2024-03-10T23:30:00+02:00"}));
}

TEST(Policy, WeeklyUsesIsoWeeksAcrossYearEnd) {
  // 2020-12-31 (Thu) and 2021-01-03 (Sun) are both in ISO week 2020-53.
  std::vector<Snapshot> s = {At("2020-12-31T10:00:00Z"), At("2021-01-03T10:00:00Z"), At("2021-01-04T10:00:00Z")};
  ExpirePolicy p;
  p.weekly = 3;
  EXPECT_EQ(Kept(s, p), (std::vector<std::string>{"2021-01-04T10:00:00Z", "2021-01-03T10:00:00Z"}));
}

TEST(Policy, WithinIsRelativeToTheLatestSnapshot) {
  std::vector<Snapshot> s = {At("2019-01-01T00:00:00Z"), At("2019-03-31T12:00:00Z"), At("2019-04-30T12:00:00Z")};
  ExpirePolicy p;
  p.within = ParseCalendarDuration("1m").value();  // 2019-03-30T12:00Z
  EXPECT_EQ(Kept(s, p), (std::vector<std::string>{"2019-04-30T12:00:00Z", "2019-03-31T12:00:00Z"}));
  EXPECT_FALSE(ParseCalendarDuration("5x").ok());
  EXPECT_FALSE(ParseCalendarDuration("5").ok());
  EXPECT_EQ(ParseCalendarDuration("1y2m3d4h")->ToString(), "1y2m3d4h");
}

TEST(Policy, TagsAndLast) {
  std::vector<Snapshot> s = {At("2024-01-01T00:00:00Z", {"keep"}), At("2024-01-02T00:00:00Z"),
                             At("2024-01-03T00:00:00Z")};
  ExpirePolicy p;
  p.last = 1;
  p.tags = {{"keep"}};
  EXPECT_EQ(Kept(s, p), (std::vector<std::string>{"2024-01-03T00:00:00Z", "2024-01-01T00:00:00Z"}));
}

TEST(Policy, GroupsByHostAndSortedPaths) {
  std::vector<Snapshot> s = {At("2024-01-01T00:00:00Z"), At("2024-01-02T00:00:00Z"), At("2024-01-03T00:00:00Z")};
  s[1].paths = {"/b", "/a"};
  s[2].paths = {"/a", "/b"};
  auto groups = GroupSnapshots(s, "host,paths");
  ASSERT_TRUE(groups.ok());
  EXPECT_EQ(groups->size(), 2u);
  EXPECT_EQ(GroupSnapshots(s, "")->size(), 1u);
  EXPECT_FALSE(GroupSnapshots(s, "colour").ok());
}

}  // namespace
}  // namespace hort
