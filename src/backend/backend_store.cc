// A restic backend seen as an object store through restic's key mapping, so
// the store wrappers also serve backends that speak restic's types
// themselves (REST) and test doubles.
#include "backend/restic_layout.h"

namespace hort {
namespace {

class ResticFilesStore final : public ObjectStore {
 public:
  explicit ResticFilesStore(std::unique_ptr<Backend> backend) : backend_(std::move(backend)) {}

  std::string Location() const override { return backend_->Location(); }
  int Connections() const override { return backend_->Connections(); }
  bool ListsConsistently() const override { return backend_->ListsConsistently(); }
  bool CheapRangeReads() const override { return backend_->CheapRangeReads(); }
  int DataPacksAtOnce() const override { return backend_->DataPacksAtOnce(); }
  bool PacksMayBeCutShort() const override { return backend_->PacksMayBeCutShort(); }
  void Prefetch(const std::string& key, uint64_t offset, uint64_t length) override {
    if (auto h = ResticHandle(key)) backend_->Prefetch(*h, offset, length);
  }
  void ReadAhead(const std::string& key, uint64_t offset, uint64_t length) override {
    if (auto h = ResticHandle(key)) backend_->ReadAhead(*h, offset, length);
  }
  Status Create(std::span<const std::string> /*folders*/) override { return backend_->Create(); }
  Status Save(const std::string& key, std::span<const uint8_t> data) override {
    HORT_ASSIGN_OR_RETURN(Handle h, HandleOf(key));
    return backend_->Save(h, data);
  }
  Status Remove(const std::string& key) override {
    HORT_ASSIGN_OR_RETURN(Handle h, HandleOf(key));
    return backend_->Remove(h);
  }
  Result<std::vector<uint8_t>> Load(const std::string& key, uint64_t offset, uint64_t length) override {
    HORT_ASSIGN_OR_RETURN(Handle h, HandleOf(key));
    return backend_->Load(h, offset, length);
  }
  Status LoadInto(const std::string& key, uint64_t offset, std::span<uint8_t> out) override {
    HORT_ASSIGN_OR_RETURN(Handle h, HandleOf(key));
    return backend_->LoadInto(h, offset, out);
  }
  Result<uint64_t> Stat(const std::string& key) override {
    HORT_ASSIGN_OR_RETURN(Handle h, HandleOf(key));
    return backend_->Stat(h);
  }
  // Lists every type whose keys can start with `prefix`.
  Status List(const std::string& prefix, const ListFn& fn) override {
    for (FileType type : kAllFileTypes) {
      const std::string below = ResticPrefix(type);
      if (!below.starts_with(prefix) && !prefix.starts_with(below)) continue;
      HORT_RETURN_IF_ERROR(backend_->List(type, [&](const std::string& name, uint64_t size) {
        std::string key = ResticKey({type, name});
        if (key.starts_with(prefix)) fn(key, size);
      }));
    }
    return Status::Ok();
  }
  Status ListStaged(const StagedFn& fn) override { return backend_->ListStaged(fn); }
  Status RemoveStaged(const std::string& name) override { return backend_->RemoveStaged(name); }

 private:
  static Result<Handle> HandleOf(const std::string& key) {
    auto h = ResticHandle(key);
    if (!h) return Status(Code::kInvalidArgument, "\"" + key + "\" is not a file of restic's repository layout");
    return std::move(*h);
  }

  std::unique_ptr<Backend> backend_;
};

}  // namespace

std::unique_ptr<ObjectStore> NewResticFilesStore(std::unique_ptr<Backend> backend) {
  return std::make_unique<ResticFilesStore>(std::move(backend));
}

}  // namespace hort
