#include "format/id.h"

#include "crypto/crypto.h"
#include "util/hex.h"

namespace hort {

Id Id::Hash(std::span<const uint8_t> data) { return Id{crypto::Sha256(data)}; }

std::optional<Id> Id::Parse(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  auto bytes = HexDecode(hex);
  if (!bytes) return std::nullopt;
  Id id;
  std::memcpy(id.bytes.data(), bytes->data(), 32);
  return id;
}

std::string Id::Hex() const { return HexEncode(bytes); }

}  // namespace hort
