// dump: a file's content as-is, or a directory as a tar stream (what K8up's
// restore-to-S3 and `restic dump` users pipe elsewhere).
#include <unistd.h>

#include <cstdio>

#include "archive/writer.h"
#include "cli/command.h"
#include "cli/snapshot_filter.h"
#include "repository/walk.h"

namespace hort::cli {
namespace {
struct DumpFlags {
  std::string snapshot, path, archive = "tar";
  SnapshotFilter filter;  // for "latest", as restic's dump
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

// Entry names are the full snapshot paths without the leading slash, like restic's.
Status DumpTar(Repository& repo, const Node& dir, const std::string& dir_path, const std::string& format) {
  HORT_ASSIGN_OR_RETURN(auto writer, ArchiveWriter::ToFd(1, format == "zip" ? ArchiveFormat::kZip : ArchiveFormat::kTar));
  Status result;
  Status walk = WalkTree(repo, *dir.subtree, dir_path, [&](const std::string& path, const Node& n) {
    if (!result.ok()) return WalkAction::kStop;
    ArchiveEntry e{.path = path.substr(1),
                   .mode = PosixPermFromGoMode(n.mode),
                   .mtime_sec = n.mtime.sec,
                   .mtime_nsec = n.mtime.nsec,
                   .uid = n.uid,
                   .gid = n.gid,
                   .user = n.user,
                   .group = n.group};
    for (const auto& x : n.xattrs) e.xattrs.emplace_back(x.name, x.value);
    if (n.IsDir()) {
      e.type = EntryType::kDirectory;
    } else if (n.type == "symlink") {
      e.type = EntryType::kSymlink;
      e.symlink = n.linktarget;
    } else if (n.IsFile()) {
      e.type = EntryType::kFile;
      e.size = n.size;
    } else if ((n.type == "fifo" || n.type == "chardev" || n.type == "dev") && format != "zip") {
      // As they are, with the device number. restic 0.14 writes them as
      // empty regular files; a zip has no type for them and leaves them out.
      e.type = n.type == "fifo" ? EntryType::kFifo : n.type == "chardev" ? EntryType::kCharDevice : EntryType::kBlockDevice;
      e.rdev = n.device;
    } else {
      return WalkAction::kContinue;  // sockets are not dumped (nor restored), nor fifos and devices in a zip
    }
    result = writer->Add(e);
    if (result.ok() && n.IsFile()) {
      result = StreamContent(repo, n, [&](const std::vector<uint8_t>& blob) { return writer->WriteData(blob); });
    }
    return result.ok() ? WalkAction::kContinue : WalkAction::kStop;
  });
  Status closed = writer->Close();  // after a failure too: the archive ends cleanly where it stopped
  if (result.ok()) result = closed;
  HORT_RETURN_IF_ERROR(walk);
  return result;
}
}  // namespace

Command AddDump(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<DumpFlags>();
  sub.add_option("snapshot", f->snapshot, "snapshot ID or 'latest'")->required();
  sub.add_option("path", f->path, "file or directory inside the snapshot")->required();
  sub.add_option("-a,--archive", f->archive, "archive format for directories: tar or zip");
  AddFilterFlags(sub, &f->filter);
  auto validate = [f]() -> Status {
    if (f->archive != "tar" && f->archive != "zip") return Status(Code::kInvalidArgument, "--archive must be tar or zip");
    return Status::Ok();
  };
  return Command{validate, [] { return NeedsRepository(OpenLock::kShared, true); }, [f, &g](Opened& o) {
    Repository& repo = o.repo();
    auto snap = FindSnapshotRef(repo, f->filter, f->snapshot);
    if (!snap.ok()) return Fail(snap.status());
    auto node = FindNodeAt(repo, snap->tree, f->path);
    if (!node.ok()) return Fail(node.status());
    Status s;
    if (node->IsFile()) {
      s = StreamContent(repo, *node, [](const std::vector<uint8_t>& blob) { return WriteAll(1, blob); });
    } else if (node->IsDir()) {
      s = DumpTar(repo, *node, CleanSnapshotPath(f->path), f->archive);
    } else {
      s = Status(Code::kInvalidArgument, "cannot dump a " + node->type);
    }
    if (!s.ok()) return Fail(s);
    return kExitOk;
  }};
}

}  // namespace hort::cli
