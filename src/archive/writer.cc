#include "archive/writer.h"

#include <locale.h>

#include <optional>

#include "archive/libarchive_api.h"
#include "format/gojson.h"

namespace hort {

using archive_internal::LibArchive;

Result<std::unique_ptr<ArchiveWriter>> ArchiveWriter::Create(ArchiveFormat format, ArchiveCompression compression) {
  if (format == ArchiveFormat::kZip && compression != ArchiveCompression::kNone) {
    return Status(Code::kInvalidArgument, "a zip archive compresses its entries itself; gzip applies to tar only");
  }
  HORT_ASSIGN_OR_RETURN(const LibArchive* lib, archive_internal::LoadLibArchive());
  ::archive* a = lib->archive_write_new();
  if (a == nullptr) return Status(Code::kInternal, "libarchive could not allocate a writer");
  std::unique_ptr<ArchiveWriter> w(new ArchiveWriter(lib, a, format));
  int rc = format == ArchiveFormat::kZip ? lib->archive_write_set_format_zip(a)
                                         : lib->archive_write_set_format_pax_restricted(a);
  if (rc != ARCHIVE_OK) return w->Fail("archive format");
  // Extended attributes as SCHILY.xattr records only, as restic's dump and
  // GNU tar write them; libarchive adds LIBARCHIVE.xattr ones by default,
  // which GNU tar warns about once per attribute.
  if (format == ArchiveFormat::kTar &&
      lib->archive_write_set_format_option(a, "pax", "xattrheader", "SCHILY") != ARCHIVE_OK) {
    return w->Fail("pax xattrheader option");
  }
  if (compression == ArchiveCompression::kGzip && lib->archive_write_add_filter_gzip(a) != ARCHIVE_OK) {
    return w->Fail("gzip filter");
  }
  // Header MTIME 0, as Go's gzip writer (Velero's tarballs) leaves it.
  if (compression == ArchiveCompression::kGzip &&
      lib->archive_write_set_filter_option(a, "gzip", "timestamp", nullptr) != ARCHIVE_OK) {
    return w->Fail("gzip timestamp option");
  }
  return w;
}

Result<std::unique_ptr<ArchiveWriter>> ArchiveWriter::ToFd(int fd, ArchiveFormat format,
                                                            ArchiveCompression compression) {
  HORT_ASSIGN_OR_RETURN(auto w, Create(format, compression));
  if (w->lib_->archive_write_open_fd(w->a_, fd) != ARCHIVE_OK) return w->Fail("opening archive output");
  return w;
}

namespace {
la_ssize_t AppendToString(::archive*, void* out, const void* data, size_t size) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
  return static_cast<la_ssize_t>(size);
}
}  // namespace

Result<std::unique_ptr<ArchiveWriter>> ArchiveWriter::ToString(std::string* out, ArchiveFormat format,
                                                                ArchiveCompression compression) {
  HORT_ASSIGN_OR_RETURN(auto w, Create(format, compression));
  // Without this libarchive pads the last block to 10 KiB, as for a tape.
  w->lib_->archive_write_set_bytes_in_last_block(w->a_, 1);
  if (w->lib_->archive_write_open(w->a_, out, nullptr, AppendToString, nullptr) != ARCHIVE_OK) {
    return w->Fail("opening archive output");
  }
  return w;
}

ArchiveWriter::~ArchiveWriter() { lib_->archive_write_free(a_); }

Status ArchiveWriter::Fail(const std::string& what) const {
  return Status(Code::kIo, what + ": " + lib_->ErrorOf(a_));
}

Status ArchiveWriter::Add(const ArchiveEntry& entry) {
  if (entry.type == EntryType::kOther) {
    return Status(Code::kInvalidArgument, "cannot archive " + entry.path + ": not a file, directory or symlink");
  }
  const bool special = entry.type == EntryType::kFifo || entry.type == EntryType::kCharDevice ||
                       entry.type == EntryType::kBlockDevice;
  if (special && format_ == ArchiveFormat::kZip) {
    return Status(Code::kInvalidArgument, "cannot archive " + entry.path + " in a zip: it is a fifo or a device");
  }
  current_ = entry.path;
  archive_entry* e = lib_->archive_entry_new();
  lib_->archive_entry_set_pathname(e, entry.path.c_str());
  lib_->archive_entry_set_uid(e, entry.uid);
  lib_->archive_entry_set_gid(e, entry.gid);
  if (!entry.user.empty()) lib_->archive_entry_set_uname(e, entry.user.c_str());
  if (!entry.group.empty()) lib_->archive_entry_set_gname(e, entry.group.c_str());
  lib_->archive_entry_set_mtime(e, entry.mtime_sec, entry.mtime_nsec);
  lib_->archive_entry_set_perm(e, entry.mode);
  switch (entry.type) {
    case EntryType::kDirectory: lib_->archive_entry_set_filetype(e, AE_IFDIR); break;
    case EntryType::kSymlink:
      lib_->archive_entry_set_filetype(e, AE_IFLNK);
      lib_->archive_entry_set_symlink(e, entry.symlink.c_str());
      break;
    case EntryType::kFifo: lib_->archive_entry_set_filetype(e, AE_IFIFO); break;
    case EntryType::kCharDevice:
    case EntryType::kBlockDevice:
      lib_->archive_entry_set_filetype(e, entry.type == EntryType::kCharDevice ? AE_IFCHR : AE_IFBLK);
      lib_->archive_entry_set_rdev(e, static_cast<dev_t>(entry.rdev));
      break;
    default:
      lib_->archive_entry_set_filetype(e, AE_IFREG);
      lib_->archive_entry_set_size(e, static_cast<la_int64_t>(entry.size));
      break;
  }
  if (format_ == ArchiveFormat::kTar) {
    for (const auto& [name, value] : entry.xattrs) {
      lib_->archive_entry_xattr_add_entry(e, name.c_str(), value.data(), value.size());
    }
  }
  int rc = WriteHeader(e, entry.path);
  lib_->archive_entry_free(e);
  // ARCHIVE_WARN: written, with a fallback. A name that is not UTF-8 (Linux
  // names are bytes) cannot go into a pax header as UTF-8, so libarchive
  // writes it as it is with hdrcharset=BINARY, as GNU tar does; restic's
  // dump keeps such names too. Taken as a failure, it cut the archive short.
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return Fail("tar header for " + entry.path);
  return Status::Ok();
}

namespace {
// Only ASCII and valid UTF-8 other than ASCII are told apart: Go's zip
// writer (restic's dump) flags exactly the latter.
bool NeedsUtf8Flag(const std::string& name) {
  bool ascii = true;
  for (unsigned char c : name) ascii = ascii && c < 0x80;
  return !ascii && gojson::IsValidUtf8(name);
}

// The calling thread's locale while it lives.
class ThreadLocale {
 public:
  explicit ThreadLocale(const char* name) : locale_(::newlocale(LC_CTYPE_MASK, name, nullptr)) {
    if (locale_ != nullptr) previous_ = ::uselocale(locale_);
  }
  ~ThreadLocale() {
    if (locale_ == nullptr) return;
    ::uselocale(previous_);
    ::freelocale(locale_);
  }
  ThreadLocale(const ThreadLocale&) = delete;
  ThreadLocale& operator=(const ThreadLocale&) = delete;

 private:
  locale_t locale_ = nullptr;
  locale_t previous_ = nullptr;
};
}  // namespace

int ArchiveWriter::WriteHeader(archive_entry* e, const std::string& path) {
  // libarchive's zip writer sets the UTF-8 name flag (general purpose bit
  // 11) only when the locale's codeset is UTF-8; hort runs in any locale and
  // writes names as they are, so a UTF-8 name is written in C.UTF-8. Without
  // the flag, readers took "ünï" for CP437 and showed "├╝n├»".
  std::optional<ThreadLocale> utf8;
  if (format_ == ArchiveFormat::kZip && NeedsUtf8Flag(path)) utf8.emplace("C.UTF-8");
  return lib_->archive_write_header(a_, e);
}

Status ArchiveWriter::WriteData(std::span<const uint8_t> data) {
  if (lib_->archive_write_data(a_, data.data(), data.size()) < 0) return Fail("tar data for " + current_);
  return Status::Ok();
}

Status ArchiveWriter::AddFile(ArchiveEntry entry, std::string_view content) {
  entry.type = EntryType::kFile;
  entry.size = content.size();
  HORT_RETURN_IF_ERROR(Add(entry));
  return WriteData({reinterpret_cast<const uint8_t*>(content.data()), content.size()});
}

Status ArchiveWriter::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  if (lib_->archive_write_close(a_) != ARCHIVE_OK) return Fail("closing archive");
  return Status::Ok();
}

}  // namespace hort
