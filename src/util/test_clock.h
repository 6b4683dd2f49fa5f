// A Clock that tests set by hand, to replay a day or a year of scheduling in
// milliseconds. Atomic: the code under test reads it from worker threads.
#pragma once

#include <atomic>

#include "util/clock.h"

namespace hort {

class FakeClock : public Clock {
 public:
  double Now() override { return now.load(); }
  std::atomic<double> now{0};
};

}  // namespace hort
