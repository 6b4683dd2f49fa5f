// When jobs run: 5-field cron ("30 2 * * 1-5"), the shorthands @hourly,
// @daily (= @midnight), @weekly, @monthly, @yearly (= @annually), fixed
// intervals ("@every 6h", aligned to the Unix epoch so a restart does not
// shift them), and K8up's randomised @hourly-random … @yearly-random.
//
// Cron times are evaluated in the process's local time zone (TZ; the daemon
// sets it from the catalog's `timezone`). A time skipped by a DST change
// does not run; a time repeated by one runs once.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>

#include "util/status.h"

namespace hort {

class Schedule {
 public:
  // `random_seed` feeds the *-random forms; K8up uses "<namespace>/<schedule>@<jobType>".
  [[nodiscard]] static Result<Schedule> Parse(const std::string& text, const std::string& random_seed = "");

  // The first run time strictly after `after` (Unix seconds).
  [[nodiscard]] int64_t Next(int64_t after) const;
  // The cron expression actually used (randomised forms resolved), or "@every Ns".
  [[nodiscard]] const std::string& effective() const { return effective_; }
  [[nodiscard]] const std::string& text() const { return text_; }
  // The usual gap between runs, for "expected interval" metrics.
  [[nodiscard]] int64_t TypicalInterval(int64_t now) const;
  // The shortest and the longest gap between two runs after `now` (a weekday
  // schedule's weekend, "0 0 31 * *"'s two months), with the run that starts
  // the longest; all 0 for a schedule that never runs. Over the next year, or
  // the next 8 days when no day of the month or month is named (the runs
  // repeat weekly then, daylight-saving nights aside). At most 20000 runs
  // are walked: "* * 1-15 * *" is judged by its first two weeks.
  struct Gaps {
    int64_t shortest = 0, longest = 0, longest_after = 0;
  };
  [[nodiscard]] Gaps GapsAhead(int64_t now) const;

 private:
  [[nodiscard]] bool MatchesDay(int mday, int month, int wday) const;

  std::string text_, effective_;
  int64_t every_ = 0;  // > 0: fixed interval in seconds
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> mdays_;   // 1..31
  std::bitset<13> months_;  // 1..12
  std::bitset<7> wdays_;    // 0 = Sunday
  bool mday_star_ = false, wday_star_ = false;
};

// K8up's randomiser: the cron line it stores for "@daily-random" etc. under `seed`.
[[nodiscard]] Result<std::string> K8upRandomSchedule(const std::string& shorthand, const std::string& seed);

}  // namespace hort
