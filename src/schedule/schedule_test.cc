#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "schedule/cron.h"
#include "schedule/duration.h"

namespace hort {
namespace {

// Runs the test body with TZ set, then restores it.
class ZoneGuard {
 public:
  explicit ZoneGuard(const char* zone) {
    const char* old = std::getenv("TZ");
    if (old) old_ = old, had_ = true;
    ::setenv("TZ", zone, 1);
    ::tzset();
  }
  ~ZoneGuard() {
    if (had_) ::setenv("TZ", old_.c_str(), 1);
    else ::unsetenv("TZ");
    ::tzset();
  }

 private:
  std::string old_;
  bool had_ = false;
};

int64_t Local(int y, int mo, int d, int h, int mi) {
  struct tm tm {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_isdst = -1;
  return mktime(&tm);
}

TEST(Duration, ParsesUnitsAndSums) {
  EXPECT_EQ(*ParseDurationSeconds("90s"), 90);
  EXPECT_EQ(*ParseDurationSeconds("15m"), 900);
  EXPECT_EQ(*ParseDurationSeconds("1h30m"), 5400);
  EXPECT_EQ(*ParseDurationSeconds("1d"), 86400);
  EXPECT_EQ(*ParseDurationSeconds("2w"), 14 * 86400);
  EXPECT_EQ(*ParseDurationSeconds("3mo"), 90 * 86400);
  EXPECT_EQ(*ParseDurationSeconds("1y"), 365 * 86400);
  for (const char* bad : {"", "h", "10", "10x", "1.5h", "-1h", "0s", "1h 30m"}) {
    EXPECT_FALSE(ParseDurationSeconds(bad).ok()) << bad;
  }
  EXPECT_EQ(FormatDuration(93600), "1d2h");
  EXPECT_EQ(FormatDuration(90), "1m30s");
}

// Vectors from K8up's own randomizer test (operator/schedulecontroller).
TEST(Schedule, K8upRandomisedSchedulesMatchK8up) {
  const std::string seed = "k8up-system/my-scheduled-backup@backup";
  EXPECT_EQ(*K8upRandomSchedule("@hourly-random", seed), "52 * * * *");
  EXPECT_EQ(*K8upRandomSchedule("@daily-random", seed), "52 4 * * *");
  EXPECT_EQ(*K8upRandomSchedule("@weekly-random", seed), "52 4 * * 4");
  EXPECT_EQ(*K8upRandomSchedule("@monthly-random", seed), "52 4 26 * *");
  EXPECT_EQ(*K8upRandomSchedule("@yearly-random", seed), "52 4 26 5 *");
  EXPECT_EQ(*K8upRandomSchedule("@annually-random", seed), "52 4 26 5 *");
  auto s = Schedule::Parse("@daily-random", seed);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->effective(), "52 4 * * *");
}

TEST(Schedule, RejectsBadExpressions) {
  for (const char* bad : {"", "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8",
                          "*/0 * * * *", "5-2 * * * *", "a * * * *", "@sometimes", "@every", "@every 10s",
                          "@every 1x", "* * * * * *", "1,,2 * * * *"}) {
    EXPECT_FALSE(Schedule::Parse(bad).ok()) << bad;
  }
  auto s = Schedule::Parse("61 * * * *");
  EXPECT_NE(s.status().message().find("minute 61 out of range 0-59"), std::string::npos) << s.status().message();
}

TEST(Schedule, NextFollowsCronFields) {
  ZoneGuard tz("UTC");
  int64_t t0 = Local(2026, 11, 26, 7, 53);
  EXPECT_EQ(Schedule::Parse("@hourly")->Next(t0), Local(2026, 11, 26, 8, 0));
  EXPECT_EQ(Schedule::Parse("@daily")->Next(t0), Local(2026, 11, 27, 0, 0));
  EXPECT_EQ(Schedule::Parse("@weekly")->Next(t0), Local(2026, 11, 29, 0, 0));  // a Sunday
  EXPECT_EQ(Schedule::Parse("@monthly")->Next(t0), Local(2026, 12, 1, 0, 0));
  EXPECT_EQ(Schedule::Parse("@yearly")->Next(t0), Local(2027, 1, 1, 0, 0));
  EXPECT_EQ(Schedule::Parse("*/15 * * * *")->Next(t0), Local(2026, 11, 26, 8, 0));
  EXPECT_EQ(Schedule::Parse("30 2 * * mon-fri")->Next(t0), Local(2026, 11, 27, 2, 30));  // Friday
  EXPECT_EQ(Schedule::Parse("30 2 * * 1-5")->Next(Local(2026, 11, 27, 2, 30)), Local(2026, 11, 30, 2, 30));
  EXPECT_EQ(Schedule::Parse("0 3 * * 7")->Next(t0), Local(2026, 11, 29, 3, 0));  // 7 = Sunday
  EXPECT_EQ(Schedule::Parse("0 0 29 feb *")->Next(t0), Local(2028, 2, 29, 0, 0));
  // Both day fields restricted: either matches (1st of the month or a Monday).
  EXPECT_EQ(Schedule::Parse("0 12 1 * mon")->Next(t0), Local(2026, 11, 30, 12, 0));
  EXPECT_EQ(Schedule::Parse("0 12 1 * mon")->Next(Local(2026, 11, 30, 12, 0)), Local(2026, 12, 1, 12, 0));
  // Strictly after: a run at exactly t is not returned for t.
  EXPECT_EQ(Schedule::Parse("0 8 * * *")->Next(Local(2026, 11, 26, 8, 0)), Local(2026, 11, 27, 8, 0));
  // 29 February across 2100 (no leap year): eight years on.
  EXPECT_EQ(Schedule::Parse("0 0 29 2 *")->Next(Local(2096, 3, 1, 0, 0)), Local(2104, 2, 29, 0, 0));
  // A day both fields restrict: 30 February or a Monday in February.
  EXPECT_EQ(Schedule::Parse("0 0 30 2 mon")->Next(t0), Local(2027, 2, 1, 0, 0));
}

// cron takes "0 0 30 2 *" and never runs it: the catalog said valid, printed a
// next run 219 million years back, and serve searched 7,000 years of days at
// start-up and for every /metrics scrape.
TEST(Schedule, ALineThatNeverRunsIsRefused) {
  for (const char* never : {"0 0 30 2 *", "0 0 31 4 *", "0 0 31 apr,jun,sep,nov *", "0 0 30,31 feb *"}) {
    auto s = Schedule::Parse(never);
    ASSERT_FALSE(s.ok()) << never;
    EXPECT_NE(s.status().message().find("it never runs"), std::string::npos) << s.status().message();
  }
  EXPECT_TRUE(Schedule::Parse("0 0 31 4,5 *").ok());  // May has a 31st
  EXPECT_TRUE(Schedule::Parse("0 0 29 2 *").ok());
}

TEST(Schedule, EveryIsAlignedToTheEpoch) {
  auto s = Schedule::Parse("@every 6h");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->effective(), "@every 6h");
  EXPECT_EQ(s->Next(1000), 6 * 3600);
  EXPECT_EQ(s->Next(6 * 3600), 12 * 3600);
  EXPECT_EQ(s->TypicalInterval(0), 6 * 3600);
}

TEST(Schedule, TimeZoneAndDaylightSaving) {
  ZoneGuard tz("Europe/Berlin");
  // 2026-03-29 02:30 does not exist in Berlin: that day's run is skipped.
  auto s = Schedule::Parse("30 2 * * *");
  int64_t before = Local(2026, 3, 28, 12, 0);
  int64_t first = s->Next(before);
  EXPECT_EQ(first, Local(2026, 3, 30, 2, 30));
  // 02:30 on 2026-10-25 happens twice; the job runs once.
  int64_t a = s->Next(Local(2026, 10, 24, 12, 0));
  int64_t b = s->Next(a);
  EXPECT_EQ(b - a, 86400 + 3600) << "second 02:30 must be skipped";
  // A daily 03:00 in Berlin is 02:00 UTC in winter.
  EXPECT_EQ(Schedule::Parse("0 3 * * *")->Next(Local(2026, 11, 26, 7, 0)) % 86400, 2 * 3600);
  EXPECT_EQ(Schedule::Parse("@daily")->TypicalInterval(Local(2026, 11, 26, 7, 0)), 86400);
}

TEST(Schedule, GapsAheadFindTheLongOnes) {
  ZoneGuard tz("UTC");
  const int64_t now = Local(2026, 12, 7, 12, 0);  // a Monday
  auto weekdays = Schedule::Parse("0 2 * * 1-5")->GapsAhead(now);
  EXPECT_EQ(weekdays.shortest, 86400);
  EXPECT_EQ(weekdays.longest, 3 * 86400) << "Friday to Monday";
  EXPECT_EQ(weekdays.longest_after, Local(2026, 12, 11, 2, 0)) << "the first Friday's run";
  auto thirty_first = Schedule::Parse("0 0 31 * *")->GapsAhead(now);
  EXPECT_EQ(thirty_first.shortest, 31 * 86400);
  EXPECT_EQ(thirty_first.longest, 61 * 86400);
  auto every = Schedule::Parse("@every 6h")->GapsAhead(now);
  EXPECT_EQ(every.shortest, 6 * 3600);
  EXPECT_EQ(every.longest, 6 * 3600);
  auto minutely = Schedule::Parse("* * * * *")->GapsAhead(now);  // capped, still exact
  EXPECT_EQ(minutely.shortest, 60);
  EXPECT_EQ(minutely.longest, 60);
  ZoneGuard berlin("Europe/Berlin");
  auto daily = Schedule::Parse("0 0 1-31 * *")->GapsAhead(Local(2026, 12, 7, 12, 0));  // days named: a year
  EXPECT_EQ(daily.shortest, 23 * 3600) << "the spring night";
  EXPECT_EQ(daily.longest, 25 * 3600) << "the autumn night";
}

}  // namespace
}  // namespace hort
