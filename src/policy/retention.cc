#include "policy/retention.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "format/snapshot.h"
#include "util/strings.h"

namespace hort {
namespace {

struct Civil {
  int64_t year;
  int month, day, hour;
};

using gojson::DaysFromCivil;

void CivilFromDays(int64_t z, int64_t* y, int* m, int* d) {
  unsigned um, ud;
  gojson::CivilFromDays(z, y, &um, &ud);
  *m = static_cast<int>(um);
  *d = static_cast<int>(ud);
}

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : (a - b + 1) / b; }

// The wall-clock time of `t` in the zone it was recorded in.
Civil LocalCivil(const gojson::Timestamp& t, int64_t* seconds_of_day = nullptr) {
  int64_t local = t.sec + t.offset;
  int64_t days = FloorDiv(local, 86400);
  int64_t sod = local - days * 86400;
  Civil c{};
  CivilFromDays(days, &c.year, &c.month, &c.day);
  c.hour = static_cast<int>(sod / 3600);
  if (seconds_of_day) *seconds_of_day = sod;
  return c;
}

// Go's Time.ISOWeek.
void IsoWeek(const gojson::Timestamp& t, int64_t* year, int* week) {
  int64_t local = t.sec + t.offset;
  int64_t days = FloorDiv(local, 86400);
  int weekday = static_cast<int>(((days % 7) + 7 + 3) % 7);  // Monday = 0; 1970-01-01 was a Thursday
  int64_t thursday = days - weekday + 3;
  int64_t y;
  int m, d;
  CivilFromDays(thursday, &y, &m, &d);
  int64_t jan1 = DaysFromCivil(y, 1, 1);
  *year = y;
  *week = static_cast<int>((thursday - jan1) / 7 + 1);
}

int64_t Bucket(int kind, const gojson::Timestamp& t, size_t nr) {
  Civil c = LocalCivil(t);
  switch (kind) {
    case 0: return static_cast<int64_t>(nr);
    case 1: return c.year * 1000000 + c.month * 10000 + c.day * 100 + c.hour;
    case 2: return c.year * 10000 + c.month * 100 + c.day;
    case 3: {
      int64_t y;
      int w;
      IsoWeek(t, &y, &w);
      return y * 100 + w;
    }
    case 4: return c.year * 100 + c.month;
    default: return c.year;
  }
}

// latest.AddDate(-y, -m, -d).Add(-h) with Go's normalisation, in latest's zone.
int64_t Threshold(const gojson::Timestamp& latest, const CalendarDuration& d) {
  int64_t sod = 0;
  Civil c = LocalCivil(latest, &sod);
  int64_t year = c.year - d.years;
  int64_t month0 = c.month - 1 - d.months;  // Go normalises month overflow into years first
  year += FloorDiv(month0, 12);
  month0 -= FloorDiv(month0, 12) * 12;
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month0 + 1), 1) + (c.day - 1) - d.days;
  int64_t local = days * 86400 + sod;
  return local - latest.offset - int64_t{d.hours} * 3600;
}

bool After(const gojson::Timestamp& t, int64_t threshold_sec, int32_t threshold_nsec) {
  return t.sec > threshold_sec || (t.sec == threshold_sec && t.nsec > threshold_nsec);
}

}  // namespace

std::string CalendarDuration::ToString() const {
  std::string out;
  if (years) out += std::to_string(years) + "y";
  if (months) out += std::to_string(months) + "m";
  if (days) out += std::to_string(days) + "d";
  if (hours) out += std::to_string(hours) + "h";
  return out;
}

Result<CalendarDuration> ParseCalendarDuration(const std::string& s) {
  CalendarDuration d;
  std::string num;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      num += c;
      continue;
    }
    if (num.empty()) return Status(Code::kInvalidArgument, "invalid duration \"" + s + "\" (use e.g. 1y5m7d2h)");
    // Nine digits at most: a bound far beyond any history (restic reads
    // more, and std::stoi threw on them and aborted hort).
    if (num.size() > 9) return Status(Code::kInvalidArgument, "invalid duration \"" + s + "\": number too large");
    int v = std::stoi(num);
    num.clear();
    switch (c) {
      case 'y': d.years = v; break;
      case 'm': d.months = v; break;
      case 'd': d.days = v; break;
      case 'h': d.hours = v; break;
      default: return Status(Code::kInvalidArgument, "invalid duration \"" + s + "\" (unit must be y, m, d or h)");
    }
  }
  if (!num.empty()) return Status(Code::kInvalidArgument, "invalid duration \"" + s + "\": number without unit");
  return d;
}

bool ExpirePolicy::Empty() const {
  return last == 0 && hourly == 0 && daily == 0 && weekly == 0 && monthly == 0 && yearly == 0 && within.Zero() &&
         within_hourly.Zero() && within_daily.Zero() && within_weekly.Zero() && within_monthly.Zero() &&
         within_yearly.Zero() && tags.empty();
}

std::string ExpirePolicy::Describe() const {
  std::vector<std::string> counts, within_kinds;
  const std::pair<int, const char*> kCounts[] = {{last, "latest"}, {hourly, "hourly"}, {daily, "daily"},
                                                 {weekly, "weekly"}, {monthly, "monthly"}, {yearly, "yearly"}};
  for (const auto& [n, what] : kCounts) {
    if (n != 0) counts.push_back((n < 0 ? std::string("all") : std::to_string(n)) + " " + what);
  }
  const std::pair<const CalendarDuration*, const char*> kWithin[] = {{&within_hourly, "hourly"}, {&within_daily, "daily"},
                                                                     {&within_weekly, "weekly"}, {&within_monthly, "monthly"},
                                                                     {&within_yearly, "yearly"}};
  for (const auto& [d, what] : kWithin) {
    if (!d->Zero()) within_kinds.push_back(std::string(what) + " snapshots within " + d->ToString());
  }
  std::string s;
  if (!counts.empty()) s = Join(counts, ", ") + " snapshots";
  if (!within_kinds.empty()) s += (s.empty() ? "" : ", ") + Join(within_kinds, ", ");
  if (!tags.empty()) {
    std::string lists;
    for (const auto& list : tags) lists += (lists.empty() ? "[" : " [") + Join(list, ", ") + "]";
    s += (s.empty() ? "" : " and ") + std::string("all snapshots with tags [") + lists + "]";
  }
  if (!within.Zero()) s += (s.empty() ? "" : " and ") + std::string("all snapshots within ") + within.ToString() + " of the newest";
  return s.empty() ? "remove" : "keep " + s;
}

std::vector<RetentionDecision> DecideRetention(const std::vector<RetentionItem>& series, const ExpirePolicy& p) {
  std::vector<size_t> list(series.size());
  for (size_t i = 0; i < list.size(); ++i) list[i] = i;
  auto time_of = [&](size_t i) -> const gojson::Timestamp& { return series[i].time; };
  std::stable_sort(list.begin(), list.end(), [&](size_t a, size_t b) {
    return std::tie(time_of(a).sec, time_of(a).nsec) > std::tie(time_of(b).sec, time_of(b).nsec);
  });
  std::vector<RetentionDecision> out;
  if (p.Empty()) {
    for (size_t i : list) out.push_back({i, true, {"policy is empty"}});
    return out;
  }
  struct Counter {
    int count;
    int kind;
    int64_t last;
    const char* reason;
  };
  Counter buckets[] = {{p.last, 0, -1, "last snapshot"},     {p.hourly, 1, -1, "hourly snapshot"},
                       {p.daily, 2, -1, "daily snapshot"},   {p.weekly, 3, -1, "weekly snapshot"},
                       {p.monthly, 4, -1, "monthly snapshot"}, {p.yearly, 5, -1, "yearly snapshot"}};
  struct Within {
    CalendarDuration within;
    int kind;
    int64_t last;
    const char* reason;
  };
  Within within[] = {{p.within_hourly, 1, -1, "hourly within"},   {p.within_daily, 2, -1, "daily within"},
                     {p.within_weekly, 3, -1, "weekly within"},   {p.within_monthly, 4, -1, "monthly within"},
                     {p.within_yearly, 5, -1, "yearly within"}};
  const gojson::Timestamp* latest = nullptr;
  for (size_t i : list) {
    const gojson::Timestamp& t = time_of(i);
    if (!latest || std::tie(t.sec, t.nsec) > std::tie(latest->sec, latest->nsec)) latest = &t;
  }
  for (size_t nr = 0; nr < list.size(); ++nr) {
    const RetentionItem& cur = series[list[nr]];
    RetentionDecision d{list[nr], false, {}};
    for (const auto& tag_list : p.tags) {
      if (SatisfiesTagList(cur.tags, tag_list)) {
        d.keep = true;
        std::string joined;
        for (const auto& t : tag_list) joined += (joined.empty() ? "" : " ") + t;
        d.reasons.push_back("has tags [" + joined + "]");
      }
    }
    if (!p.within.Zero()) {
      if (After(cur.time, Threshold(*latest, p.within), latest->nsec)) {
        d.keep = true;
        d.reasons.push_back("within " + p.within.ToString());
      }
    }
    for (Counter& b : buckets) {
      if (b.count == 0) continue;
      int64_t val = Bucket(b.kind, cur.time, nr);
      if (val != b.last) {
        d.keep = true;
        b.last = val;
        if (b.count > 0) b.count--;
        d.reasons.push_back(b.reason);
      }
    }
    for (Within& w : within) {
      if (w.within.Zero()) continue;
      if (!After(cur.time, Threshold(*latest, w.within), latest->nsec)) continue;
      int64_t val = Bucket(w.kind, cur.time, nr);
      if (val != w.last) {
        d.keep = true;
        w.last = val;
        d.reasons.push_back(std::string(w.reason) + " " + w.within.ToString());
      }
    }
    for (size_t k = 0; k < 6; ++k) d.counters[k] = buckets[k].count;
    out.push_back(std::move(d));
  }
  return out;
}

Result<GroupBy> ParseGroupBy(const std::string& spec, std::string_view group_word) {
  GroupBy by;
  std::stringstream ss(spec);
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (part == "host") by.host = true;
    else if (part == group_word) by.group = true;
    else if (part == "tags") by.tags = true;
    else if (!part.empty()) return Status(Code::kInvalidArgument, "unknown grouping option: '" + part + "'");  // restic's words
  }
  return by;
}

std::vector<RetentionGroup> GroupForRetention(const std::vector<RetentionItem>& items, GroupBy by) {
  std::map<std::string, size_t> index;
  std::vector<RetentionGroup> groups;
  for (size_t i = 0; i < items.size(); ++i) {
    const RetentionItem& item = items[i];
    RetentionGroup key;
    if (by.host) key.host = item.host;
    if (by.group) {
      key.group.assign(item.group.begin(), item.group.end());
      std::sort(key.group.begin(), key.group.end());
    }
    if (by.tags) {
      key.tags.assign(item.tags.begin(), item.tags.end());
      std::sort(key.tags.begin(), key.tags.end());
    }
    std::string k = key.host + '\0';
    for (const auto& g : key.group) k += g + '\0';
    k += '\1';
    for (const auto& t : key.tags) k += t + '\0';
    auto [it, fresh] = index.try_emplace(k, groups.size());
    if (fresh) groups.push_back(std::move(key));
    groups[it->second].items.push_back(i);
  }
  return groups;
}

}  // namespace hort
