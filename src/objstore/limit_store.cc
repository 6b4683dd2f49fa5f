// Bounds how many requests reach a store at once.
#include <condition_variable>
#include <mutex>
#include <optional>

#include "objstore/forwarding_store.h"
#include "objstore/wrappers.h"

namespace hort {
namespace {

class LimitStore final : public ForwardingStore {
 public:
  LimitStore(std::unique_ptr<ObjectStore> inner, int connections)
      : ForwardingStore(std::move(inner)), free_(connections > 0 ? connections : 1), limit_(free_) {}

  int Connections() const override { return limit_; }
  Status Save(const std::string& key, std::span<const uint8_t> data) override {
    Slot slot(this);
    return ForwardingStore::Save(key, data);
  }
  // A streamed upload's calls each hold a place: an Append that sends a part
  // is a request like any other.
  std::unique_ptr<ObjectUpload> BeginUpload(const std::string& folder) override {
    auto inner = ForwardingStore::BeginUpload(folder);
    if (!inner) return nullptr;
    return std::make_unique<LimitedUpload>(this, std::move(inner));
  }
  Status Remove(const std::string& key) override {
    Slot slot(this);
    return ForwardingStore::Remove(key);
  }
  Result<std::vector<uint8_t>> Load(const std::string& key, uint64_t offset, uint64_t length) override {
    Slot slot(this);
    return ForwardingStore::Load(key, offset, length);
  }
  Status LoadInto(const std::string& key, uint64_t offset, std::span<uint8_t> out) override {
    Slot slot(this);
    return ForwardingStore::LoadInto(key, offset, out);
  }
  Result<uint64_t> Stat(const std::string& key) override {
    Slot slot(this);
    return ForwardingStore::Stat(key);
  }
  Status List(const std::string& prefix, const ListFn& fn) override {
    Slot slot(this);
    return ForwardingStore::List(prefix, fn);
  }

 private:
  // Holds one of the `limit_` places for the duration of a call.
  class Slot {
   public:
    explicit Slot(LimitStore* owner) : owner_(owner) {
      std::unique_lock lock(owner_->mu_);
      owner_->cv_.wait(lock, [&] { return owner_->free_ > 0; });
      --owner_->free_;
    }
    ~Slot() {
      {
        std::lock_guard lock(owner_->mu_);
        ++owner_->free_;
      }
      owner_->cv_.notify_one();
    }

   private:
    LimitStore* owner_;
  };

  class LimitedUpload final : public ForwardingUpload {
   public:
    LimitedUpload(LimitStore* owner, std::unique_ptr<ObjectUpload> inner)
        : ForwardingUpload(std::move(inner)), owner_(owner) {}
    Status Append(std::span<const uint8_t> data) override {
      std::optional<Slot> slot;
      if (inner()->NextAppendSends()) slot.emplace(owner_);
      return inner()->Append(data);
    }
    Status Commit(const std::string& key, const KnownSha256& sha256) override {
      Slot slot(owner_);
      return inner()->Commit(key, sha256);
    }

   private:
    LimitStore* owner_;
  };


  std::mutex mu_;
  std::condition_variable cv_;
  int free_;
  const int limit_;
};

}  // namespace

std::unique_ptr<ObjectStore> NewLimitStore(std::unique_ptr<ObjectStore> inner, int connections) {
  return std::make_unique<LimitStore>(std::move(inner), connections);
}

}  // namespace hort
