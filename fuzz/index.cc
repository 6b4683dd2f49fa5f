// index/<id> after decryption and decompression: the JSON DecodeIndex reads.
// The fast decoder must never accept what the reference decoder refuses, nor
// decode an index differently: any disagreement aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "format/index_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  (void)hort::DecodeIndex(json);
  hort::IndexFile fast;
  if (hort::DecodeIndexFast(json, &fast)) {
    auto reference = hort::DecodeIndexReference(json);
    if (!reference.ok() || fast != *reference) std::abort();
  }
  return 0;
}
