#include "archive/libarchive_api.h"

#include "util/shared_library.h"

namespace hort::archive_internal {

const char* LibArchive::ErrorOf(archive* a) const {
  const char* e = archive_error_string(a);
  return e ? e : "unknown libarchive error";
}

Result<const LibArchive*> LoadLibArchive() {
  static LibArchive api;
  static const Status loaded = [] {
    HORT_ASSIGN_OR_RETURN(const SharedLibrary* lib, SharedLibrary::Open("libarchive.so.13", "libarchive13"));
#define HORT_BIND(name) HORT_RETURN_IF_ERROR(lib->Bind(#name, &api.name));
    HORT_ARCHIVE_FUNCTIONS(HORT_BIND)
#undef HORT_BIND
    return Status::Ok();
  }();
  if (!loaded.ok()) return loaded;
  return &api;
}

}  // namespace hort::archive_internal
