// An in-memory backend for unit tests of the layers above storage.
#include <map>
#include <mutex>

#include "backend/backend.h"

namespace hort {
namespace {

class MemBackend final : public Backend {
 public:
  std::string Location() const override { return "mem:"; }
  Status Create() override {
    std::lock_guard lock(mu_);
    if (objects_.count({FileType::kConfig, ""})) return Status(Code::kAlreadyExists, "config exists");
    return Status::Ok();
  }
  Status Save(const Handle& h, std::span<const uint8_t> data) override {
    std::lock_guard lock(mu_);
    auto [it, inserted] = objects_.try_emplace({h.type, h.name}, data.begin(), data.end());
    if (!inserted) return Status(Code::kAlreadyExists, h.name + " exists");
    return Status::Ok();
  }
  Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t offset, uint64_t length) override {
    std::lock_guard lock(mu_);
    auto it = objects_.find({h.type, h.name});
    if (it == objects_.end()) return Status(Code::kNotFound, h.name + " not found");
    const auto& d = it->second;
    if (offset > d.size()) return Status(Code::kCorruption, "read beyond end");
    uint64_t want = length == 0 ? d.size() - offset : length;
    if (offset + want > d.size()) return Status(Code::kCorruption, "object shorter than expected");
    return std::vector<uint8_t>(d.begin() + static_cast<long>(offset),
                                d.begin() + static_cast<long>(offset + want));
  }
  Result<uint64_t> Stat(const Handle& h) override {
    std::lock_guard lock(mu_);
    auto it = objects_.find({h.type, h.name});
    if (it == objects_.end()) return Status(Code::kNotFound, h.name + " not found");
    return static_cast<uint64_t>(it->second.size());
  }
  Status List(FileType type, const std::function<void(const std::string&, uint64_t)>& fn) override {
    std::vector<std::pair<std::string, uint64_t>> names;
    {
      std::lock_guard lock(mu_);
      for (const auto& [key, data] : objects_) {
        if (key.first == type) names.emplace_back(key.second, data.size());
      }
    }
    for (const auto& [n, s] : names) fn(n, s);
    return Status::Ok();
  }
  Status Remove(const Handle& h) override {
    std::lock_guard lock(mu_);
    if (objects_.erase({h.type, h.name}) == 0) return Status(Code::kNotFound, h.name + " not found");
    return Status::Ok();
  }

 private:
  std::mutex mu_;
  std::map<std::pair<FileType, std::string>, std::vector<uint8_t>> objects_;
};

}  // namespace

std::unique_ptr<Backend> NewMemBackend() { return std::make_unique<MemBackend>(); }

}  // namespace hort
