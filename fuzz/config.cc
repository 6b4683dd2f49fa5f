// config after decryption: the JSON DecodeConfig reads.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "format/repo_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto c = hort::DecodeConfig(std::string_view(reinterpret_cast<const char*>(data), size));
  if (c.ok()) (void)hort::EncodeConfig(*c);
  return 0;
}
