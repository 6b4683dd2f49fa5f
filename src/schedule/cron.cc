#include "schedule/cron.h"

#include <openssl/sha.h>

#include <array>
#include <cctype>
#include <ctime>
#include <vector>

#include "schedule/duration.h"

namespace hort {
namespace {

constexpr const char* kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr const char* kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::vector<std::string> Fields(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

struct FieldSpec {
  const char* what;
  int min, max;
  const char* const* names;  // indexed from `min` (months) or 0 (days)
  int name_count;
};

Result<int> ParseValue(const std::string& s, const FieldSpec& f) {
  for (int i = 0; i < f.name_count; ++i) {
    if (s == f.names[i]) return f.min == 1 ? i + 1 : i;
  }
  if (s.empty() || s.size() > 4) return Status(Code::kInvalidArgument, "bad " + std::string(f.what) + " \"" + s + "\"");
  int v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      return Status(Code::kInvalidArgument, "bad " + std::string(f.what) + " \"" + s + "\"");
    }
    v = v * 10 + (c - '0');
  }
  int max = f.max;
  if (f.names == kDayNames) max = 7;  // 7 is Sunday too
  if (v < f.min || v > max) {
    return Status(Code::kInvalidArgument, std::string(f.what) + " " + s + " out of range " + std::to_string(f.min) +
                                              "-" + std::to_string(f.max));
  }
  return f.names == kDayNames ? v % 7 : v;
}

// Sets the bits a cron field selects; returns whether it was "*".
template <size_t N>
Result<bool> ParseField(const std::string& text, const FieldSpec& f, std::bitset<N>* bits) {
  bool star = false;
  for (const std::string& item : Split(text, ',')) {
    auto slash = item.find('/');
    std::string range = item.substr(0, slash);
    int step = 1;
    if (slash != std::string::npos) {
      std::string st = item.substr(slash + 1);
      if (st.empty() || st.size() > 3 || st.find_first_not_of("0123456789") != std::string::npos || std::stoi(st) == 0) {
        return Status(Code::kInvalidArgument, "bad step \"" + st + "\" in " + f.what + " field");
      }
      step = std::stoi(st);
    }
    int lo, hi;
    if (range == "*") {
      lo = f.min;
      hi = f.max;
      if (slash == std::string::npos) star = true;
    } else if (auto dash = range.find('-'); dash != std::string::npos) {
      HORT_ASSIGN_OR_RETURN(lo, ParseValue(range.substr(0, dash), f));
      HORT_ASSIGN_OR_RETURN(hi, ParseValue(range.substr(dash + 1), f));
      if (f.names == kDayNames && hi == 0 && range.substr(dash + 1) != "0" && range.substr(dash + 1) != "sun") hi = 7;
      if (hi < lo) return Status(Code::kInvalidArgument, "bad range \"" + range + "\" in " + f.what + " field");
    } else {
      HORT_ASSIGN_OR_RETURN(lo, ParseValue(range, f));
      hi = slash == std::string::npos ? lo : (f.names == kDayNames ? 6 : f.max);
    }
    for (int v = lo; v <= hi; v += step) bits->set(static_cast<size_t>(f.names == kDayNames ? v % 7 : v));
  }
  return star;
}

// SHA-1 of the seed read as one big-endian integer, reduced modulo m.
int BigMod(const std::array<unsigned char, SHA_DIGEST_LENGTH>& digest, int m) {
  int r = 0;
  for (unsigned char b : digest) r = (r * 256 + b) % m;
  return r;
}

// True when the same local wall-clock minute already happened shortly before
// `t` (the repeated hour when DST ends): such a time runs only once.
bool WallTimeSeenBefore(time_t t, const struct tm& local) {
  for (int shift : {1800, 3600, 7200}) {
    time_t earlier = t - shift;
    struct tm e {};
    localtime_r(&earlier, &e);
    if (e.tm_hour == local.tm_hour && e.tm_min == local.tm_min && e.tm_mday == local.tm_mday) return true;
  }
  return false;
}

}  // namespace

Result<std::string> K8upRandomSchedule(const std::string& shorthand, const std::string& seed) {
  std::array<unsigned char, SHA_DIGEST_LENGTH> d{};
  SHA1(reinterpret_cast<const unsigned char*>(seed.data()), seed.size(), d.data());
  std::string minute = std::to_string(BigMod(d, 60)), hour = std::to_string(BigMod(d, 24));
  std::string mday = std::to_string(1 + BigMod(d, 27)), month = std::to_string(1 + BigMod(d, 12));
  std::string wday = std::to_string(BigMod(d, 6));
  if (shorthand == "@hourly-random") return minute + " * * * *";
  if (shorthand == "@daily-random") return minute + " " + hour + " * * *";
  if (shorthand == "@weekly-random") return minute + " " + hour + " * * " + wday;
  if (shorthand == "@monthly-random") return minute + " " + hour + " " + mday + " * *";
  if (shorthand == "@yearly-random" || shorthand == "@annually-random") {
    return minute + " " + hour + " " + mday + " " + month + " *";
  }
  return Status(Code::kInvalidArgument, "unknown schedule \"" + shorthand + "\"");
}

Result<Schedule> Schedule::Parse(const std::string& text, const std::string& random_seed) {
  Schedule s;
  s.text_ = text;
  std::vector<std::string> fields = Fields(text);
  auto fail = [&](const Status& why) {
    return Status(Code::kInvalidArgument, "invalid schedule \"" + text + "\": " + why.message());
  };
  if (fields.empty()) return fail(Status(Code::kInvalidArgument, "empty"));
  std::string line;
  if (fields[0] == "@every") {
    if (fields.size() != 2) return fail(Status(Code::kInvalidArgument, "use \"@every <duration>\", e.g. @every 6h"));
    auto d = ParseDurationSeconds(fields[1]);
    if (!d.ok()) return fail(d.status());
    if (*d < 60) return fail(Status(Code::kInvalidArgument, "intervals shorter than 1m are not supported"));
    s.every_ = *d;
    s.effective_ = "@every " + FormatDuration(*d);
    return s;
  }
  if (fields[0].size() > 7 && fields[0].compare(fields[0].size() - 7, 7, "-random") == 0 && fields.size() == 1) {
    auto r = K8upRandomSchedule(fields[0], random_seed);
    if (!r.ok()) return fail(r.status());
    line = *r;
  } else if (fields.size() == 1 && fields[0][0] == '@') {
    const std::string& f = fields[0];
    if (f == "@hourly") line = "0 * * * *";
    else if (f == "@daily" || f == "@midnight") line = "0 0 * * *";
    else if (f == "@weekly") line = "0 0 * * 0";
    else if (f == "@monthly") line = "0 0 1 * *";
    else if (f == "@yearly" || f == "@annually") line = "0 0 1 1 *";
    else return fail(Status(Code::kInvalidArgument, "unknown shorthand " + f));
  } else if (fields.size() == 5) {
    line = text;
  } else {
    return fail(Status(Code::kInvalidArgument, "expected 5 fields (minute hour day-of-month month day-of-week), got " +
                                                   std::to_string(fields.size())));
  }
  fields = Fields(line);
  s.effective_ = fields[0] + " " + fields[1] + " " + fields[2] + " " + fields[3] + " " + fields[4];
  auto r1 = ParseField(fields[0], FieldSpec{"minute", 0, 59, nullptr, 0}, &s.minutes_);
  auto r2 = ParseField(fields[1], FieldSpec{"hour", 0, 23, nullptr, 0}, &s.hours_);
  auto r3 = ParseField(fields[2], FieldSpec{"day-of-month", 1, 31, nullptr, 0}, &s.mdays_);
  auto r4 = ParseField(fields[3], FieldSpec{"month", 1, 12, kMonthNames, 12}, &s.months_);
  auto r5 = ParseField(fields[4], FieldSpec{"day-of-week", 0, 6, kDayNames, 7}, &s.wdays_);
  for (const Status* st : {&r1.status(), &r2.status(), &r3.status(), &r4.status(), &r5.status()}) {
    if (!st->ok()) return fail(*st);
  }
  s.mday_star_ = *r3;
  s.wday_star_ = *r5;
  // Days of the month that none of the months named has ("0 0 30 2 *"):
  // cron accepts the line and never runs it. Unless the day of the week
  // also decides (then either matching is enough), that is refused here.
  if (s.wday_star_ && !s.mday_star_) {
    static constexpr int kLongest[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool some_day = false;
    for (int m = 1; m <= 12 && !some_day; ++m) {
      for (int d = 1; d <= kLongest[m] && s.months_.test(static_cast<size_t>(m)); ++d) some_day |= s.mdays_.test(static_cast<size_t>(d));
    }
    if (!some_day) return fail(Status(Code::kInvalidArgument, "it never runs: none of the months has that day of the month"));
  }
  return s;
}

bool Schedule::MatchesDay(int mday, int month, int wday) const {
  if (!months_.test(static_cast<size_t>(month))) return false;
  bool d = mdays_.test(static_cast<size_t>(mday)), w = wdays_.test(static_cast<size_t>(wday));
  // Vixie cron (and robfig/cron, which K8up uses): when both day fields are
  // restricted, either one matching is enough.
  if (!mday_star_ && !wday_star_) return d || w;
  return d && w;
}

int64_t Schedule::Next(int64_t after) const {
  if (every_ > 0) return (after / every_ + 1) * every_;
  time_t t = static_cast<time_t>(after - after % 60 + 60);
  // Parse refuses lines that never run; the longest real wait is 29
  // February across a century year that is not a leap year (8 years), so
  // the search ends well after it (the bound was a count of steps, which
  // for a line no day matched meant 7,000 years of days).
  const time_t end = t + 29LL * 366 * 86400;
  while (t < end) {
    struct tm tm {};
    localtime_r(&t, &tm);
    if (!MatchesDay(tm.tm_mday, tm.tm_mon + 1, tm.tm_wday)) {
      tm.tm_mday += 1;
      tm.tm_hour = 0;
      tm.tm_min = 0;
      tm.tm_sec = 0;
      tm.tm_isdst = -1;
      time_t next = mktime(&tm);
      t = next > t ? next : t + 3600;
      continue;
    }
    if (!hours_.test(static_cast<size_t>(tm.tm_hour))) {
      t += (60 - tm.tm_min) * 60;  // local :00 of the next hour, whatever the zone's offset
      continue;
    }
    if (!minutes_.test(static_cast<size_t>(tm.tm_min)) || WallTimeSeenBefore(t, tm)) {
      t += 60;
      continue;
    }
    return t;
  }
  return INT64_MAX;
}

Schedule::Gaps Schedule::GapsAhead(int64_t now) const {
  if (every_ > 0) return {every_, every_, Next(now)};
  // Without days of the month or months, the runs repeat every week (but
  // for a daylight-saving hour): 8 days show every gap. Otherwise a year; a
  // cap on the runs keeps `config check` quick either way.
  const bool weekly = mday_star_ && months_.count() == 12;
  const int64_t horizon = weekly ? 8 * 86400 : 366 * 86400;
  constexpr int kMaxRuns = 20000;
  Gaps g;
  int64_t a = Next(now);
  for (int i = 0; i < kMaxRuns && a != INT64_MAX && a - now <= horizon; ++i) {
    const int64_t b = Next(a);
    if (b == INT64_MAX) break;
    const int64_t gap = b - a;
    if (g.shortest == 0 || gap < g.shortest) g.shortest = gap;
    if (gap > g.longest) g = {g.shortest, gap, a};
    a = b;
  }
  return g;
}

int64_t Schedule::TypicalInterval(int64_t now) const {
  if (every_ > 0) return every_;
  int64_t a = Next(now);
  int64_t b = a == INT64_MAX ? INT64_MAX : Next(a);
  return b == INT64_MAX ? 0 : b - a;
}

}  // namespace hort
