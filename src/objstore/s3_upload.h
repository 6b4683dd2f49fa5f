// A streamed S3 upload (ObjectStore::BeginUpload). An object's name is
// known only at Commit (a pack is named by the hash of all its bytes), and
// S3 fixes a multipart upload's key when it starts, so:
//  - an object no larger than one part is held and sent as one PUT under its
//    final key at Commit (a pack of the default size: no extra requests);
//  - a larger one is sent part by part to a staging key under
//    `.hort-staging/` while it is still being written, completed there, and
//    copied server-side to its key at Commit; the staging object is then
//    removed.
// At most one part is held per upload, in a file (part_spool.h), and the
// uploads of one store share a budget of parts (S3Config::connections, at
// least 3), so a backup holds a bounded number of parts whatever the pack
// size or the number of workers.
// A failed Append or Commit changes nothing it cannot resume from, so the
// retry wrapper may call it again.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "objstore/object_store.h"
#include "objstore/s3_client.h"
#include "objstore/part_spool.h"
#include "util/thread_pool.h"

namespace hort {

// Where streamed uploads are staged, below the store's prefix.
inline constexpr const char* kS3StagingFolder = ".hort-staging/";

// The parts of one store's streamed uploads: a budget of `count` parts
// being filled or sent at once, and the spools that held them, kept for the
// next uploads (their files' pages are written over, not taken afresh). At
// most `count` spools exist at once, one per place, and none is kept once no
// upload holds a place: their page cache goes with them.
class UploadParts {
 public:
  UploadParts(uint64_t count, uint64_t part_size);
  [[nodiscard]] uint64_t part_size() const { return part_size_; }
  // A place in the budget; waits for one.
  void Reserve();
  // Gives the place back; the last one lets the kept spools go too.
  void Unreserve();
  // A kept spool, emptied, or a new one.
  [[nodiscard]] PartSpool TakeSpool();
  // Kept while it holds its part in a file no larger than buffer_capacity();
  // one fallen back to memory, or grown larger, goes.
  void GiveSpool(PartSpool spool);
  // A part and the blob that ends it.
  [[nodiscard]] uint64_t buffer_capacity() const;

 private:
  const uint64_t count_, part_size_;
  Budget budget_;
  std::mutex mu_;
  uint64_t held_ = 0;  // places reserved
  std::vector<PartSpool> kept_;
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
  bool NextAppendSends() const override { return spool_.size() >= part_size_; }

 private:
  [[nodiscard]] Status SendPart();
  [[nodiscard]] Status CompleteMultipart();
  [[nodiscard]] Status CopyTo(const std::string& full_key);
  void RemoveStaged();
  // A PUT of the part held: the body from the spool's file, or its memory.
  [[nodiscard]] Result<HttpResponse> PutHeld(const std::string& full_key, const std::map<std::string, std::string>& query,
                                             std::vector<std::string> headers, const KnownSha256& sha256);
  void Release();

  S3Client* client_;
  UploadParts* parts_;
  const uint64_t part_size_;
  const std::string staging_;  // full key of the staged object
  PartSpool spool_;
  bool reserved_ = false;
  std::string upload_id_;           // empty until the first part is sent
  std::vector<std::string> etags_;  // of the parts sent, in order
  uint64_t sent_ = 0;               // bytes in those parts
  bool completed_ = false, copied_ = false, done_ = false;
};

}  // namespace hort
