// Files stored whole, each sealed on its own, rather than as blobs in packs:
// snapshots, index files, locks, the config; and the index loaded from its
// files. Once per file, never per blob.
#include "repository/repository.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "util/hex.h"
#include "util/parallel.h"

namespace hort {

Result<Id> Repository::SaveUnpacked(FileType type, std::string_view plaintext) {
  std::vector<uint8_t> stored;
  if (config_.version >= 2 && type != FileType::kConfig) {
    // Compressed after room for the IV and the version byte, sealed in place.
    stored = ZstdCompress(AsBytes(plaintext), CompressionMode::kAuto, crypto::kIvSize + 1, crypto::kMacSize);
    stored[crypto::kIvSize] = 2;
  } else {
    stored = CopyWithRoom(AsBytes(plaintext), crypto::kIvSize, crypto::kMacSize);
  }
  return SealAndSave(type, std::move(stored));
}

Result<Id> Repository::SaveIndexFile(const IndexFile& idx) {
  if (config_.version < 2) return SaveUnpacked(FileType::kIndex, EncodeIndex(idx));
  // The JSON of 50,000 blobs is ~7 MB; compressed pack by pack it is never
  // held whole (with its compression bound it was a backup's largest transient).
  ZstdStream z(crypto::kIvSize + 1);
  EncodeIndexPieces(idx, [&](std::string_view piece) { z.Append(AsBytes(piece)); });
  std::vector<uint8_t> stored = z.Finish(crypto::kMacSize);
  stored[crypto::kIvSize] = 2;
  return SealAndSave(FileType::kIndex, std::move(stored));
}

Result<Id> Repository::SealAndSave(FileType type, std::vector<uint8_t> stored) {
  key_.SealInPlace(&stored);
  Id id = Id::Hash(stored);
  HORT_RETURN_IF_ERROR(backend_->Save({type, id.Hex()}, stored));
  return id;
}

Result<std::string> Repository::LoadUnpacked(FileType type, const std::string& name) {
  HORT_ASSIGN_OR_RETURN(auto stored, backend_->Load({type, name}));
  if (type != FileType::kConfig && Id::Hash(stored).Hex() != name) {
    return Status(Code::kCorruption, std::string(FileTypeDir(type)) + "/" + name + ": content does not match its name");
  }
  std::vector<uint8_t> plain;
  HORT_RETURN_IF_ERROR(key_.DecryptInto(stored, &plain).Annotate(std::string(FileTypeDir(type)) + "/" + name));
  if (!plain.empty() && plain[0] == 2) {
    HORT_ASSIGN_OR_RETURN(auto d, ZstdDecompress(std::span<const uint8_t>(plain).subspan(1)));
    return std::string(AsChars(d));
  }
  return std::string(AsChars(plain));
}

Status Repository::LoadIndex() {
  std::vector<std::string> names;
  HORT_RETURN_IF_ERROR(backend_->List(FileType::kIndex, [&](const std::string& n, uint64_t) { names.push_back(n); }));
  // A second load (a job's retention after its backup, prune's own) reads
  // what the repository holds now: entries of packs another process's prune
  // deleted meanwhile would otherwise stay, first in line, pointing nowhere.
  index_.Clear();
  // Each file is fetched, decrypted, decompressed and decoded on its own
  // thread (restic repositories written over years hold hundreds of them);
  // MasterIndex::AddPack takes its own lock.
  std::atomic<size_t> next{0};
  std::mutex error_mu;
  Status first_error;
  auto load = [&] {
    for (size_t i = next++; i < names.size(); i = next++) {
      Status s = [&]() -> Status {
        HORT_ASSIGN_OR_RETURN(std::string text, LoadUnpacked(FileType::kIndex, names[i]));
        auto idx = DecodeIndex(text);
        if (!idx.ok()) return idx.status().Annotate("index/" + names[i]);
        for (const IndexPack& p : idx->packs) index_.AddPack(p.id, p.blobs);
        return Status::Ok();
      }();
      if (!s.ok()) {
        std::lock_guard lock(error_mu);
        if (first_error.ok()) first_error = s;
        next = names.size();
      }
    }
  };
  const auto threads =
      static_cast<unsigned>(std::min<size_t>(names.size(), std::clamp(std::thread::hardware_concurrency(), 1u, 8u)));
  RunParallel(threads, [&](unsigned) { load(); });
  // One damaged index file stops every command that needs the index, also
  // for snapshots it does not describe: say what mends it (issue #25).
  if (first_error.code() == Code::kCorruption) {
    return Status(Code::kCorruption, first_error.message() + "; `hort repair index` rebuilds the index from the packs");
  }
  return first_error;
}

}  // namespace hort
