// A backup of one stream instead of a walk (--stdin, --stdin-from-command):
// the stream is one file of the snapshot, in the folders its name gives.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <string>
#include <vector>

#include "archiver/backup.h"
#include "archiver/fs_node.h"
#include "util/lexical_path.h"
#include "util/child_processes.h"

extern char** environ;

namespace hort::archiver_internal {

Result<std::vector<std::string>> StdinPathComponents(const std::string& name) {
  std::vector<std::string> parts = CleanComponents(name);
  if (parts.empty()) {
    return Status(Code::kInvalidArgument, "stdin file name \"" + name + "\" names no file");
  }
  return parts;
}

// The stdin file's node and the directory nodes above it (stdin_filename
// "a/b/f" → root → a → b → f), each directory a DirJob whose only child
// is the next; the file's completion saves them bottom-up.
Status Backup::ReadStdin() {
  HORT_ASSIGN_OR_RETURN(std::vector<std::string> parts, StdinPathComponents(opt_.stdin_filename));
  const bool stable = opt_.stdin_stable_time.has_value();
  const gojson::Timestamp now = stable ? *opt_.stdin_stable_time : gojson::Now();
  auto owned = [&](Node& n) {
    n.mtime = n.atime = n.ctime = now;
    if (stable) return;  // uid/gid 0, no names
    n.uid = ::getuid();
    n.gid = ::getgid();
    n.user = UserName(n.uid);
    n.group = GroupName(n.gid);
  };
  root_ = NewDir(nullptr, 0, "");
  DirJob* d = root_;
  std::vector<Node> old = parent_root_;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    d->nodes.resize(1);
    d->drop.assign(1, 0);
    Node& dir = d->nodes[0];
    dir.name = parts[i];
    dir.type = "dir";
    dir.mode = gomode::kDir | (stable ? 0700u : 0755u);
    owned(dir);
    DirJob* c = NewDir(d, 0, d->path + "/" + parts[i]);
    const Node* old_node = FindNode(old, parts[i]);
    c->existed_before = old_node && old_node->IsDir();
    if (c->existed_before) c->old_tree = old_node->subtree;
    old = OldChildren(old_node);
    d = c;  // its pending hold is released by the child's DirDone
  }
  d->nodes.resize(1);
  d->drop.assign(1, 0);
  Node& n = d->nodes[0];
  n.name = parts.back();
  n.type = "file";
  n.mode = stable ? 0600 : 0644;
  owned(n);
  int fd = opt_.stdin_fd;
  pid_t child = -1;
  if (!opt_.stdin_command.empty()) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoStatus("pipe", errno);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    std::vector<char*> argv;
    for (const auto& a : opt_.stdin_command) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int rc = posix_spawnp(&child, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    if (rc != 0) {
      ::close(fds[0]);
      return Status(Code::kInvalidArgument, "cannot start command '" + opt_.stdin_command[0] + "': " + std::strerror(rc));
    }
    ChildStarted(child, /*own_group=*/false);  // in hort's group: a terminal's Ctrl-C reaches it, as restic's
    fd = fds[0];
  }
  std::promise<Result<FileContent>> done;
  saver_.SaveFile(opt_.stdin_filename, fd, 1 << 20, [&](Result<FileContent> c) { done.set_value(std::move(c)); });
  auto content = done.get_future().get();
  if (child > 0) {
    ::close(fd);
    int wstatus = 0;
    ::waitpid(child, &wstatus, 0);
    ChildReaped(child);
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
      int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
      return Status(Code::kInvalidArgument, "command '" + opt_.stdin_command[0] + "' failed with exit status " +
                                                std::to_string(code) + "; no snapshot written");
    }
  }
  if (!content.ok()) {
    // The reading side failed (a store error): that is the cause to report;
    // the producer is only stopped.
    if (opt_.stdin_done) (void)opt_.stdin_done();
    return content.status().Annotate("reading stdin");
  }
  if (opt_.stdin_done) HORT_RETURN_IF_ERROR(opt_.stdin_done());
  // restic refuses it too (its stdin reader does not allow an empty file):
  // a dump that wrote nothing is a failed dump, not a backup.
  if (content->size == 0) return Status(Code::kInvalidArgument, "reading stdin: no data read; no snapshot written");
  n.content = std::move(content->blobs);
  n.size = content->size;
  result_.summary.total_files_processed = 1;
  result_.summary.total_bytes_processed = n.size;
  // As restic tracks it: the parent's node at this path decides.
  const Node* old_file = FindNode(old, n.name);
  if (!old_file || !old_file->IsFile()) {
    files_new_++;
  } else {
    std::string a, b;
    EncodeNode(*old_file, &a);
    EncodeNode(n, &b);
    (a == b ? files_unmodified_ : files_changed_)++;
  }
  DirDone(d);
  return Status::Ok();
}

}  // namespace hort::archiver_internal
