// Blobs opened one after another and checked against their IDs, with both
// SHA-256 lanes kept full (crypto::Sha256LanePair): as soon as one blob's
// hash is done, the next blob starts in its lane. Restore and check
// --read-data read packs this way.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "crypto/sha256_lanes.h"
#include "repository/pack.h"
#include "repository/pack_reader.h"

namespace hort {

// One blob in a lane: the caller's tag, the ID it must hash to, and its
// content, or why it could not be opened.
template <class Tag>
struct LaneBlob {
  Tag tag;
  Id id;
  Result<std::vector<uint8_t>> plain;
};

// Calls `open()` for the next blob until it returns nullopt, and `done(blob)`
// for each, its content replaced by an error when it does not hash to its
// ID, in the order their hashes finish. At most two blobs are open at once.
// With `pack` (read whole), the pack's unhashed bytes take one lane first,
// beside the blobs (check hashes the pack and its blobs together).
template <class Tag, class Open, class Done>
void CheckBlobsInLanes(Open&& open, Done&& done, PackReader* pack = nullptr) {
  crypto::Sha256LanePair lanes;
  std::array<std::optional<LaneBlob<Tag>>, 2> held;  // empty: the lane holds the pack's bytes, or nothing
  bool pack_started = false;
  auto fill = [&](int lane) {
    auto& slot = held[static_cast<size_t>(lane)];
    slot.reset();  // its memory goes before the next opens
    if (!pack_started && pack && pack->StartHashIn(lanes, lane)) {
      pack_started = true;
      return;
    }
    slot = open();
    // A blob that could not be opened hashes as nothing; its lane then costs one block.
    if (slot) lanes.Start(lane, slot->plain.ok() ? std::span<const uint8_t>(*slot->plain) : std::span<const uint8_t>());
  };
  fill(0);
  fill(1);
  while (auto finished = lanes.Run()) {
    const auto [lane, digest] = *finished;
    if (auto& slot = held[static_cast<size_t>(lane)]) {
      if (slot->plain.ok()) {
        if (Status id = CheckBlobId(digest, slot->id); !id.ok()) slot->plain = id;
      }
      done(*slot);
    }
    fill(lane);
  }
}

}  // namespace hort
