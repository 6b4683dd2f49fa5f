#include "kube/rate_limiter.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace hort::kube {

RateLimiter::RateLimiter(double qps, int burst, Clock* clock)
    : qps_(qps), burst_(burst), tokens_(burst), clock_(clock ? clock : &system_) {}

double RateLimiter::Reserve() {
  std::lock_guard lock(mu_);
  const double now = clock_->Now();
  if (last_ >= 0 && now > last_) tokens_ = std::min(burst_, tokens_ + (now - last_) * qps_);
  if (last_ < 0 || now > last_) last_ = now;
  tokens_ -= 1;  // may go negative: the debt is the queue of waiting callers
  return tokens_ >= 0 ? 0.0 : -tokens_ / qps_;
}

void RateLimiter::Wait() {
  double seconds = Reserve();
  if (seconds > 0) std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

}  // namespace hort::kube
