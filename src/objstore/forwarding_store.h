// The one base for store wrappers (LevelDB's EnvWrapper): it forwards every
// method to the store it wraps, so retry, limit, metrics and fault each
// override only the calls they change, and a method added to ObjectStore is
// forwarded in one place instead of being silently skipped by a wrapper.
#pragma once

#include <memory>
#include <utility>

#include "objstore/object_store.h"

namespace hort {

// The same for a streamed upload: a wrapper's upload overrides only the
// calls it changes.
class ForwardingUpload : public ObjectUpload {
 public:
  explicit ForwardingUpload(std::unique_ptr<ObjectUpload> inner) : inner_(std::move(inner)) {}
  Status Append(std::span<const uint8_t> data) override { return inner_->Append(data); }
  Status Commit(const std::string& key, const KnownSha256& sha256) override { return inner_->Commit(key, sha256); }
  bool NextAppendSends() const override { return inner_->NextAppendSends(); }

 protected:
  ObjectUpload* inner() const { return inner_.get(); }

 private:
  std::unique_ptr<ObjectUpload> inner_;
};

class ForwardingStore : public ObjectStore {
 public:
  explicit ForwardingStore(std::unique_ptr<ObjectStore> target) : target_(std::move(target)) {}

  std::string Location() const override { return target_->Location(); }
  int Connections() const override { return target_->Connections(); }
  bool ListsConsistently() const override { return target_->ListsConsistently(); }
  bool CheapRangeReads() const override { return target_->CheapRangeReads(); }
  int DataPacksAtOnce() const override { return target_->DataPacksAtOnce(); }
  bool PacksMayBeCutShort() const override { return target_->PacksMayBeCutShort(); }
  void Prefetch(const std::string& key, uint64_t offset, uint64_t length) override {
    target_->Prefetch(key, offset, length);
  }
  void ReadAhead(const std::string& key, uint64_t offset, uint64_t length) override {
    target_->ReadAhead(key, offset, length);
  }
  Status Create(std::span<const std::string> folders) override { return target_->Create(folders); }
  Status Save(const std::string& key, std::span<const uint8_t> data) override { return target_->Save(key, data); }
  std::unique_ptr<ObjectUpload> BeginUpload(const std::string& folder) override { return target_->BeginUpload(folder); }
  Status SyncUploads() override { return target_->SyncUploads(); }
  Status Remove(const std::string& key) override { return target_->Remove(key); }
  Result<std::vector<uint8_t>> Load(const std::string& key, uint64_t offset, uint64_t length) override {
    return target_->Load(key, offset, length);
  }
  Status LoadInto(const std::string& key, uint64_t offset, std::span<uint8_t> out) override {
    return target_->LoadInto(key, offset, out);
  }
  Result<uint64_t> Stat(const std::string& key) override { return target_->Stat(key); }
  Result<int64_t> ModifiedTime(const std::string& key) override { return target_->ModifiedTime(key); }
  Status List(const std::string& prefix, const ListFn& fn) override { return target_->List(prefix, fn); }
  Status ListStaged(const StagedFn& fn) override { return target_->ListStaged(fn); }
  Status RemoveStaged(const std::string& name) override { return target_->RemoveStaged(name); }

  [[nodiscard]] ObjectStore* target() const { return target_.get(); }

 private:
  std::unique_ptr<ObjectStore> target_;
};

}  // namespace hort
