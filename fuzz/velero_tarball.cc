// A Velero backup tarball (plain tar or gzip), as `hort resources` reads it
// from a Velero bucket or a snapshot: ParseTarball with its findings, then
// ReadTarball's stricter reading.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "resources/velero_tarball.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)hort::resources::ParseTarball(bytes, "fuzz.tar.gz");
  (void)hort::resources::ReadTarball(bytes, "fuzz.tar.gz");
  return 0;
}
