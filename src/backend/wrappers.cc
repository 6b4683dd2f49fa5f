// Wrappers that bound concurrency and count traffic per backend.
#include <condition_variable>
#include <mutex>

#include "backend/backend.h"

namespace hort {
namespace {

class Slot {
 public:
  explicit Slot(std::mutex& mu, std::condition_variable& cv, int& free) : mu_(mu), cv_(cv), free_(free) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return free_ > 0; });
    --free_;
  }
  ~Slot() {
    {
      std::lock_guard lock(mu_);
      ++free_;
    }
    cv_.notify_one();
  }

 private:
  std::mutex& mu_;
  std::condition_variable& cv_;
  int& free_;
};

class LimitBackend final : public Backend {
 public:
  LimitBackend(std::unique_ptr<Backend> inner, int connections)
      : inner_(std::move(inner)), free_(connections > 0 ? connections : 1), limit_(free_) {}
  std::string Location() const override { return inner_->Location(); }
  int Connections() const override { return limit_; }
  bool ListsConsistently() const override { return inner_->ListsConsistently(); }
  bool CheapRangeReads() const override { return inner_->CheapRangeReads(); }
  void Prefetch(const Handle& h, uint64_t offset, uint64_t length) override { inner_->Prefetch(h, offset, length); }
  std::unique_ptr<BackendUpload> BeginUpload(FileType t) override { return inner_->BeginUpload(t); }
  Status Create() override { return inner_->Create(); }
  Status Save(const Handle& h, std::span<const uint8_t> d) override {
    Slot s(mu_, cv_, free_);
    return inner_->Save(h, d);
  }
  Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t o, uint64_t l) override {
    Slot s(mu_, cv_, free_);
    return inner_->Load(h, o, l);
  }
  Status LoadInto(const Handle& h, uint64_t offset, std::span<uint8_t> out) override {
    Slot s(mu_, cv_, free_);
    return inner_->LoadInto(h, offset, out);
  }
  Result<uint64_t> Stat(const Handle& h) override {
    Slot s(mu_, cv_, free_);
    return inner_->Stat(h);
  }
  Status List(FileType t, const std::function<void(const std::string&, uint64_t)>& fn) override {
    Slot s(mu_, cv_, free_);
    return inner_->List(t, fn);
  }
  Status Remove(const Handle& h) override {
    Slot s(mu_, cv_, free_);
    return inner_->Remove(h);
  }

 private:
  std::unique_ptr<Backend> inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  int free_;
  int limit_;
};

class MetricsBackend final : public Backend {
 public:
  MetricsBackend(std::unique_ptr<Backend> inner, BackendMetrics* m) : inner_(std::move(inner)), m_(m) {}
  std::string Location() const override { return inner_->Location(); }
  int Connections() const override { return inner_->Connections(); }
  bool ListsConsistently() const override { return inner_->ListsConsistently(); }
  bool CheapRangeReads() const override { return inner_->CheapRangeReads(); }
  void Prefetch(const Handle& h, uint64_t offset, uint64_t length) override { inner_->Prefetch(h, offset, length); }
  Status Create() override { return Count(inner_->Create(), 0, Timer()); }
  Status Save(const Handle& h, std::span<const uint8_t> d) override {
    auto t = Timer();
    Status s = inner_->Save(h, d);
    if (s.ok()) m_->bytes_written += d.size();
    return Count(s, 0, t);
  }
  Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t o, uint64_t l) override {
    auto t = Timer();
    auto r = inner_->Load(h, o, l);
    (void)Count(r.status(), r.ok() ? r->size() : 0, t);
    return r;
  }
  Status LoadInto(const Handle& h, uint64_t offset, std::span<uint8_t> out) override {
    auto t = Timer();
    Status s = inner_->LoadInto(h, offset, out);
    return Count(s, s.ok() ? out.size() : 0, t);
  }
  Result<uint64_t> Stat(const Handle& h) override {
    auto t = Timer();
    auto r = inner_->Stat(h);
    (void)Count(r.status(), 0, t);
    return r;
  }
  Status List(FileType type, const std::function<void(const std::string&, uint64_t)>& fn) override {
    auto t = Timer();
    return Count(inner_->List(type, fn), 0, t);
  }
  Status Remove(const Handle& h) override {
    auto t = Timer();
    return Count(inner_->Remove(h), 0, t);
  }
  // A streamed file counts as one request (at its commit) and its bytes.
  std::unique_ptr<BackendUpload> BeginUpload(FileType type) override {
    auto inner = inner_->BeginUpload(type);
    if (!inner) return nullptr;
    return std::make_unique<CountedUpload>(this, std::move(inner));
  }

 private:
  class CountedUpload final : public BackendUpload {
   public:
    CountedUpload(MetricsBackend* owner, std::unique_ptr<BackendUpload> inner)
        : owner_(owner), inner_(std::move(inner)), start_(Timer()) {}
    Status Append(std::span<const uint8_t> d) override {
      Status s = inner_->Append(d);
      if (s.ok()) owner_->m_->bytes_written += d.size();
      return s;
    }
    Status Commit(const Handle& h) override { return owner_->Count(inner_->Commit(h), 0, start_); }

   private:
    MetricsBackend* owner_;
    std::unique_ptr<BackendUpload> inner_;
    std::chrono::steady_clock::time_point start_;
  };

  static std::chrono::steady_clock::time_point Timer() { return std::chrono::steady_clock::now(); }
  Status Count(Status s, uint64_t read, std::chrono::steady_clock::time_point start) {
    m_->requests++;
    m_->bytes_read += read;
    if (!s.ok() && s.code() != Code::kNotFound) m_->errors++;
    m_->latency_ns_total += static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count());
    return s;
  }
  std::unique_ptr<Backend> inner_;
  BackendMetrics* m_;
};

}  // namespace

std::unique_ptr<Backend> NewLimitBackend(std::unique_ptr<Backend> inner, int connections) {
  return std::make_unique<LimitBackend>(std::move(inner), connections);
}

std::unique_ptr<Backend> NewMetricsBackend(std::unique_ptr<Backend> inner, BackendMetrics* metrics) {
  return std::make_unique<MetricsBackend>(std::move(inner), metrics);
}

}  // namespace hort
