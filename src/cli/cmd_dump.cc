// dump: a file's content as-is, or a directory as a tar stream (what K8up's
// restore-to-S3 and `restic dump` users pipe elsewhere).
#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <cstdio>

#include "cli/command.h"
#include "repository/walk.h"
#include "util/shared_library.h"

namespace hort::cli {
namespace {
struct DumpFlags {
  std::string snapshot, path, archive = "tar";
};

Status WriteAll(int fd, std::span<const uint8_t> data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoStatus("write to stdout", errno);
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

template <typename Sink>
Status StreamContent(Repository& repo, const Node& n, Sink&& sink) {
  for (const Id& id : n.content) {
    HORT_ASSIGN_OR_RETURN(auto blob, repo.LoadBlob(BlobType::kData, id));
    HORT_RETURN_IF_ERROR(sink(blob));
  }
  return Status::Ok();
}

// libarchive is loaded when a directory is dumped, not by every command
// (it brings ICU and libxml2 along).
#define HORT_ARCHIVE_FUNCTIONS(X) \
  X(archive_entry_free) \
  X(archive_entry_new) \
  X(archive_entry_set_filetype) \
  X(archive_entry_set_gid) \
  X(archive_entry_set_gname) \
  X(archive_entry_set_mtime) \
  X(archive_entry_set_pathname) \
  X(archive_entry_set_perm) \
  X(archive_entry_set_size) \
  X(archive_entry_set_symlink) \
  X(archive_entry_set_uid) \
  X(archive_entry_set_uname) \
  X(archive_error_string) \
  X(archive_write_close) \
  X(archive_write_data) \
  X(archive_write_free) \
  X(archive_write_header) \
  X(archive_write_new) \
  X(archive_write_open_fd) \
  X(archive_write_set_format_pax_restricted) \
  X(archive_write_set_format_zip)

struct ArchiveApi {
#define HORT_DECLARE(name) decltype(&::name) name = nullptr;
  HORT_ARCHIVE_FUNCTIONS(HORT_DECLARE)
#undef HORT_DECLARE
};

Result<const ArchiveApi*> LoadArchive() {
  static ArchiveApi api;
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

// Entry names are the full snapshot paths without the leading slash, like restic's.
Status DumpTar(Repository& repo, const Node& dir, const std::string& dir_path, const std::string& format) {
  HORT_ASSIGN_OR_RETURN(const ArchiveApi* lib, LoadArchive());
  archive* a = lib->archive_write_new();
  if (format == "zip") lib->archive_write_set_format_zip(a);
  else lib->archive_write_set_format_pax_restricted(a);
  lib->archive_write_open_fd(a, 1);
  Status result;
  auto fail = [&](const std::string& what) { return Status(Code::kIo, what + ": " + lib->archive_error_string(a)); };
  Status walk = WalkTree(repo, *dir.subtree, dir_path, [&](const std::string& path, const Node& n) {
    if (!result.ok()) return WalkAction::kStop;
    archive_entry* e = lib->archive_entry_new();
    lib->archive_entry_set_pathname(e, path.substr(1).c_str());
    lib->archive_entry_set_uid(e, n.uid);
    lib->archive_entry_set_gid(e, n.gid);
    if (!n.user.empty()) lib->archive_entry_set_uname(e, n.user.c_str());
    if (!n.group.empty()) lib->archive_entry_set_gname(e, n.group.c_str());
    lib->archive_entry_set_mtime(e, n.mtime.sec, n.mtime.nsec);
    lib->archive_entry_set_perm(e, PosixPermFromGoMode(n.mode));
    if (n.IsDir()) {
      lib->archive_entry_set_filetype(e, AE_IFDIR);
    } else if (n.type == "symlink") {
      lib->archive_entry_set_filetype(e, AE_IFLNK);
      lib->archive_entry_set_symlink(e, n.linktarget.c_str());
    } else if (n.IsFile()) {
      lib->archive_entry_set_filetype(e, AE_IFREG);
      lib->archive_entry_set_size(e, static_cast<la_int64_t>(n.size));
    } else {
      lib->archive_entry_free(e);
      return WalkAction::kContinue;  // devices, fifos, sockets are not dumped
    }
    if (lib->archive_write_header(a, e) != ARCHIVE_OK) result = fail("tar header for " + path);
    if (result.ok() && n.IsFile()) {
      result = StreamContent(repo, n, [&](const std::vector<uint8_t>& blob) {
        if (lib->archive_write_data(a, blob.data(), blob.size()) < 0) return fail("tar data for " + path);
        return Status::Ok();
      });
    }
    lib->archive_entry_free(e);
    return result.ok() ? WalkAction::kContinue : WalkAction::kStop;
  });
  if (lib->archive_write_close(a) != ARCHIVE_OK && result.ok()) result = fail("closing archive");
  lib->archive_write_free(a);
  HORT_RETURN_IF_ERROR(walk);
  return result;
}
}  // namespace

Command AddDump(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<DumpFlags>();
  sub.add_option("snapshot", f->snapshot, "snapshot ID or 'latest'")->required();
  sub.add_option("path", f->path, "file or directory inside the snapshot")->required();
  sub.add_option("-a,--archive", f->archive, "archive format for directories: tar or zip");
  auto validate = [f]() -> Status {
    if (f->archive != "tar" && f->archive != "zip") return Status(Code::kInvalidArgument, "--archive must be tar or zip");
    return Status::Ok();
  };
  return Command{validate, [] { return NeedsRepository(LockMode::kShared, true); }, [f, &g](Opened& o) {
    Repository& repo = o.repo();
    auto snap = repo.FindSnapshot(f->snapshot);
    if (!snap.ok()) return Fail(snap.status());
    auto node = FindNodeAt(repo, snap->tree, f->path);
    if (!node.ok()) return Fail(node.status());
    Status s;
    if (node->IsFile()) {
      s = StreamContent(repo, *node, [](const std::vector<uint8_t>& blob) { return WriteAll(1, blob); });
    } else if (node->IsDir()) {
      std::string clean;
      for (size_t start = 0; start < f->path.size();) {
        size_t end = f->path.find('/', start);
        if (end == std::string::npos) end = f->path.size();
        std::string part = f->path.substr(start, end - start);
        if (!part.empty() && part != ".") clean += "/" + part;
        start = end + 1;
      }
      s = DumpTar(repo, *node, clean, f->archive);
    } else {
      s = Status(Code::kInvalidArgument, "cannot dump a " + node->type);
    }
    if (!s.ok()) return Fail(s);
    return kExitOk;
  }};
}

}  // namespace hort::cli
