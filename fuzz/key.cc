// keys/<id> (plaintext JSON) and the master key JSON inside its decrypted
// `data`: the same input goes to both decoders.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "format/repo_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto k = hort::DecodeKeyFile(text);
  if (k.ok()) (void)hort::EncodeKeyFile(*k);
  auto m = hort::DecodeMasterKey(text);
  if (m.ok()) (void)hort::EncodeMasterKey(*m);
  return 0;
}
