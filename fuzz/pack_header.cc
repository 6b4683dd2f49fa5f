// A pack's header after decryption. The input is a 4-byte little-endian
// length of the pack's blob region, then the plaintext header entries; the
// target encrypts the entries with a fixed key, appends the length trailer
// and calls DecodePackHeader, so the fuzzer searches the plaintext parser
// instead of the MAC. The raw input also goes in as an undecryptable tail
// (the trailer's length checks).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "repository/pack.h"

namespace {
const hort::crypto::Key& FixedKey() {
  static const hort::crypto::Key key = [] {
    std::vector<uint8_t> bytes(64);
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7 + 1);
    return hort::crypto::Key::FromKdfOutput(bytes);
  }();
  return key;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  (void)hort::DecodePackHeader(in, size + (size >= 4 ? hort::PackHeaderLength(in.first(4)) : 0), FixedKey());
  if (size < 4) return 0;
  uint64_t blob_region = hort::PackHeaderLength(in.first(4));
  std::vector<uint8_t> tail;
  FixedKey().Encrypt(in.subspan(4), &tail);
  uint32_t header_len = static_cast<uint32_t>(tail.size());
  for (int i = 0; i < 4; ++i) tail.push_back(static_cast<uint8_t>(header_len >> (8 * i)));
  auto entries = hort::DecodePackHeader(tail, blob_region + tail.size(), FixedKey());
  if (entries.ok()) (void)hort::EncodePackHeader(*entries, FixedKey());
  return 0;
}
