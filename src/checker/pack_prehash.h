// Pack hashing that needs no key. Deriving the key from the password costs
// about a third of a second of one core at restic's scrypt cost, and leaves
// the other cores idle; check --read-data must hash every pack anyway, so it
// starts hashing (local) packs while the key is derived and only decrypts
// them later. The bytes are read again then, from the page cache.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "backend/backend.h"
#include "crypto/crypto.h"
#include "format/id.h"

namespace hort {

class PackPrehash {
 public:
  // Hashes packs one after another until `stop` is set; a pack interrupted
  // half way is dropped. Only where range reads are cheap (a local folder).
  void Run(Backend& backend, const std::atomic<bool>& stop);
  // The SHA-256 of the pack's whole content, if it was hashed.
  [[nodiscard]] std::optional<crypto::Sha256Digest> Find(const Id& pack) const;
  [[nodiscard]] size_t size() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<Id, crypto::Sha256Digest, IdHash> done_;
};

}  // namespace hort
