#include "archive/gzip.h"

#include <memory>

#include "archive/libarchive_api.h"

namespace hort {

using archive_internal::LibArchive;

namespace {

la_ssize_t Append(::archive*, void* out, const void* data, size_t size) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
  return static_cast<la_ssize_t>(size);
}

}  // namespace

Result<std::string> GzipCompress(std::string_view data) {
  HORT_ASSIGN_OR_RETURN(const LibArchive* lib, archive_internal::LoadLibArchive());
  std::unique_ptr<::archive, decltype(lib->archive_write_free)> a(lib->archive_write_new(), lib->archive_write_free);
  if (!a) return Status(Code::kInternal, "libarchive could not allocate a writer");
  std::string out;
  auto fail = [&](const std::string& what) { return Status(Code::kIo, "gzip: " + what + ": " + lib->ErrorOf(a.get())); };
  if (lib->archive_write_set_format_raw(a.get()) != ARCHIVE_OK) return fail("raw format");
  if (lib->archive_write_add_filter_gzip(a.get()) != ARCHIVE_OK) return fail("gzip filter");
  // Header MTIME 0, as Go's gzip writer leaves it (Longhorn's blocks, Velero's
  // files): the same data then compresses to the same bytes.
  if (lib->archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr) != ARCHIVE_OK) return fail("gzip timestamp");
  // The raw format has no blocks: without this the stream is padded.
  lib->archive_write_set_bytes_in_last_block(a.get(), 1);
  if (lib->archive_write_open(a.get(), &out, nullptr, Append, nullptr) != ARCHIVE_OK) return fail("open");
  archive_entry* e = lib->archive_entry_new();
  lib->archive_entry_set_pathname(e, "data");
  lib->archive_entry_set_filetype(e, AE_IFREG);
  lib->archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
  int rc = lib->archive_write_header(a.get(), e);
  lib->archive_entry_free(e);
  if (rc != ARCHIVE_OK) return fail("header");
  if (!data.empty() && lib->archive_write_data(a.get(), data.data(), data.size()) < 0) return fail("data");
  if (lib->archive_write_close(a.get()) != ARCHIVE_OK) return fail("close");
  return out;
}

Result<std::string> Gunzip(std::string_view data, const std::string& name, uint64_t limit) {
  // libarchive's raw format would pass non-gzip bytes through unchanged.
  if (data.size() < 2 || static_cast<uint8_t>(data[0]) != 0x1f || static_cast<uint8_t>(data[1]) != 0x8b) {
    return Status(Code::kCorruption, name + ": not gzip (invalid header)");
  }
  HORT_ASSIGN_OR_RETURN(const LibArchive* lib, archive_internal::LoadLibArchive());
  std::unique_ptr<::archive, decltype(lib->archive_read_free)> a(lib->archive_read_new(), lib->archive_read_free);
  if (!a) return Status(Code::kInternal, "libarchive could not allocate a reader");
  auto corrupt = [&](const std::string& what) {
    return Status(Code::kCorruption, name + ": " + what + ": " + lib->ErrorOf(a.get()));
  };
  lib->archive_read_support_filter_gzip(a.get());
  lib->archive_read_support_format_raw(a.get());
  lib->archive_read_support_format_empty(a.get());  // raw refuses a stream that inflates to nothing
  if (lib->archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK) return corrupt("opening");
  archive_entry* e = nullptr;
  int rc = lib->archive_read_next_header(a.get(), &e);
  std::string out;
  if (rc == ARCHIVE_EOF) return out;  // an empty file
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return corrupt("reading");
  char buf[64 << 10];
  for (;;) {
    la_ssize_t n = lib->archive_read_data(a.get(), buf, sizeof(buf));
    if (n == 0) break;
    if (n < 0) return corrupt("inflating");
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > limit) {
      return Status(Code::kInvalidArgument, name + ": inflates to more than " + std::to_string(limit) + " bytes");
    }
  }
  return out;
}

}  // namespace hort
