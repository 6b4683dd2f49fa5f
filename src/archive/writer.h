// Writing tar (POSIX pax, as GNU tar and `restic dump` write) or zip
// archives, optionally gzip-compressed, entry by entry: `hort dump` streams
// a snapshot directory to stdout; resource backups build Velero tarballs.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "archive/entry.h"
#include "util/status.h"

struct archive;
struct archive_entry;

namespace hort {

namespace archive_internal {
struct LibArchive;
}

enum class ArchiveFormat { kTar, kZip };
enum class ArchiveCompression { kNone, kGzip };

class ArchiveWriter {
 public:
  // Writes to `fd`, which stays open. Writing to stdout (fd 1) pads the last
  // block to 10 KiB as tar(1) does, so `hort dump` output equals restic's.
  [[nodiscard]] static Result<std::unique_ptr<ArchiveWriter>> ToFd(
      int fd, ArchiveFormat format, ArchiveCompression compression = ArchiveCompression::kNone);
  // Appends the archive to *out (an object to upload whole); no tape padding.
  [[nodiscard]] static Result<std::unique_ptr<ArchiveWriter>> ToString(
      std::string* out, ArchiveFormat format, ArchiveCompression compression = ArchiveCompression::kNone);
  ~ArchiveWriter();  // frees the archive; Close() first to learn whether it was complete
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;

  // Starts an entry; a file's `size` bytes of content follow with WriteData.
  // kInvalidArgument for EntryType::kOther (sockets), and for fifos and
  // devices in a zip, which has no type for them.
  [[nodiscard]] Status Add(const ArchiveEntry& entry);
  [[nodiscard]] Status WriteData(std::span<const uint8_t> data);
  // Add and WriteData for content held in memory (entry.size is set from it).
  [[nodiscard]] Status AddFile(ArchiveEntry entry, std::string_view content);
  // Writes the end of the archive (and of the gzip stream).
  [[nodiscard]] Status Close();

 private:
  ArchiveWriter(const archive_internal::LibArchive* lib, ::archive* a, ArchiveFormat format)
      : lib_(lib), a_(a), format_(format) {}
  [[nodiscard]] static Result<std::unique_ptr<ArchiveWriter>> Create(ArchiveFormat format,
                                                                     ArchiveCompression compression);
  [[nodiscard]] Status Fail(const std::string& what) const;
  // archive_write_header, in the locale a zip entry's name needs.
  [[nodiscard]] int WriteHeader(archive_entry* e, const std::string& path);

  const archive_internal::LibArchive* lib_;
  ::archive* a_;
  ArchiveFormat format_;
  std::string current_;  // the entry being written, for errors
  bool closed_ = false;
};

}  // namespace hort
