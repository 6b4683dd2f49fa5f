// A restic-format repository: keys, config, encrypted files, the index and
// blob storage. Thread-safe: blobs may be saved and loaded concurrently.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "backend/backend.h"
#include "chunker/chunker.h"
#include "crypto/crypto.h"
#include "format/repo_files.h"
#include "format/snapshot.h"
#include "repository/background_commits.h"
#include "repository/compress.h"
#include "repository/master_index.h"
#include "repository/pack.h"
#include "repository/pack_stream.h"

namespace hort {

// The full ID among `names` (hex IDs) that `prefix` names. Errors carry
// restic's texts: `no matching ID found for prefix "x"` (kNotFound),
// `multiple IDs with prefix "x" found` plus the candidates (kInvalidArgument).
[[nodiscard]] Result<std::string> MatchIdPrefix(const std::vector<std::string>& names, const std::string& prefix);

// Repository::FindSnapshot's answer ("latest", an ID or its prefix) among
// snapshots LoadSnapshots already read: the same codes and texts, no I/O.
[[nodiscard]] Result<Snapshot> FindLoadedSnapshot(const std::vector<Snapshot>& loaded, const std::string& ref);

// When an index file is full, as current restic counts (internal/index:
// indexMaxBlobs): a backup writes one once its packs not yet in one name this
// many blobs; prune and repair split theirs at it. (restic 0.14 split at
// three times this in format 2; later releases went back to 50,000, and
// larger files cost more memory where several are decoded at once.)
inline constexpr size_t kIndexFileMaxBlobs = 50000;

struct InitOptions {
  int version = 2;
  uint64_t chunker_polynomial = 0;  // 0 = pick a random irreducible one
  crypto::ScryptParams kdf{};       // n == 0 → calibrate
  bool calibrate = true;
};

struct BlobStats {
  std::atomic<uint64_t> data_blobs{0}, tree_blobs{0};
  std::atomic<uint64_t> data_added{0};         // plaintext bytes of new blobs
  std::atomic<uint64_t> data_added_packed{0};  // stored bytes of new blobs and their header entries (restic's)
};

class Repository {
 public:
  ~Repository();

  [[nodiscard]] static Result<std::unique_ptr<Repository>> Init(std::unique_ptr<Backend> backend,
                                                                const std::string& password,
                                                                const InitOptions& options);
  // Work for the disk while the password's key is derived (both cores busy
  // for ~0.15 s): asks for what the command will read first. Only hints:
  // a listing made here is not used for anything else, since the lock is
  // taken afterwards. Runs only where range reads are cheap (local folders),
  // where a ReadAhead is a hint too: elsewhere the listing is a request and
  // a read ahead would hold packs in memory.
  using WarmUp = std::function<void(Backend&)>;
  [[nodiscard]] static Result<std::unique_ptr<Repository>> Open(std::unique_ptr<Backend> backend,
                                                                const std::string& password,
                                                                const WarmUp& warm_up = {},
                                                                const std::string& key_hint = {});

  [[nodiscard]] Backend& backend() { return *backend_; }
  // Puts wrap(backend) in the backend's place (the lock's write gate,
  // lock.h): only right after Open, before any other part holds the backend.
  void WrapBackend(const std::function<std::unique_ptr<Backend>(std::unique_ptr<Backend>)>& wrap) {
    backend_ = wrap(std::move(backend_));
  }
  [[nodiscard]] const RepoConfig& config() const { return config_; }
  [[nodiscard]] const crypto::Key& key() const { return key_; }
  [[nodiscard]] const Id& key_id() const { return key_id_; }
  [[nodiscard]] std::shared_ptr<const chunker::Tables> chunker_tables() const { return tables_; }
  void set_compression(CompressionMode mode) { compression_ = mode; }
  [[nodiscard]] CompressionMode compression() const { return compression_; }
  // The size at which a pack is closed (restic's --pack-size); a pack may end
  // larger by its last blob.
  void set_pack_size(uint64_t bytes) { pack_target_size_ = bytes; }
  // How long after its first pack a backup's index file is written even if
  // not full (restic: 10 minutes), so a long backup of few large files that
  // is cut short leaves its packs usable by the next. Set before any blob is
  // saved (it is read by the commit threads).
  void set_index_max_age(std::chrono::steady_clock::duration age) { index_max_age_ = age; }

  // Encrypted single files (snapshots, index, locks, config). v2 compresses
  // everything but the config. IDs are SHA-256 of the stored bytes.
  [[nodiscard]] Result<Id> SaveUnpacked(FileType type, std::string_view plaintext);
  // An index file, compressed as it is encoded (format 2).
  [[nodiscard]] Result<Id> SaveIndexFile(const IndexFile& idx);
  [[nodiscard]] Result<std::string> LoadUnpacked(FileType type, const std::string& name);

  [[nodiscard]] Status LoadIndex();
  [[nodiscard]] const MasterIndex& index() const { return index_; }

  // Stores a blob unless the repository already has it. Returns true if it was new.
  // `force` stores it even if indexed (prune's repack writes a new copy).
  // `stored_size`, when the blob was new, gets what it added to the packs (StoredSize).
  [[nodiscard]] Result<bool> SaveBlob(BlobType type, const Id& id, std::span<const uint8_t> plaintext,
                                      bool force = false, uint64_t* stored_size = nullptr);
  // What SaveBlob would add to the packs for this blob: its sealed (and,
  // as the repository compresses, compressed) bytes and its header entry,
  // as restic counts "stored". For a dry run, which stores nothing.
  [[nodiscard]] uint64_t StoredSize(BlobType type, std::span<const uint8_t> plaintext) const;
  [[nodiscard]] Result<std::vector<uint8_t>> LoadBlob(BlobType type, const Id& id);
  // Uploads partly filled packs and writes the index for everything saved.
  // SaveBlob stores the packs it fills in the background, so a failure of
  // theirs may surface only here (or at a later SaveBlob).
  [[nodiscard]] Status Flush();
  // Waits for the packs still being stored in the background; their
  // failure is Flush's to report. The lock calls it before it goes
  // (RepoLock), for a command that failed before Flush.
  void WaitForPackCommits() { (void)commits_.Wait(); }
  [[nodiscard]] BlobStats& stats() { return stats_; }

  // Every snapshot, oldest first. Any unreadable snapshot file fails it,
  // unless `damaged` is given: then a damaged one (kCorruption) is left out
  // and added there as (file name, what is wrong) — for reading commands;
  // prune, forget and copy must fail.
  using DamagedFiles = std::vector<std::pair<std::string, std::string>>;
  [[nodiscard]] Result<std::vector<Snapshot>> LoadSnapshots(DamagedFiles* damaged = nullptr);
  // Resolves "latest", a full ID or a unique prefix.
  [[nodiscard]] Result<Snapshot> FindSnapshot(const std::string& ref);
  // Resolves a unique prefix among files of a type.
  [[nodiscard]] Result<std::string> ResolvePrefix(FileType type, const std::string& prefix);

  [[nodiscard]] Result<std::vector<PackEntry>> LoadPackHeader(const Id& pack, uint64_t size = 0);
  // Index files written by this process since it opened the repository.
  [[nodiscard]] std::vector<Id> WrittenIndexFiles() const;

 private:
  // Whether SaveBlob compresses this blob (format 2, the mode, auto's sample).
  [[nodiscard]] bool Compresses(BlobType type, std::span<const uint8_t> plaintext) const;
  // A blob's bytes as SaveBlob stores them, before sealing (room left for IV
  // and MAC); `uncompressed` gets its length when compressed, else 0.
  [[nodiscard]] std::vector<uint8_t> Encode(BlobType type, std::span<const uint8_t> plaintext, uint32_t* uncompressed) const;
  // A pack being filled: in memory, or streamed to the backend (local
  // folders) and hashed as it grows, so a full pack never sits in memory.
  struct OpenPack {
    std::vector<uint8_t> data;            // in-memory packs
    std::unique_ptr<PackStream> stream;   // streamed packs
    uint64_t size = 0;
    std::vector<PackEntry> entries;
  };
  struct Packer {
    std::mutex mu;
    OpenPack pack;
  };

  explicit Repository(std::unique_ptr<Backend> backend)
      : backend_(std::move(backend)),
        data_packers_(static_cast<size_t>(std::clamp(backend_->DataPacksAtOnce(), 1, static_cast<int>(kMaxDataPackers)))),
        commits_(static_cast<size_t>(backend_->Connections())) {}
  [[nodiscard]] Status SetConfig(RepoConfig cfg);
  [[nodiscard]] Status AppendToPack(OpenPack& pack, BlobType type, std::vector<uint8_t> stored);
  // Stores a full pack: a streamed one on a commit thread, one held in
  // memory at once (so no more than the open packs sit in memory).
  [[nodiscard]] Status ClosePack(OpenPack pack);
  [[nodiscard]] Status FinishPack(OpenPack pack);
  [[nodiscard]] Status WriteIndex(bool final);
  // Seals a buffer laid out for SealInPlace and stores it under its hash.
  [[nodiscard]] Result<Id> SealAndSave(FileType type, std::vector<uint8_t> stored);

  std::unique_ptr<Backend> backend_;
  RepoConfig config_;
  crypto::Key key_;
  Id key_id_;
  std::shared_ptr<const chunker::Tables> tables_;
  CompressionMode compression_ = CompressionMode::kAuto;
  uint64_t pack_target_size_ = 16u << 20;  // restic's DefaultPackSize
  std::chrono::steady_clock::duration index_max_age_ = std::chrono::minutes(10);
  MasterIndex index_;
  // The packer a blob of `type` goes to: trees to theirs, data to one of
  // data_packers_, chosen by the saving thread so that two workers fill two.
  Packer& PackerFor(BlobType type);
  static constexpr size_t kMaxDataPackers = 2;
  Packer packers_[1 + kMaxDataPackers];  // [0] data, [1] tree, [2] data where two fill at once
  const size_t data_packers_;

  mutable std::mutex pending_mu_;
  std::unordered_set<Id, IdHash> pending_;  // blobs saved but not yet in the index
  std::vector<IndexPack> unwritten_index_;  // packs uploaded since the last index file
  std::chrono::steady_clock::time_point unwritten_since_;  // when the first of them was
  size_t unwritten_blobs_ = 0;  // the blobs they hold; these three under pending_mu_
  std::vector<Id> written_index_files_;
  BlobStats stats_;
  BackgroundCommits commits_;  // last: waits for its commits before the rest goes
};

[[nodiscard]] Status SaveNewKey(Backend& backend, const crypto::Key& master, const std::string& password,
                                const crypto::ScryptParams& params, Id* key_id);

}  // namespace hort
