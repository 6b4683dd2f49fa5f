// restic's --limit-upload/--limit-download: a token bucket per direction,
// shared by every thread, so the sum of all transfers keeps to the rate.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

#include "backend/forwarding_backend.h"

namespace hort {
namespace {

// Holds at most one second's worth of bytes (restic's burst). A caller
// takes what it moves and sleeps until the bucket would have held it; the
// balance may go negative, so large transfers pay for themselves.
class TokenBucket {
 public:
  explicit TokenBucket(uint64_t rate) : rate_(static_cast<double>(rate)), tokens_(rate_), last_(Clock::now()) {}
  [[nodiscard]] bool Limited() const { return rate_ > 0; }
  void Take(uint64_t bytes) {
    if (!Limited() || bytes == 0) return;
    std::chrono::duration<double> wait{0};
    {
      std::lock_guard lock(mu_);
      auto now = Clock::now();
      tokens_ = std::min(rate_, tokens_ + std::chrono::duration<double>(now - last_).count() * rate_);
      last_ = now;
      tokens_ -= static_cast<double>(bytes);
      if (tokens_ < 0) wait = std::chrono::duration<double>(-tokens_ / rate_);
    }
    if (wait.count() > 0) std::this_thread::sleep_for(wait);
  }

 private:
  using Clock = std::chrono::steady_clock;
  std::mutex mu_;
  const double rate_;
  double tokens_;
  Clock::time_point last_;
};

class LimitedUpload final : public BackendUpload {
 public:
  LimitedUpload(std::unique_ptr<BackendUpload> inner, TokenBucket* bucket) : inner_(std::move(inner)), bucket_(bucket) {}
  Status Append(std::span<const uint8_t> data) override {
    bucket_->Take(data.size());
    return inner_->Append(data);
  }
  Status Commit(const Handle& h) override { return inner_->Commit(h); }
  bool NextAppendSends() const override { return inner_->NextAppendSends(); }

 private:
  std::unique_ptr<BackendUpload> inner_;
  TokenBucket* bucket_;
};

class RateLimitBackend final : public ForwardingBackend {
 public:
  RateLimitBackend(std::unique_ptr<Backend> inner, uint64_t upload, uint64_t download)
      : ForwardingBackend(std::move(inner)), up_(upload), down_(download) {}

  std::unique_ptr<BackendUpload> BeginUpload(FileType type, bool tree_pack) override {
    auto upload = ForwardingBackend::BeginUpload(type, tree_pack);
    if (!upload || !up_.Limited()) return upload;
    return std::make_unique<LimitedUpload>(std::move(upload), &up_);
  }
  Status Save(const Handle& h, std::span<const uint8_t> data) override {
    up_.Take(data.size());
    return ForwardingBackend::Save(h, data);
  }
  Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t offset, uint64_t length) override {
    auto r = ForwardingBackend::Load(h, offset, length);
    if (r.ok()) down_.Take(r->size());
    return r;
  }
  Status LoadInto(const Handle& h, uint64_t offset, std::span<uint8_t> out) override {
    Status s = ForwardingBackend::LoadInto(h, offset, out);
    if (s.ok()) down_.Take(out.size());
    return s;
  }
  Result<std::vector<uint8_t>> LoadCached(const Handle& h, uint64_t offset, uint64_t length) override {
    auto r = ForwardingBackend::LoadCached(h, offset, length);
    if (r.ok()) down_.Take(r->size());
    return r;
  }

 private:
  TokenBucket up_, down_;
};

}  // namespace

std::unique_ptr<Backend> NewRateLimitBackend(std::unique_ptr<Backend> inner, uint64_t upload, uint64_t download) {
  return std::make_unique<RateLimitBackend>(std::move(inner), upload, download);
}

}  // namespace hort
