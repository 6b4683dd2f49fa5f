// Wrappers: retry with backoff for transient failures, and fault injection for tests.
#include <mutex>
#include <random>
#include <thread>

#include "backend/backend.h"
#include "util/log.h"

namespace hort {
namespace {

class RetryBackend final : public Backend {
 public:
  RetryBackend(std::unique_ptr<Backend> inner, RetryPolicy policy) : inner_(std::move(inner)), policy_(policy) {}

  std::string Location() const override { return inner_->Location(); }
  int Connections() const override { return inner_->Connections(); }
  bool ListsConsistently() const override { return inner_->ListsConsistently(); }
  bool CheapRangeReads() const override { return inner_->CheapRangeReads(); }
  void Prefetch(const Handle& h, uint64_t offset, uint64_t length) override { inner_->Prefetch(h, offset, length); }
  std::unique_ptr<BackendUpload> BeginUpload(FileType t) override { return inner_->BeginUpload(t); }
  Status Create() override { return Retry("create", [&] { return inner_->Create(); }); }
  Status Save(const Handle& h, std::span<const uint8_t> data) override {
    // Names are content hashes: if an earlier attempt landed although its
    // answer was lost, the object that is there now is the same object.
    int attempt = 0;
    return Retry("save " + h.name, [&] {
      Status s = inner_->Save(h, data);
      if (++attempt > 1 && s.code() == Code::kAlreadyExists) return Status::Ok();
      return s;
    });
  }
  Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t offset, uint64_t length) override {
    Result<std::vector<uint8_t>> out = Status(Code::kInternal, "not run");
    Status s = Retry("load " + h.name, [&] {
      out = inner_->Load(h, offset, length);
      return out.status();
    });
    if (!s.ok()) return s;
    return out;
  }
  Result<std::vector<uint8_t>> LoadCached(const Handle& h, uint64_t offset, uint64_t length) override {
    return Load(h, offset, length);
  }
  Result<uint64_t> Stat(const Handle& h) override {
    Result<uint64_t> out = Status(Code::kInternal, "not run");
    Status s = Retry("stat " + h.name, [&] {
      out = inner_->Stat(h);
      return out.status();
    });
    if (!s.ok()) return s;
    return out;
  }
  Status List(FileType type, const std::function<void(const std::string&, uint64_t)>& fn) override {
    // Collect first: a retried listing must not report names twice.
    return Retry(std::string("list ") + FileTypeDir(type), [&] {
      std::vector<std::pair<std::string, uint64_t>> names;
      Status s = inner_->List(type, [&](const std::string& n, uint64_t size) { names.emplace_back(n, size); });
      if (s.ok()) for (const auto& [n, size] : names) fn(n, size);
      return s;
    });
  }
  Status Remove(const Handle& h) override {
    Status s = Retry("remove " + h.name, [&] { return inner_->Remove(h); });
    return s;
  }

 private:
  template <typename F>
  Status Retry(const std::string& what, F&& attempt) {
    auto start = std::chrono::steady_clock::now();
    auto delay = policy_.first_delay;
    for (int n = 1;; ++n) {
      Status s = attempt();
      if (s.ok() || s.code() != Code::kUnavailable) return s;
      auto elapsed = std::chrono::steady_clock::now() - start;
      if (n >= policy_.max_attempts || elapsed + delay > policy_.max_total) {
        return s.Annotate("giving up after " + std::to_string(n) + " attempts");
      }
      LogWarning(what + " failed (" + s.message() + "), retrying in " + std::to_string(delay.count()) + " ms");
      std::this_thread::sleep_for(Jitter(delay));
      delay = std::min(delay * 2, policy_.max_delay);
    }
  }

  std::chrono::milliseconds Jitter(std::chrono::milliseconds d) {
    std::lock_guard lock(mu_);
    std::uniform_int_distribution<long> dist(d.count() / 2, d.count());
    return std::chrono::milliseconds(dist(rng_));
  }

  std::unique_ptr<Backend> inner_;
  RetryPolicy policy_;
  std::mutex mu_;
  std::mt19937 rng_{std::random_device{}()};
};

class FaultBackend final : public Backend {
 public:
  FaultBackend(std::unique_ptr<Backend> inner, double rate, uint32_t seed) : inner_(std::move(inner)), rate_(rate), rng_(seed) {}
  std::string Location() const override { return inner_->Location(); }
  Status Create() override { return inner_->Create(); }
  Status Save(const Handle& h, std::span<const uint8_t> data) override {
    if (Fault()) return Status(Code::kUnavailable, "injected fault before save");
    Status s = inner_->Save(h, data);
    // The object landed but the answer got lost: the caller must cope with retrying.
    if (s.ok() && Fault()) return Status(Code::kUnavailable, "injected fault after save");
    return s;
  }
  Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t o, uint64_t l) override {
    if (Fault()) return Status(Code::kUnavailable, "injected fault on load");
    return inner_->Load(h, o, l);
  }
  Result<uint64_t> Stat(const Handle& h) override {
    if (Fault()) return Status(Code::kUnavailable, "injected fault on stat");
    return inner_->Stat(h);
  }
  Status List(FileType t, const std::function<void(const std::string&, uint64_t)>& fn) override {
    if (Fault()) return Status(Code::kUnavailable, "injected fault on list");
    return inner_->List(t, fn);
  }
  Status Remove(const Handle& h) override {
    if (Fault()) return Status(Code::kUnavailable, "injected fault on remove");
    return inner_->Remove(h);
  }

 private:
  bool Fault() {
    std::lock_guard lock(mu_);
    return std::uniform_real_distribution<double>(0, 1)(rng_) < rate_;
  }
  std::unique_ptr<Backend> inner_;
  double rate_;
  std::mutex mu_;
  std::mt19937 rng_;
};

}  // namespace

std::unique_ptr<Backend> NewRetryBackend(std::unique_ptr<Backend> inner, RetryPolicy policy) {
  return std::make_unique<RetryBackend>(std::move(inner), policy);
}

std::unique_ptr<Backend> NewFaultBackend(std::unique_ptr<Backend> inner, double rate, uint32_t seed) {
  return std::make_unique<FaultBackend>(std::move(inner), rate, seed);
}

}  // namespace hort
