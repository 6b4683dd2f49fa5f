// Fault injection for tests: transient failures at a given rate, including
// the nasty kind where a save lands but its answer is lost.
#include <mutex>
#include <random>

#include "objstore/forwarding_store.h"
#include "objstore/wrappers.h"

namespace hort {
namespace {

class FaultStore final : public ForwardingStore {
 public:
  FaultStore(std::unique_ptr<ObjectStore> inner, double rate, uint32_t seed)
      : ForwardingStore(std::move(inner)), rate_(rate), rng_(seed) {}

  Status Save(const std::string& key, std::span<const uint8_t> data) override {
    if (Fault()) return Status(Code::kUnavailable, "injected fault before save");
    Status s = ForwardingStore::Save(key, data);
    // The object landed but the answer got lost: the caller must cope with retrying.
    if (s.ok() && Fault()) return Status(Code::kUnavailable, "injected fault after save");
    return s;
  }
  Result<std::vector<uint8_t>> Load(const std::string& key, uint64_t offset, uint64_t length) override {
    if (Fault()) return Status(Code::kUnavailable, "injected fault on load");
    return ForwardingStore::Load(key, offset, length);
  }
  Status LoadInto(const std::string& key, uint64_t offset, std::span<uint8_t> out) override {
    if (Fault()) return Status(Code::kUnavailable, "injected fault on load");
    return ForwardingStore::LoadInto(key, offset, out);
  }
  Result<uint64_t> Stat(const std::string& key) override {
    if (Fault()) return Status(Code::kUnavailable, "injected fault on stat");
    return ForwardingStore::Stat(key);
  }
  Status List(const std::string& prefix, const ListFn& fn) override {
    if (Fault()) return Status(Code::kUnavailable, "injected fault on list");
    return ForwardingStore::List(prefix, fn);
  }
  std::unique_ptr<ObjectUpload> BeginUpload(const std::string& folder) override {
    auto inner = ForwardingStore::BeginUpload(folder);
    if (!inner) return nullptr;
    return std::make_unique<FaultyUpload>(this, std::move(inner));
  }
  Status Remove(const std::string& key) override {
    if (Fault()) return Status(Code::kUnavailable, "injected fault on remove");
    return ForwardingStore::Remove(key);
  }

 private:
  // Faults before a call, and after a commit that landed (the lost answer).
  class FaultyUpload final : public ForwardingUpload {
   public:
    FaultyUpload(FaultStore* owner, std::unique_ptr<ObjectUpload> inner)
        : ForwardingUpload(std::move(inner)), owner_(owner) {}
    Status Append(std::span<const uint8_t> data) override {
      if (owner_->Fault()) return Status(Code::kUnavailable, "injected fault before append");
      return inner()->Append(data);
    }
    Status Commit(const std::string& key, const KnownSha256& sha256) override {
      if (owner_->Fault()) return Status(Code::kUnavailable, "injected fault before commit");
      Status s = inner()->Commit(key, sha256);
      if (s.ok() && owner_->Fault()) return Status(Code::kUnavailable, "injected fault after commit");
      return s;
    }

   private:
    FaultStore* owner_;
  };


  bool Fault() {
    std::lock_guard lock(mu_);
    return std::uniform_real_distribution<double>(0, 1)(rng_) < rate_;
  }
  double rate_;
  std::mutex mu_;
  std::mt19937 rng_;
};

}  // namespace

std::unique_ptr<ObjectStore> NewFaultStore(std::unique_ptr<ObjectStore> inner, double rate, uint32_t seed) {
  return std::make_unique<FaultStore>(std::move(inner), rate, seed);
}

}  // namespace hort
