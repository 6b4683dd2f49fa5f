#include "backend/restic_layout.h"

#include <algorithm>
#include <cstdio>

#include "util/hex.h"

namespace hort {
namespace {

// A pack streamed into the store, named by its handle at Commit.
class ResticUpload final : public BackendUpload {
 public:
  explicit ResticUpload(std::unique_ptr<ObjectUpload> inner) : inner_(std::move(inner)) {}
  Status Append(std::span<const uint8_t> data) override { return inner_->Append(data); }
  // Only packs stream, and a pack's name is the SHA-256 of its content.
  Status Commit(const Handle& h) override {
    KnownSha256 sha256;
    if (h.name.size() == 64) {
      auto bytes = HexDecode(h.name);
      if (bytes && bytes->size() == 32) std::copy(bytes->begin(), bytes->end(), sha256.emplace().begin());
    }
    return inner_->Commit(ResticKey(h), sha256);
  }
  bool NextAppendSends() const override { return inner_->NextAppendSends(); }

 private:
  std::unique_ptr<ObjectUpload> inner_;
};

class ResticBackend final : public Backend {
 public:
  explicit ResticBackend(std::unique_ptr<ObjectStore> store) : store_(std::move(store)) {}

  std::unique_ptr<ObjectStore> TakeStore() { return std::move(store_); }

  std::string Location() const override { return store_->Location(); }
  int Connections() const override { return store_->Connections(); }
  bool ListsConsistently() const override { return store_->ListsConsistently(); }
  bool CheapRangeReads() const override { return store_->CheapRangeReads(); }
  int DataPacksAtOnce() const override { return store_->DataPacksAtOnce(); }
  bool PacksMayBeCutShort() const override { return store_->PacksMayBeCutShort(); }
  void Prefetch(const Handle& h, uint64_t offset, uint64_t length) override {
    store_->Prefetch(ResticKey(h), offset, length);
  }
  void ReadAhead(const Handle& h, uint64_t offset, uint64_t length) override {
    store_->ReadAhead(ResticKey(h), offset, length);
  }
  // Only packs stream: they are the files large enough to matter.
  std::unique_ptr<BackendUpload> BeginUpload(FileType type, bool /*tree_pack*/) override {
    if (type != FileType::kPack) return nullptr;
    auto upload = store_->BeginUpload(FileTypeDir(FileType::kPack));
    if (!upload) return nullptr;
    return std::make_unique<ResticUpload>(std::move(upload));
  }

  Status Create() override {
    auto config = store_->Stat(ResticKey({FileType::kConfig, ""}));
    if (config.ok()) {
      // restic's words, which tools match: K8up runs `init` before every job and takes a line
      // holding "already initialized" as "the repository is there" (k8up restic/cli/init.go).
      return Status(Code::kAlreadyExists, IsRemoteLocation(Location()) ? "repository master key and config already initialized"
                                                                       : "config file already exists");
    }
    if (config.status().code() != Code::kNotFound) return config.status();
    return store_->Create(ResticFolders());
  }
  Status Save(const Handle& h, std::span<const uint8_t> data) override {
    HORT_RETURN_IF_ERROR(SyncUploadsBefore(h));
    return store_->Save(ResticKey(h), data);
  }
  Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t offset, uint64_t length) override {
    return store_->Load(ResticKey(h), offset, length);
  }
  Status LoadInto(const Handle& h, uint64_t offset, std::span<uint8_t> out) override {
    return store_->LoadInto(ResticKey(h), offset, out);
  }
  Result<uint64_t> Stat(const Handle& h) override { return store_->Stat(ResticKey(h)); }
  Status List(FileType type, const std::function<void(const std::string&, uint64_t)>& fn) override {
    return store_->List(ResticPrefix(type), [&](const std::string& key, uint64_t size) {
      auto h = ResticHandle(key);
      // Anything else in the folder is not restic's: another type's file,
      // or a name that is no ID (a copy "<id>.bak", a README).
      if (!h || h->type != type || !IsRepositoryFileName(type, h->name)) return;
      fn(type == FileType::kConfig ? key : h->name, size);  // the config is listed as "config"
    });
  }
  Status Remove(const Handle& h) override {
    HORT_RETURN_IF_ERROR(SyncUploadsBefore(h));
    return store_->Remove(ResticKey(h));
  }
  Status ListStaged(const StagedFn& fn) override { return store_->ListStaged(fn); }
  Status RemoveStaged(const std::string& name) override { return store_->RemoveStaged(name); }

 private:
  // An index or snapshot names packs, and a removal may rely on packs that
  // replace what it removes (prune's repack): streamed packs are made
  // durable first. A lock names nothing, so it waits for no fsync, and a
  // backup whose fsync failed still takes its lock away.
  Status SyncUploadsBefore(const Handle& h) {
    return h.type == FileType::kLock ? Status::Ok() : store_->SyncUploads();
  }

  std::unique_ptr<ObjectStore> store_;
};

}  // namespace

std::string ResticKey(const Handle& h) {
  if (h.type == FileType::kConfig) return "config";
  if (h.type == FileType::kPack) return "data/" + h.name.substr(0, 2) + "/" + h.name;
  return std::string(FileTypeDir(h.type)) + "/" + h.name;
}

std::optional<Handle> ResticHandle(std::string_view key) {
  if (key == "config") return Handle{FileType::kConfig, ""};
  auto slash = key.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view dir = key.substr(0, slash), rest = key.substr(slash + 1);
  for (FileType t : kAllFileTypes) {
    if (t == FileType::kConfig || dir != FileTypeDir(t)) continue;
    if (t == FileType::kPack) {  // data/<2 hex>/<id>
      auto sub = rest.find('/');
      if (sub == std::string_view::npos) return std::nullopt;
      rest = rest.substr(sub + 1);
    }
    if (rest.empty() || rest.find('/') != std::string_view::npos) return std::nullopt;
    return Handle{t, std::string(rest)};
  }
  return std::nullopt;
}

std::string ResticPrefix(FileType type) {
  if (type == FileType::kConfig) return "config";
  return std::string(FileTypeDir(type)) + "/";
}

const std::vector<std::string>& ResticFolders() {
  static const std::vector<std::string> folders = [] {
    std::vector<std::string> f = {"keys", "snapshots", "index", "locks", "data"};
    for (int i = 0; i < 256; ++i) {
      char sub[8];
      std::snprintf(sub, sizeof(sub), "%02x", i);
      f.push_back(std::string("data/") + sub);
    }
    return f;
  }();
  return folders;
}

std::unique_ptr<Backend> NewResticBackend(std::unique_ptr<ObjectStore> store) {
  return std::make_unique<ResticBackend>(std::move(store));
}

std::unique_ptr<ObjectStore> AsStore(std::unique_ptr<Backend> backend) {
  if (auto* layout = dynamic_cast<ResticBackend*>(backend.get())) return layout->TakeStore();
  return NewResticFilesStore(std::move(backend));
}

std::unique_ptr<Backend> NewLocalBackend(const std::string& path) { return NewResticBackend(NewLocalStore(path)); }
std::unique_ptr<Backend> NewMemBackend() { return NewResticBackend(NewMemStore()); }
std::unique_ptr<Backend> NewS3Backend(S3Config config) { return NewResticBackend(NewS3Store(std::move(config))); }

std::unique_ptr<Backend> NewRetryBackend(std::unique_ptr<Backend> inner, RetryPolicy policy) {
  return NewResticBackend(NewRetryStore(AsStore(std::move(inner)), policy));
}
std::unique_ptr<Backend> NewLimitBackend(std::unique_ptr<Backend> inner, int connections) {
  return NewResticBackend(NewLimitStore(AsStore(std::move(inner)), connections));
}
std::unique_ptr<Backend> NewMetricsBackend(std::unique_ptr<Backend> inner, BackendMetrics* metrics) {
  return NewResticBackend(NewMetricsStore(AsStore(std::move(inner)), metrics));
}
std::unique_ptr<Backend> NewFaultBackend(std::unique_ptr<Backend> inner, double rate, uint32_t seed) {
  return NewResticBackend(NewFaultStore(AsStore(std::move(inner)), rate, seed));
}

}  // namespace hort
