// Retention: which backups of a series to keep, and why — restic's forget
// policy, decided over anything with a time, a host, tags and a group (restic
// snapshots today; resource and volume backups use the same rules). Callers
// describe their backups as RetentionItems; policy/snapshot_retention.h is the
// adapter for restic snapshots.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "format/gojson.h"
#include "util/status.h"

namespace hort {

// A calendar duration like restic's "1y5m7d2h".
struct CalendarDuration {
  int years = 0, months = 0, days = 0, hours = 0;
  [[nodiscard]] bool Zero() const { return years == 0 && months == 0 && days == 0 && hours == 0; }
  [[nodiscard]] std::string ToString() const;
};
[[nodiscard]] Result<CalendarDuration> ParseCalendarDuration(const std::string& s);

struct ExpirePolicy {
  // Counts: 0 = not used, -1 = unlimited.
  int last = 0, hourly = 0, daily = 0, weekly = 0, monthly = 0, yearly = 0;
  CalendarDuration within, within_hourly, within_daily, within_weekly, within_monthly, within_yearly;
  std::vector<std::vector<std::string>> tags;  // keep backups carrying all tags of any list
  [[nodiscard]] bool Empty() const;
  // restic 0.14's ExpirePolicy.String(): "keep 2 daily, 3 weekly snapshots, daily snapshots within 5d and
  // all snapshots with tags [[a] [b, c]] and all snapshots within 1y of the newest".
  [[nodiscard]] std::string Describe() const;
};

// What retention reads from one backup. A view: the strings belong to the
// caller's backup records, which must outlive it.
struct RetentionItem {
  // With the zone it was taken in: hourly/daily/... buckets are counted in
  // that zone, as restic does.
  gojson::Timestamp time;
  std::string_view host;
  std::span<const std::string> tags;
  // What else makes a series (restic: the backed-up paths).
  std::span<const std::string> group;
};

struct RetentionDecision {
  size_t item;  // index into the items given
  bool keep;
  std::vector<std::string> reasons;
  // restic's KeepReason.Counters: what is left of last, hourly, daily,
  // weekly, monthly and yearly after this item (-1 = unlimited).
  std::array<int, 6> counters{};
};

// Applies the policy to one series, exactly as restic's ApplyPolicy does.
// Returns one decision per item, newest first (ties keep the given order).
[[nodiscard]] std::vector<RetentionDecision> DecideRetention(const std::vector<RetentionItem>& series,
                                                             const ExpirePolicy& policy);

// Which of host, group and tags split backups into series.
struct GroupBy {
  bool host = false, group = false, tags = false;
};
// Parses "host,paths" (restic's default), any subset, or "" for one series;
// `group_word` names the group ("paths" for restic snapshots).
[[nodiscard]] Result<GroupBy> ParseGroupBy(const std::string& spec, std::string_view group_word);

struct RetentionGroup {
  std::string host;                // empty unless grouped by host
  std::vector<std::string> group;  // sorted; only when grouped by group
  std::vector<std::string> tags;   // sorted; only when grouped by tags
  std::vector<size_t> items;       // indices into the items given, in their order
};

// Splits items into series, in order of first appearance.
[[nodiscard]] std::vector<RetentionGroup> GroupForRetention(const std::vector<RetentionItem>& items, GroupBy by);

}  // namespace hort
