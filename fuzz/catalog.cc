// The catalog (hort.yaml), as `hort config check` and every job load it.
// LoadCatalog reads a path, so the input is written to a file first (one per
// process, rewritten for each input) in /dev/shm: on a disk, truncating and
// rewriting it cost more than the parsing.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "catalog/catalog.h"

namespace {
// The file, removed when the process exits normally.
struct TempFile {
  std::string path;
  TempFile() {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : tmp && *tmp ? tmp : "/tmp";
    path = dir + "/hort-fuzz-catalog-" + std::to_string(getpid()) + ".yaml";
  }
  ~TempFile() { unlink(path.c_str()); }
};
const std::string& CatalogPath() {
  static const TempFile file;
  return file.path;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::ofstream out(CatalogPath(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  hort::CatalogErrors errors;
  auto c = hort::LoadCatalog(CatalogPath(), &errors);
  if (c.ok()) (void)(*c)->UsedLayers();
  return 0;
}
