// For tests: a backend that passes every call to another one it does not
// own. A test derives from it to watch or change single calls; the rest
// still reaches real storage (usually NewMemBackend()).
#pragma once

#include "backend/backend.h"

namespace hort {

class ForwardingBackend : public Backend {
 public:
  explicit ForwardingBackend(Backend* target) : target_(target) {}

  std::string Location() const override { return target_->Location(); }
  bool CheapRangeReads() const override { return target_->CheapRangeReads(); }
  void Prefetch(const Handle& h, uint64_t offset, uint64_t length) override { target_->Prefetch(h, offset, length); }
  Status Create() override { return target_->Create(); }
  Status Save(const Handle& h, std::span<const uint8_t> data) override { return target_->Save(h, data); }
  Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t offset, uint64_t length) override {
    return target_->Load(h, offset, length);
  }
  Result<uint64_t> Stat(const Handle& h) override { return target_->Stat(h); }
  Status List(FileType type, const std::function<void(const std::string&, uint64_t)>& fn) override {
    return target_->List(type, fn);
  }
  Status Remove(const Handle& h) override { return target_->Remove(h); }

 protected:
  Backend* target_;
};

}  // namespace hort
