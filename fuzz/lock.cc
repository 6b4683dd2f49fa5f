// locks/<id> after decryption: the JSON DecodeLock reads.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "format/repo_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto l = hort::DecodeLock(std::string_view(reinterpret_cast<const char*>(data), size));
  if (l.ok()) (void)hort::EncodeLock(*l);
  return 0;
}
