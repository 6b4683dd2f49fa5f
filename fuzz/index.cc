// index/<id> after decryption and decompression: the JSON DecodeIndex reads.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "format/repo_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)hort::DecodeIndex(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
