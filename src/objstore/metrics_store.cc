// Counts every request that reaches a store (retries included, as the
// wrapper sits below the retrying one): requests, bytes, errors, latency.
#include "objstore/forwarding_store.h"
#include "objstore/wrappers.h"

namespace hort {
namespace {

using Clock = std::chrono::steady_clock;

class MetricsStore final : public ForwardingStore {
 public:
  MetricsStore(std::unique_ptr<ObjectStore> inner, StoreMetrics* m) : ForwardingStore(std::move(inner)), m_(m) {}

  Status Create(std::span<const std::string> folders) override {
    auto start = Clock::now();
    return Count(ForwardingStore::Create(folders), 0, start);
  }
  Status Save(const std::string& key, std::span<const uint8_t> data) override {
    auto start = Clock::now();
    Status s = ForwardingStore::Save(key, data);
    if (s.ok()) m_->bytes_written += data.size();
    return Count(s, 0, start);
  }
  // A streamed object counts as one request (at its commit) and its bytes.
  std::unique_ptr<ObjectUpload> BeginUpload(const std::string& folder) override {
    auto inner = ForwardingStore::BeginUpload(folder);
    if (!inner) return nullptr;
    return std::make_unique<CountedUpload>(this, std::move(inner));
  }
  Status Remove(const std::string& key) override {
    auto start = Clock::now();
    return Count(ForwardingStore::Remove(key), 0, start);
  }
  Result<std::vector<uint8_t>> Load(const std::string& key, uint64_t offset, uint64_t length) override {
    auto start = Clock::now();
    auto r = ForwardingStore::Load(key, offset, length);
    (void)Count(r.status(), r.ok() ? r->size() : 0, start);
    return r;
  }
  Status LoadInto(const std::string& key, uint64_t offset, std::span<uint8_t> out) override {
    auto start = Clock::now();
    Status s = ForwardingStore::LoadInto(key, offset, out);
    return Count(s, s.ok() ? out.size() : 0, start);
  }
  Result<uint64_t> Stat(const std::string& key) override {
    auto start = Clock::now();
    auto r = ForwardingStore::Stat(key);
    (void)Count(r.status(), 0, start);
    return r;
  }
  Status List(const std::string& prefix, const ListFn& fn) override {
    auto start = Clock::now();
    return Count(ForwardingStore::List(prefix, fn), 0, start);
  }

 private:
  class CountedUpload final : public ForwardingUpload {
   public:
    CountedUpload(MetricsStore* owner, std::unique_ptr<ObjectUpload> inner)
        : ForwardingUpload(std::move(inner)), owner_(owner), start_(Clock::now()) {}
    Status Append(std::span<const uint8_t> data) override {
      Status s = inner()->Append(data);
      if (s.ok()) owner_->m_->bytes_written += data.size();
      return s;
    }
    Status Commit(const std::string& key, const KnownSha256& sha256) override {
      return owner_->Count(inner()->Commit(key, sha256), 0, start_);
    }

   private:
    MetricsStore* owner_;
    Clock::time_point start_;
  };

  Status Count(Status s, uint64_t read, Clock::time_point start) {
    m_->requests++;
    m_->bytes_read += read;
    if (!s.ok() && s.code() != Code::kNotFound) m_->errors++;  // not-found is an answer
    m_->latency_ns_total +=
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
    return s;
  }

  StoreMetrics* m_;
};

}  // namespace

std::unique_ptr<ObjectStore> NewMetricsStore(std::unique_ptr<ObjectStore> inner, StoreMetrics* metrics) {
  return std::make_unique<MetricsStore>(std::move(inner), metrics);
}

}  // namespace hort
