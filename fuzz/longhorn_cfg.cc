// Longhorn's volume.cfg and backup_<name>.cfg: the same input goes to both
// parsers, and what parses is written back and its block size read.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "volumes/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto v = hort::volumes::ParseVolumeConfig(text, "volume.cfg");
  if (v.ok()) (void)hort::volumes::VolumeConfigJson(*v);
  auto b = hort::volumes::ParseBackupConfig(text, "backup.cfg");
  if (b.ok()) {
    (void)hort::volumes::BackupConfigJson(*b);
    (void)hort::volumes::BlockSizeOf(*b);
  }
  return 0;
}
