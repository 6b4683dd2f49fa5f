// An in-memory store for unit tests of the layers above storage. Keys are
// kept sorted, so a prefix listing is a range of the map.
#include <map>
#include <mutex>

#include "objstore/object_store.h"

namespace hort {
namespace {

class MemStore final : public ObjectStore {
 public:
  std::string Location() const override { return "mem:"; }

  Status Create(std::span<const std::string> /*folders*/) override { return Status::Ok(); }

  Status Save(const std::string& key, std::span<const uint8_t> data) override {
    HORT_RETURN_IF_ERROR(ValidateKey(key));
    std::vector<uint8_t> copy(data.begin(), data.end());
    std::lock_guard lock(mu_);
    objects_[key] = std::move(copy);
    return Status::Ok();
  }

  Status Remove(const std::string& key) override {
    HORT_RETURN_IF_ERROR(ValidateKey(key));
    std::lock_guard lock(mu_);
    if (objects_.erase(key) == 0) return Status(Code::kNotFound, key + " not found");
    return Status::Ok();
  }

  Result<std::vector<uint8_t>> Load(const std::string& key, uint64_t offset, uint64_t length) override {
    HORT_RETURN_IF_ERROR(ValidateKey(key));
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return Status(Code::kNotFound, key + " not found");
    const auto& d = it->second;
    if (offset > d.size()) return Status(Code::kCorruption, key + ": read beyond end");
    uint64_t want = length == 0 ? d.size() - offset : length;
    if (offset + want > d.size()) return Status(Code::kCorruption, key + ": object shorter than expected");
    return std::vector<uint8_t>(d.begin() + static_cast<long>(offset), d.begin() + static_cast<long>(offset + want));
  }

  Result<uint64_t> Stat(const std::string& key) override {
    HORT_RETURN_IF_ERROR(ValidateKey(key));
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return Status(Code::kNotFound, key + " not found");
    return static_cast<uint64_t>(it->second.size());
  }

  Status List(const std::string& prefix, const ListFn& fn) override {
    HORT_RETURN_IF_ERROR(ValidatePrefix(prefix));
    std::vector<std::pair<std::string, uint64_t>> found;
    {
      std::lock_guard lock(mu_);
      for (auto it = objects_.lower_bound(prefix); it != objects_.end() && it->first.starts_with(prefix); ++it) {
        found.emplace_back(it->first, it->second.size());
      }
    }
    for (const auto& [key, size] : found) fn(key, size);  // outside the lock: fn may call back
    return Status::Ok();
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<uint8_t>> objects_;
};

}  // namespace

std::unique_ptr<ObjectStore> NewMemStore() { return std::make_unique<MemStore>(); }

}  // namespace hort
