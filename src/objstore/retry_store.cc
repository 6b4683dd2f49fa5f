// Retry with backoff for transient failures (restic's RetryBackend).
#include <mutex>
#include <random>
#include <thread>

#include "objstore/forwarding_store.h"
#include "objstore/wrappers.h"
#include "util/log.h"

namespace hort {
namespace {

class RetryStore final : public ForwardingStore {
 public:
  RetryStore(std::unique_ptr<ObjectStore> inner, RetryPolicy policy) : ForwardingStore(std::move(inner)), policy_(policy) {}

  Status Create(std::span<const std::string> folders) override {
    return Retry("create", [&] { return target()->Create(folders); });
  }
  Status Save(const std::string& key, std::span<const uint8_t> data) override {
    // If an earlier attempt landed although its answer was lost, the object
    // there now is this one (hort names are content hashes or rewritten whole).
    int attempt = 0;
    return Retry("save " + key, [&] {
      Status s = target()->Save(key, data);
      if (++attempt > 1 && s.code() == Code::kAlreadyExists) return Status::Ok();
      return s;
    });
  }
  // S3's streamed uploads, the ones that fail transiently, leave nothing half
  // done when an Append or Commit fails (s3_upload.h), so each is retried
  // as a whole. A local folder's fail for good (never kUnavailable).
  std::unique_ptr<ObjectUpload> BeginUpload(const std::string& folder) override {
    auto inner = target()->BeginUpload(folder);
    if (!inner) return nullptr;
    return std::make_unique<RetriedUpload>(this, std::move(inner));
  }
  Status Remove(const std::string& key) override {
    return Retry("remove " + key, [&] { return target()->Remove(key); });
  }
  Result<std::vector<uint8_t>> Load(const std::string& key, uint64_t offset, uint64_t length) override {
    return RetryResult<std::vector<uint8_t>>("load " + key, [&] { return target()->Load(key, offset, length); });
  }
  // A failed attempt may have filled part of `out`; the next one overwrites it.
  Status LoadInto(const std::string& key, uint64_t offset, std::span<uint8_t> out) override {
    return Retry("load " + key, [&] { return target()->LoadInto(key, offset, out); });
  }
  Result<uint64_t> Stat(const std::string& key) override {
    return RetryResult<uint64_t>("stat " + key, [&] { return target()->Stat(key); });
  }
  Result<int64_t> ModifiedTime(const std::string& key) override {
    return RetryResult<int64_t>("stat " + key, [&] { return target()->ModifiedTime(key); });
  }
  Status List(const std::string& prefix, const ListFn& fn) override {
    // Collect first: a retried listing must not report keys twice.
    return Retry("list " + prefix, [&] {
      std::vector<std::pair<std::string, uint64_t>> found;
      Status s = target()->List(prefix, [&](const std::string& key, uint64_t size) { found.emplace_back(key, size); });
      if (s.ok()) for (const auto& [key, size] : found) fn(key, size);
      return s;
    });
  }

 private:
  class RetriedUpload final : public ForwardingUpload {
   public:
    RetriedUpload(RetryStore* owner, std::unique_ptr<ObjectUpload> inner)
        : ForwardingUpload(std::move(inner)), owner_(owner) {}
    Status Append(std::span<const uint8_t> data) override {
      return owner_->Retry("upload", [&] { return inner()->Append(data); });
    }
    Status Commit(const std::string& key, const KnownSha256& sha256) override {
      return owner_->Retry("save " + key, [&] { return inner()->Commit(key, sha256); });
    }

   private:
    RetryStore* owner_;
  };


  template <typename T, typename F>
  Result<T> RetryResult(const std::string& what, F&& attempt) {
    Result<T> out = Status(Code::kInternal, "not run");
    Status s = Retry(what, [&] {
      out = attempt();
      return out.status();
    });
    if (!s.ok()) return s;
    return out;
  }

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

  RetryPolicy policy_;
  std::mutex mu_;
  std::mt19937 rng_{std::random_device{}()};
};

}  // namespace

std::unique_ptr<ObjectStore> NewRetryStore(std::unique_ptr<ObjectStore> inner, RetryPolicy policy) {
  return std::make_unique<RetryStore>(std::move(inner), policy);
}

}  // namespace hort
