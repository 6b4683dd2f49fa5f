#include "checker/pack_blobs.h"

#include <optional>
#include <vector>

#include "repository/blob_lanes.h"

namespace hort::checker_internal {

Status CheckPackBlobs(PackReader& reader, std::span<const PackEntry> entries, const crypto::Key& key,
                      const BadBlob& bad) {
  if (!reader.whole()) {
    // Streaming (local folders): the window moves as blobs are read, so each
    // blob is hashed alongside as many of the pack's bytes read so far.
    for (const PackEntry& e : entries) {
      HORT_ASSIGN_OR_RETURN(const std::span<const uint8_t> stored, reader.Bytes(e.offset, e.length));
      Result<std::vector<uint8_t>> plain = UnsealBlob(stored, e, key);
      const Status st = plain.ok() ? CheckBlobId(reader.HashAlongside(*plain), e.id) : plain.status();
      if (!st.ok()) bad(e, st);
    }
    return Status::Ok();
  }
  // Read at once (S3, REST): the pack's bytes go through one SHA-256 lane
  // while its blobs go through the other one after another, and through
  // both once the pack's are done. Streamed, each blob takes as many of the
  // pack's bytes beside it as it is long; compressed blobs are longer than
  // their stored bytes, so there the pack's bytes run out and the last
  // blobs are hashed alone, at half the rate. At most two opened blobs are
  // held.
  Status read = Status::Ok();
  size_t next = 0;
  CheckBlobsInLanes<const PackEntry*>(
      [&]() -> std::optional<LaneBlob<const PackEntry*>> {
        if (next == entries.size() || !read.ok()) return std::nullopt;
        const PackEntry& e = entries[next++];
        Result<std::span<const uint8_t>> stored = reader.Bytes(e.offset, e.length);
        if (!stored.ok()) {
          read = stored.status();  // the pack's bytes, not the blob: no more blobs are opened
          return std::nullopt;
        }
        return LaneBlob<const PackEntry*>{&e, e.id, UnsealBlob(*stored, e, key)};
      },
      [&](const LaneBlob<const PackEntry*>& blob) {
        if (!blob.plain.ok()) bad(*blob.tag, blob.plain.status());
      },
      &reader);
  return read;
}

}  // namespace hort::checker_internal
