#include "checker/pack_blobs.h"

#include <array>
#include <vector>

#include "crypto/sha256_lanes.h"

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
  crypto::Sha256LanePair lanes;
  std::array<Result<std::vector<uint8_t>>, 2> opened = {Status(Code::kNotFound, "none"), Status(Code::kNotFound, "none")};
  std::array<const PackEntry*, 2> held{};  // null: the lane holds the pack's bytes, or nothing
  bool pack_started = false;
  size_t next = 0;
  auto fill = [&](int lane) -> Status {
    held[lane] = nullptr;
    if (!pack_started && reader.StartHashIn(lanes, lane)) {
      pack_started = true;
      return Status::Ok();
    }
    if (next == entries.size()) return Status::Ok();
    const PackEntry& e = entries[next++];
    HORT_ASSIGN_OR_RETURN(const std::span<const uint8_t> stored, reader.Bytes(e.offset, e.length));
    opened[lane] = UnsealBlob(stored, e, key);
    held[lane] = &e;
    // A blob that could not be opened hashes as nothing; its lane then costs one block.
    lanes.Start(lane, opened[lane].ok() ? std::span<const uint8_t>(*opened[lane]) : std::span<const uint8_t>());
    return Status::Ok();
  };
  HORT_RETURN_IF_ERROR(fill(0));
  HORT_RETURN_IF_ERROR(fill(1));
  while (auto done = lanes.Run()) {
    const auto [lane, digest] = *done;
    if (const PackEntry* e = held[lane]) {
      const Status st = opened[lane].ok() ? CheckBlobId(digest, e->id) : opened[lane].status();
      if (!st.ok()) bad(*e, st);
      opened[lane] = Status(Code::kNotFound, "none");  // its memory goes before the next opens
    }
    HORT_RETURN_IF_ERROR(fill(lane));
  }
  return Status::Ok();
}

}  // namespace hort::checker_internal
