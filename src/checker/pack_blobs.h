// The blobs of one pack, opened and checked against their IDs while the
// pack's own SHA-256 is taken in, for check --read-data.
#pragma once

#include <functional>
#include <span>

#include "crypto/crypto.h"
#include "repository/pack.h"
#include "repository/pack_reader.h"

namespace hort::checker_internal {

// Told each blob that does not open or does not hash to its ID, and why.
using BadBlob = std::function<void(const PackEntry&, const Status&)>;

// Opens every entry (all within the pack, in offset order) and checks its
// ID. Returns an error only when the pack's bytes cannot be read.
[[nodiscard]] Status CheckPackBlobs(PackReader& reader, std::span<const PackEntry> entries, const crypto::Key& key,
                                    const BadBlob& bad);

}  // namespace hort::checker_internal
