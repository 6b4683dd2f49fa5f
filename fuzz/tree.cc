// A tree blob after decryption and decompression: the JSON DecodeTree reads.
// Decoded trees are encoded again, as `hort copy` and the checker do. The
// fast decoder must never accept what the reference decoder refuses, nor
// decode a tree differently: any disagreement aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "format/tree.h"
#include "format/tree_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  auto nodes = hort::DecodeTree(json);
  std::vector<hort::Node> fast;
  if (hort::DecodeTreeFast(json, &fast)) {
    auto reference = hort::DecodeTreeReference(json);
    if (!reference.ok() || fast != *reference) std::abort();
  }
  if (nodes.ok()) {
    (void)hort::EncodeTree(*nodes);
    for (const hort::Node& n : *nodes) (void)hort::IsUnsafeNodeName(n.name);
  }
  return 0;
}
