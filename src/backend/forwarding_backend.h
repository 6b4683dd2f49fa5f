// The one base for backend-level wrappers (LevelDB's EnvWrapper): it
// forwards every method to another backend, so the local cache and test
// doubles override only the calls they change. Wrappers that do not need
// restic's types (retry, limit, metrics, fault) live one level down, on
// objstore's ForwardingStore.
#pragma once

#include <memory>

#include "backend/backend.h"

namespace hort {

class ForwardingBackend : public Backend {
 public:
  // Forwards to `target`, which must outlive this backend.
  explicit ForwardingBackend(Backend* target) : target_(target) {}
  // Forwards to `target` and owns it.
  explicit ForwardingBackend(std::unique_ptr<Backend> target) : target_(target.get()), owned_(std::move(target)) {}

  std::string Location() const override { return target_->Location(); }
  int Connections() const override { return target_->Connections(); }
  bool ListsConsistently() const override { return target_->ListsConsistently(); }
  bool CheapRangeReads() const override { return target_->CheapRangeReads(); }
  int DataPacksAtOnce() const override { return target_->DataPacksAtOnce(); }
  bool PacksMayBeCutShort() const override { return target_->PacksMayBeCutShort(); }
  void Prefetch(const Handle& h, uint64_t offset, uint64_t length) override { target_->Prefetch(h, offset, length); }
  void ReadAhead(const Handle& h, uint64_t offset, uint64_t length) override { target_->ReadAhead(h, offset, length); }
  std::unique_ptr<BackendUpload> BeginUpload(FileType type, bool tree_pack) override {
    return target_->BeginUpload(type, tree_pack);
  }
  Status Create() override { return target_->Create(); }
  Status Save(const Handle& h, std::span<const uint8_t> data) override { return target_->Save(h, data); }
  Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t offset, uint64_t length) override {
    return target_->Load(h, offset, length);
  }
  Status LoadInto(const Handle& h, uint64_t offset, std::span<uint8_t> out) override {
    return target_->LoadInto(h, offset, out);
  }
  Result<std::vector<uint8_t>> LoadCached(const Handle& h, uint64_t offset, uint64_t length) override {
    return target_->LoadCached(h, offset, length);
  }
  Result<uint64_t> Stat(const Handle& h) override { return target_->Stat(h); }
  Status List(FileType type, const std::function<void(const std::string&, uint64_t)>& fn) override {
    return target_->List(type, fn);
  }
  Status Remove(const Handle& h) override { return target_->Remove(h); }
  Status ListStaged(const StagedFn& fn) override { return target_->ListStaged(fn); }
  Status RemoveStaged(const std::string& name) override { return target_->RemoveStaged(name); }

 protected:
  Backend* target_;  // tests may point it elsewhere after construction

 private:
  std::unique_ptr<Backend> owned_;
};

}  // namespace hort
