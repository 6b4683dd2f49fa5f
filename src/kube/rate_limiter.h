// Client-side throttling as client-go does it (a token bucket): a backup
// listing hundreds of resource types must not flood a homelab's single API
// server and its etcd. The default is the Velero server's (--client-qps 20,
// --client-burst 30), the program whose role hort's resources layer plays:
// client-go's own default (QPS 5, burst 10) made a backup of one namespace
// of 17 objects wait 6 s for its ~40 list requests.
#pragma once

#include <mutex>

#include "util/clock.h"

namespace hort::kube {

inline constexpr double kDefaultQps = 20.0;
inline constexpr int kDefaultBurst = 30;

class RateLimiter {
 public:
  // `clock` may be a FakeClock in tests; nullptr = the system clock.
  RateLimiter(double qps, int burst, Clock* clock = nullptr);

  // Takes one token and returns how long the caller must wait before using
  // it (0 when the bucket had one). Reservations queue: the eleventh caller
  // of a burst of 10 at QPS 5 waits 0.2 s, the twelfth 0.4 s.
  [[nodiscard]] double Reserve();
  // Reserve and sleep for it.
  void Wait();

 private:
  std::mutex mu_;
  double qps_;
  double burst_;
  double tokens_;
  double last_ = -1;  // last refill time; -1 = not yet
  Clock* clock_;
  SystemClock system_;
};

}  // namespace hort::kube
