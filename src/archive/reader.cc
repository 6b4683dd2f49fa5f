#include "archive/reader.h"

#include <algorithm>

#include "archive/libarchive_api.h"

namespace hort {

using archive_internal::LibArchive;

Result<std::unique_ptr<ArchiveReader>> ArchiveReader::Create(std::string name) {
  HORT_ASSIGN_OR_RETURN(const LibArchive* lib, archive_internal::LoadLibArchive());
  ::archive* a = lib->archive_read_new();
  if (a == nullptr) return Status(Code::kInternal, "libarchive could not allocate a reader");
  std::unique_ptr<ArchiveReader> r(new ArchiveReader(lib, a, std::move(name)));
  // Only what hort reads: tar, plain or gzip. Every other format or filter is
  // refused as "not a tar" rather than parsed by code nobody here tests.
  lib->archive_read_support_filter_none(a);
  lib->archive_read_support_filter_gzip(a);
  lib->archive_read_support_format_tar(a);
  return r;
}

Result<std::unique_ptr<ArchiveReader>> ArchiveReader::FromMemory(std::string_view data, std::string name) {
  HORT_ASSIGN_OR_RETURN(auto r, Create(std::move(name)));
  if (r->lib_->archive_read_open_memory(r->a_, data.data(), data.size()) != ARCHIVE_OK) return r->Corrupt("opening");
  return r;
}

Result<std::unique_ptr<ArchiveReader>> ArchiveReader::FromFile(const std::string& path) {
  HORT_ASSIGN_OR_RETURN(auto r, Create(path));
  if (r->lib_->archive_read_open_filename(r->a_, path.c_str(), 64 << 10) != ARCHIVE_OK) {
    return Status(Code::kIo, "cannot open archive " + path + ": " + r->lib_->ErrorOf(r->a_));
  }
  return r;
}

ArchiveReader::~ArchiveReader() { lib_->archive_read_free(a_); }

Status ArchiveReader::Corrupt(const std::string& where) const {
  return Status(Code::kCorruption, "archive " + name_ + ": " + where + ": " + lib_->ErrorOf(a_));
}

Result<std::optional<ArchiveEntry>> ArchiveReader::Next() {
  archive_entry* e = nullptr;
  int rc = lib_->archive_read_next_header(a_, &e);
  if (rc == ARCHIVE_EOF) {
    current_.reset();
    return std::optional<ArchiveEntry>();
  }
  // ARCHIVE_WARN: the entry is usable (e.g. an unknown pax keyword).
  // ARCHIVE_RETRY: a damaged header (libarchive would scan on for the next
  // valid one; a backup with a hole in it is refused instead).
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
    return Corrupt(current_ ? "after entry " + current_->path : std::string("reading the first entry"));
  }
  ArchiveEntry out;
  const char* path = lib_->archive_entry_pathname(e);
  out.path = path ? path : "";
  switch (lib_->archive_entry_filetype(e)) {
    case AE_IFREG: out.type = EntryType::kFile; break;
    case AE_IFDIR: out.type = EntryType::kDirectory; break;
    case AE_IFLNK: out.type = EntryType::kSymlink; break;
    case AE_IFIFO: out.type = EntryType::kFifo; break;
    case AE_IFCHR: out.type = EntryType::kCharDevice; break;
    case AE_IFBLK: out.type = EntryType::kBlockDevice; break;
    default: out.type = EntryType::kOther; break;
  }
  if (out.type == EntryType::kCharDevice || out.type == EntryType::kBlockDevice) {
    out.rdev = static_cast<uint64_t>(lib_->archive_entry_rdev(e));
  }
  out.size = lib_->archive_entry_size_is_set(e) ? static_cast<uint64_t>(lib_->archive_entry_size(e)) : 0;
  out.mode = static_cast<uint32_t>(lib_->archive_entry_perm(e));
  out.mtime_sec = lib_->archive_entry_mtime(e);
  out.mtime_nsec = static_cast<int32_t>(lib_->archive_entry_mtime_nsec(e));
  out.uid = lib_->archive_entry_uid(e);
  out.gid = lib_->archive_entry_gid(e);
  if (const char* u = lib_->archive_entry_uname(e)) out.user = u;
  if (const char* g = lib_->archive_entry_gname(e)) out.group = g;
  if (out.type == EntryType::kSymlink) {
    if (const char* t = lib_->archive_entry_symlink(e)) out.symlink = t;
  }
  lib_->archive_entry_xattr_reset(e);
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  while (lib_->archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    // A tar libarchive wrote with its defaults holds each one twice
    // (LIBARCHIVE.xattr and SCHILY.xattr records), and both are read back.
    std::pair<std::string, std::string> x(name, std::string(static_cast<const char*>(value), size));
    if (std::find(out.xattrs.begin(), out.xattrs.end(), x) == out.xattrs.end()) out.xattrs.push_back(std::move(x));
  }
  current_ = out;
  return std::optional<ArchiveEntry>(std::move(out));
}

Result<std::string> ArchiveReader::ReadContent(uint64_t limit) {
  if (!current_) return Status(Code::kInternal, "ReadContent without a current entry");
  auto too_large = [&] {
    return Status(Code::kInvalidArgument, "archive " + name_ + ": entry " + current_->path + " has more than the " +
                                              std::to_string(limit) + " bytes allowed");
  };
  if (current_->size > limit) return too_large();
  std::string out;
  out.reserve(current_->size);
  char buf[64 << 10];
  for (;;) {
    la_ssize_t n = lib_->archive_read_data(a_, buf, sizeof(buf));
    if (n == 0) break;
    if (n < 0) return Corrupt("entry " + current_->path);
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > limit) return too_large();
  }
  return out;
}

}  // namespace hort
