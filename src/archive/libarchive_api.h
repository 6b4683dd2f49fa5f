// libarchive, opened the first time an archive is written or read rather
// than linked: it brings ICU and libxml2 along (util/shared_library.h has
// the start-up cost), and most commands never touch a tar. Private to
// archive/: the rest of hort sees writer.h and reader.h.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "util/status.h"

namespace hort::archive_internal {

#define HORT_ARCHIVE_FUNCTIONS(X)            \
  X(archive_entry_filetype)                  \
  X(archive_entry_free)                      \
  X(archive_entry_gid)                       \
  X(archive_entry_gname)                     \
  X(archive_entry_mtime)                     \
  X(archive_entry_mtime_nsec)                \
  X(archive_entry_new)                       \
  X(archive_entry_pathname)                  \
  X(archive_entry_perm)                      \
  X(archive_entry_rdev)                      \
  X(archive_entry_set_filetype)              \
  X(archive_entry_set_gid)                   \
  X(archive_entry_set_gname)                 \
  X(archive_entry_set_mtime)                 \
  X(archive_entry_set_pathname)              \
  X(archive_entry_set_perm)                  \
  X(archive_entry_set_rdev)                  \
  X(archive_entry_set_size)                  \
  X(archive_entry_set_symlink)               \
  X(archive_entry_set_uid)                   \
  X(archive_entry_set_uname)                 \
  X(archive_entry_size)                      \
  X(archive_entry_size_is_set)               \
  X(archive_entry_symlink)                   \
  X(archive_entry_uid)                       \
  X(archive_entry_uname)                     \
  X(archive_entry_xattr_add_entry)           \
  X(archive_entry_xattr_next)                \
  X(archive_entry_xattr_reset)               \
  X(archive_error_string)                    \
  X(archive_read_close)                      \
  X(archive_read_data)                       \
  X(archive_read_free)                       \
  X(archive_read_new)                        \
  X(archive_read_next_header)                \
  X(archive_read_open_filename)              \
  X(archive_read_open_memory)                \
  X(archive_read_support_filter_gzip)        \
  X(archive_read_support_filter_none)        \
  X(archive_read_support_format_empty)       \
  X(archive_read_support_format_raw)         \
  X(archive_read_support_format_tar)         \
  X(archive_write_add_filter_gzip)           \
  X(archive_write_close)                     \
  X(archive_write_data)                      \
  X(archive_write_free)                      \
  X(archive_write_header)                    \
  X(archive_write_new)                       \
  X(archive_write_open)                      \
  X(archive_write_open_fd)                   \
  X(archive_write_set_bytes_in_last_block)  \
  X(archive_write_set_filter_option)         \
  X(archive_write_set_format_option)         \
  X(archive_write_set_format_pax_restricted) \
  X(archive_write_set_format_raw)            \
  X(archive_write_set_format_zip)

struct LibArchive {
#define HORT_DECLARE(name) decltype(&::name) name = nullptr;
  HORT_ARCHIVE_FUNCTIONS(HORT_DECLARE)
#undef HORT_DECLARE

  // The library's last error on `a`, never null.
  [[nodiscard]] const char* ErrorOf(archive* a) const;
};

// Opens libarchive once per process; kUnsupported naming the Debian package
// when it is not installed.
[[nodiscard]] Result<const LibArchive*> LoadLibArchive();

}  // namespace hort::archive_internal
