// Reads files, cuts them into chunks and stores the chunks as blobs on a
// worker pool. Memory stays bounded: a fixed number of files and bytes are
// in flight at once.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "repository/repository.h"
#include "util/thread_pool.h"

namespace hort {

struct FileContent {
  std::vector<Id> blobs;
  uint64_t size = 0;
  uint64_t added = 0;  // bytes of new chunks (restic's "added" in -vv lines)
};

class FileSaver {
 public:
  FileSaver(Repository& repo, bool dry_run, ThreadPool& blob_pool, std::function<void(const Status&)> on_fatal);
  ~FileSaver();

  // Reads `path` (or `fd` when >= 0, which is then not closed) and calls
  // `done` once every chunk is stored. May block while too much is in flight.
  void SaveFile(const std::string& path, int fd, uint64_t size_hint, std::function<void(Result<FileContent>)> done);
  // What the tree added to the packs (restic's TreeSizeInRepo); 0 when the repository had it.
  [[nodiscard]] Result<uint64_t> SaveTree(const Id& id, const std::string& tree);
  // Waits until every file handed in has completed.
  void Drain();

  [[nodiscard]] uint64_t dry_data_blobs() const { return dry_data_blobs_; }
  [[nodiscard]] uint64_t dry_tree_blobs() const { return dry_tree_blobs_; }
  [[nodiscard]] uint64_t dry_bytes() const { return dry_bytes_; }
  [[nodiscard]] uint64_t dry_stored() const { return dry_stored_; }

 private:
  struct FileState;
  struct Chunk;
  class ReadBuffer;
  static constexpr size_t kReaders = 2;
  [[nodiscard]] std::unique_ptr<ReadBuffer> TakeLargeBuffer();
  void KeepLargeBuffer(std::unique_ptr<ReadBuffer> buf);
  void ReadFile(const std::shared_ptr<FileState>& state, int fd);
  void SubmitChunk(const std::shared_ptr<FileState>& state, std::span<const uint8_t> data);
  void SaveChunk(Chunk chunk);
  void StoreChunk(Chunk& chunk, const Id& id);
  void Finish(const std::shared_ptr<FileState>& state);
  [[nodiscard]] Result<bool> Store(BlobType type, const Id& id, std::span<const uint8_t> data,
                                   uint64_t* stored_size = nullptr);

  Repository& repo_;
  bool dry_run_;
  ThreadPool& blob_pool_;
  std::function<void(const Status&)> on_fatal_;
  Budget files_in_flight_;
  Budget bytes_in_flight_;
  WaitGroup files_;
  std::mutex dry_mu_;
  std::unordered_set<Id, IdHash> dry_seen_;
  std::atomic<uint64_t> dry_data_blobs_{0}, dry_tree_blobs_{0}, dry_bytes_{0}, dry_stored_{0};
  // Chunks are hashed two at a time (crypto::Sha256Pair): a chunk task with
  // no partner at hand waits here when another chunk task is still queued,
  // which then takes it along. `queued_chunks_` changes under `park_mu_`.
  std::mutex park_mu_;
  std::unique_ptr<Chunk> parked_;
  size_t queued_chunks_ = 0;
  std::mutex spare_mu_;
  std::vector<std::unique_ptr<ReadBuffer>> spare_large_;  // at most kReaders
  ThreadPool readers_;  // last: joined first on destruction
};

}  // namespace hort
