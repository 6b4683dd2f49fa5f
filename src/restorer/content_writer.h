// The restore's data stage: every file's blobs, fetched pack by pack (each
// pack range once, however many files it feeds), opened on all cores and
// written where the plan puts them. Files are created by their first write.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "crypto/sha256_lanes.h"
#include "repository/pack_reader.h"
#include "repository/repository.h"
#include "restorer/beneath.h"
#include "restorer/restore_item.h"
#include "restorer/restorer.h"

namespace hort::restore_internal {

class ContentWriter {
 public:
  // `fail` records a failed item (it is called from the workers).
  // Every file is created and written through `root` (restorer/beneath.h).
  ContentWriter(Repository& repo, const RestoreOptions& options, ItemTree& tree, const TargetRoot& root,
                std::function<void(Item&, const Status&)> fail)
      : repo_(repo), opt_(options), tree_(tree), root_(root), fail_(std::move(fail)) {}

  // Plans every selected file's blob writes, sorted by pack and offset (no
  // file is touched): before the lock's second look, so that the data
  // stage starts at once and the first pieces can be read ahead.
  void Plan();
  // A range of a pack that one task of the data stage reads.
  struct PackPiece {
    Id pack;
    uint64_t begin = 0, end = 0;
  };
  // The ranges the first `n` tasks read, in the order the tasks start.
  [[nodiscard]] std::vector<PackPiece> FirstPieces(size_t n) const;
  // Writes the planned content of every file that has not failed since.
  void WriteFiles();
  // Creates the files no write created: empty ones, all-zero (sparse) ones
  // and ones whose data could not be read.
  void CreateUnwrittenFiles();
  // Removes the files whose content could not be restored completely
  // (reported through `fail`, so the summary never counts them).
  void RemovePartialFiles();

 private:
  // One blob written to one place in one file. The whole plan is one flat
  // vector of these, sorted by pack and offset: a blob shared by several
  // files appears once per target and is decrypted once.
  struct BlobWrite {
    uint64_t content = 0;  // index into the contents: the blob's ID
    uint64_t file_offset = 0;
    uint32_t pack = 0;  // number into the plan's pack list
    uint32_t offset = 0, length = 0, uncompressed_length = 0;
    uint32_t file = 0;  // index into the items
  };

  void RestorePack(const Id& pack, std::span<const BlobWrite> writes);
  // A regular file, not failed, and not a further link to another one.
  static bool WritesOwnContent(const Item& it);
  // The end of the task that starts at write `begin`.
  [[nodiscard]] size_t PieceEnd(size_t begin) const;
  // The range of their pack that `writes` (one pack's, sorted) read.
  static std::pair<uint64_t, uint64_t> RangeOf(std::span<const BlobWrite> writes);
  // The first write after `i` that takes another blob (writes of one blob
  // are next to each other: the plan is sorted by offset).
  static size_t NextBlob(std::span<const BlobWrite> writes, size_t i);
  // Decrypts and decompresses one blob; the caller checks its ID.
  Result<std::vector<uint8_t>> Unseal(PackReader& reader, const Status& loaded, const BlobWrite& w);
  // Writes one opened blob wherever the plan puts it.
  void WriteBlob(const Id& pack, std::span<const BlobWrite> writes, const Result<std::vector<uint8_t>>& plain,
                 DirCursor& dirs);
  // Creates the file (replacing whatever is at its path, never following
  // it) with its final size, so skipped zero blocks stay holes. Returns the
  // open descriptor: the first write uses it instead of opening the path
  // again (for the small files that are most of a tree, one open in three).
  // `sized_by_write`: the caller's write gives the file its whole size, so
  // there is no need to set it first.
  Result<int> CreateFile(Item& it, int dir, bool sized_by_write = false);
  // `last`: no other write of the file is left, so its metadata is set too.
  Status WriteAt(Item& it, const std::vector<uint8_t>& data, uint64_t offset, bool last, DirCursor& dirs);

  // Blob writes one task restores at most (from one range of one pack).
  static constexpr size_t kWritesPerTask = 512;
  static constexpr size_t kWritesPerRemoteTask = 4096;
  static constexpr size_t kCreateStripes = 64;

  Repository& repo_;
  const RestoreOptions& opt_;
  ItemTree& tree_;
  const TargetRoot& root_;
  std::function<void(Item&, const Status&)> fail_;
  std::vector<Id> packs_;  // the plan's packs, numbered by first use
  std::vector<BlobWrite> writes_;  // the plan
  std::mutex create_mu_[kCreateStripes];  // guards Item::created, striped by item
  // Blob writes still to come per item: the progress line counts a file
  // when its last one is done, not at the very end.
  std::vector<std::atomic<uint32_t>> left_;
  std::mutex& StripeOf(const Item& it) {
    return create_mu_[reinterpret_cast<uintptr_t>(&it) / sizeof(Item) % kCreateStripes];
  }
};

}  // namespace hort::restore_internal
