// snapshots/<id> after decryption: the JSON DecodeSnapshot reads; a decoded
// snapshot is encoded again (hort rewrites snapshots on `tag` and `copy`).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "format/snapshot.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto s = hort::DecodeSnapshot(std::string_view(reinterpret_cast<const char*>(data), size));
  if (s.ok()) (void)hort::EncodeSnapshot(*s);
  return 0;
}
