#include "prune/policy.h"

#include <algorithm>
#include <map>
#include <sstream>

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

std::vector<KeepDecision> ApplyPolicy(const std::vector<const Snapshot*>& group, const ExpirePolicy& p) {
  std::vector<const Snapshot*> list = group;
  std::stable_sort(list.begin(), list.end(), [](const Snapshot* a, const Snapshot* b) {
    return std::tie(a->time.sec, a->time.nsec) > std::tie(b->time.sec, b->time.nsec);
  });
  std::vector<KeepDecision> out;
  if (p.Empty()) {
    for (const Snapshot* s : list) out.push_back({s, true, {"policy is empty"}});
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
  const Snapshot* latest = nullptr;
  for (const Snapshot* s : list) {
    if (!latest || std::tie(s->time.sec, s->time.nsec) > std::tie(latest->time.sec, latest->time.nsec)) latest = s;
  }
  for (size_t nr = 0; nr < list.size(); ++nr) {
    const Snapshot* cur = list[nr];
    KeepDecision d{cur, false, {}};
    for (const auto& tag_list : p.tags) {
      bool all = std::all_of(tag_list.begin(), tag_list.end(), [&](const std::string& t) { return cur->HasTag(t); });
      if (all) {
        d.keep = true;
        std::string joined;
        for (const auto& t : tag_list) joined += (joined.empty() ? "" : " ") + t;
        d.reasons.push_back("has tags [" + joined + "]");
      }
    }
    if (!p.within.Zero()) {
      if (After(cur->time, Threshold(latest->time, p.within), latest->time.nsec)) {
        d.keep = true;
        d.reasons.push_back("within " + p.within.ToString());
      }
    }
    for (Counter& b : buckets) {
      if (b.count == 0) continue;
      int64_t val = Bucket(b.kind, cur->time, nr);
      if (val != b.last) {
        d.keep = true;
        b.last = val;
        if (b.count > 0) b.count--;
        d.reasons.push_back(b.reason);
      }
    }
    for (Within& w : within) {
      if (w.within.Zero()) continue;
      if (!After(cur->time, Threshold(latest->time, w.within), latest->time.nsec)) continue;
      int64_t val = Bucket(w.kind, cur->time, nr);
      if (val != w.last) {
        d.keep = true;
        w.last = val;
        d.reasons.push_back(std::string(w.reason) + " " + w.within.ToString());
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

Result<std::vector<SnapshotGroup>> GroupSnapshots(const std::vector<Snapshot>& snapshots, const std::string& group_by) {
  bool by_host = false, by_paths = false, by_tags = false;
  std::stringstream ss(group_by);
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (part == "host") by_host = true;
    else if (part == "paths") by_paths = true;
    else if (part == "tags") by_tags = true;
    else if (!part.empty()) return Status(Code::kInvalidArgument, "unknown grouping option \"" + part + "\"");
  }
  std::map<std::string, size_t> index;
  std::vector<SnapshotGroup> groups;
  for (const Snapshot& s : snapshots) {
    SnapshotGroup key;
    key.by_host = by_host;
    key.by_paths = by_paths;
    key.by_tags = by_tags;
    if (by_host) key.hostname = s.hostname;
    if (by_paths) {
      key.paths = s.paths;
      std::sort(key.paths.begin(), key.paths.end());
    }
    if (by_tags) {
      key.tags = s.tags;
      std::sort(key.tags.begin(), key.tags.end());
    }
    std::string k = key.hostname + '\0';
    for (const auto& p : key.paths) k += p + '\0';
    k += '\1';
    for (const auto& t : key.tags) k += t + '\0';
    auto [it, fresh] = index.try_emplace(k, groups.size());
    if (fresh) groups.push_back(key);
    groups[it->second].snapshots.push_back(&s);
  }
  return groups;
}

}  // namespace hort
