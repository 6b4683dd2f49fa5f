// A streamed S3 upload (ObjectStore::BeginUpload). An object's name is
// known only at Commit (a pack is named by the hash of all its bytes), and
// S3 fixes a multipart upload's key when it starts, so:
//  - an object no larger than one part is held and sent as one PUT under its
//    final key at Commit (a pack of the default size: no extra requests);
//  - a larger one is sent part by part to a staging key under
//    `.hort-staging/` while it is still being written, completed there, and
//    copied server-side to its key at Commit; the staging object is then
//    removed.
// At most one part is held per upload, and the uploads of one store share a
// budget of parts (S3Config::connections, at least 3), so a backup holds a
// bounded number of parts whatever the pack size or the number of workers.
// A failed Append or Commit changes nothing it cannot resume from, so the
// retry wrapper may call it again.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "objstore/object_store.h"
#include "objstore/s3_client.h"
#include "util/mapped_buffer.h"
#include "util/thread_pool.h"

namespace hort {

// Where streamed uploads are staged, below the store's prefix.
inline constexpr const char* kS3StagingFolder = ".hort-staging/";

// The parts of one store's streamed uploads: a budget of `count` parts, and
// the buffers that held them, kept for the next uploads. A fresh buffer
// costs a page fault per 2 MiB filled, and the kernel zeroes each page
// first: 5 % of hort's CPU in a first backup of 1 GiB to RGW, for pages a
// part fills anyway. At most `count` buffers exist at once (one per budget
// place), so keeping them holds no more memory than the budget allows, and
// none is kept once no upload holds a place.
class UploadParts {
 public:
  UploadParts(uint64_t count, uint64_t part_size);
  [[nodiscard]] uint64_t part_size() const { return part_size_; }
  // A place in the budget; waits for one.
  void Reserve();
  // Gives the place back. The last place given back lets the kept buffers
  // go too: between uploads (a backup done, before its job's verify) they
  // would hold memory nothing counts.
  void Unreserve();
  // A kept buffer, emptied, or an unallocated one.
  [[nodiscard]] MappedBuffer TakeBuffer();
  // Kept if it has the standard capacity (a part and the blob that ends
  // it); a buffer grown for a larger blob goes back to the kernel.
  void GiveBuffer(MappedBuffer buffer);
  // A part and the blob that ends it.
  [[nodiscard]] uint64_t buffer_capacity() const;

 private:
  const uint64_t count_, part_size_;
  Budget budget_;
  std::mutex mu_;
  uint64_t held_ = 0;  // places reserved
  std::vector<MappedBuffer> kept_;
};

class S3Upload final : public ObjectUpload {
 public:
  S3Upload(S3Client* client, UploadParts* parts);
  // Aborts a multipart upload never completed; removes a staged object never
  // copied to its key. Best effort: check lists what is left, prune removes it.
  ~S3Upload() override;
  S3Upload(const S3Upload&) = delete;
  S3Upload& operator=(const S3Upload&) = delete;

  Status Append(std::span<const uint8_t> data) override;
  Status Commit(const std::string& key, const KnownSha256& sha256) override;
  bool NextAppendSends() const override { return buffer_.size() >= part_size_; }

 private:
  [[nodiscard]] Status SendPart();
  [[nodiscard]] Status CompleteMultipart();
  [[nodiscard]] Status CopyTo(const std::string& full_key);
  void RemoveStaged();
  void Release();

  S3Client* client_;
  UploadParts* parts_;
  const uint64_t part_size_;
  const std::string staging_;  // full key of the staged object
  MappedBuffer buffer_;
  bool reserved_ = false;
  std::string upload_id_;           // empty until the first part is sent
  std::vector<std::string> etags_;  // of the parts sent, in order
  uint64_t sent_ = 0;               // bytes in those parts
  bool completed_ = false, copied_ = false, done_ = false;
};

}  // namespace hort
