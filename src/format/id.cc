#include "format/id.h"

#include "crypto/crypto.h"
#include "util/hex.h"

namespace hort {

Id Id::Hash(std::span<const uint8_t> data) { return Id{crypto::Sha256(data)}; }

std::optional<Id> Id::Parse(std::string_view hex) {
  Id id;
  if (!HexDecodeInto(hex, id.bytes)) return std::nullopt;
  return id;
}

std::string Id::Hex() const { return HexEncode(bytes); }

}  // namespace hort
