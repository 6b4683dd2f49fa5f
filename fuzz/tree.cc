// A tree blob after decryption and decompression: the JSON DecodeTree reads.
// Decoded trees are encoded again, as `hort copy` and the checker do.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "format/tree.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto nodes = hort::DecodeTree(std::string_view(reinterpret_cast<const char*>(data), size));
  if (nodes.ok()) {
    (void)hort::EncodeTree(*nodes);
    for (const hort::Node& n : *nodes) (void)hort::IsUnsafeNodeName(n.name);
  }
  return 0;
}
