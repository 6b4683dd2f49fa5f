// Where "now" comes from for code that waits for or compares against wall
// time (the scheduler, restore-test due dates, the status page): tests pass
// a fake clock and replay a day or a year in milliseconds.
#pragma once

#include "util/timer.h"

namespace hort {

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual double Now() = 0;  // Unix seconds
};

class SystemClock : public Clock {
 public:
  double Now() override { return UnixNow(); }
};

}  // namespace hort
