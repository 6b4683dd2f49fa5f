#include "jobs/local_dump.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "util/child_processes.h"

extern char** environ;

namespace hort {
namespace {

constexpr off_t kStderrTail = 400;

// The end of what the command wrote to stderr, on one line.
std::string StderrTail(int fd) {
  const off_t size = ::lseek(fd, 0, SEEK_END);
  if (size <= 0) return "";
  const off_t from = std::max<off_t>(0, size - kStderrTail);
  std::string out(static_cast<size_t>(size - from), '\0');
  const ssize_t n = ::pread(fd, out.data(), out.size(), from);
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  std::replace(out.begin(), out.end(), '\n', ' ');
  return (from > 0 ? "…" : "") + out;
}

}  // namespace

std::string LocalDump::Describe(const std::vector<std::string>& argv) {
  if (argv.size() == 3 && argv[0] == "/bin/sh" && argv[1] == "-c") return argv[2];
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

Result<std::unique_ptr<LocalDump>> LocalDump::Start(const std::vector<std::string>& argv) {
  if (argv.empty()) return Status(Code::kInvalidArgument, "the dump has no command");
  std::unique_ptr<LocalDump> d(new LocalDump());
  d->what_ = "dump command \"" + Describe(argv) + "\"";
  // stderr into an anonymous file: it never blocks the command, and only its end is read.
  d->stderr_fd_ = ::memfd_create("hort-dump-stderr", MFD_CLOEXEC);
  if (d->stderr_fd_ < 0) return Status(Code::kIo, "memfd_create: " + std::string(std::strerror(errno)));
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status(Code::kIo, "pipe: " + std::string(std::strerror(errno)));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, d->stderr_fd_, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Its own process group: a shell's children go with it when hort must stop it.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  const int rc = ::posix_spawnp(&d->pid_, args[0], &fa, &attr, args.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    d->pid_ = -1;
    return Status(Code::kInvalidArgument, "cannot start " + d->what_ + ": " + std::strerror(rc));
  }
  ChildStarted(d->pid_, /*own_group=*/true);
  d->read_fd_ = fds[0];
  return d;
}

Status LocalDump::Finish() {
  if (finished_) return result_;
  finished_ = true;
  if (read_fd_ >= 0) ::close(read_fd_);  // a command still writing gets EPIPE and ends
  read_fd_ = -1;
  int wstatus = 0;
  while (::waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
  }
  ChildReaped(pid_);
  pid_ = -1;
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return result_ = Status::Ok();
  const std::string code = WIFEXITED(wstatus) ? "exit status " + std::to_string(WEXITSTATUS(wstatus))
                                              : "signal " + std::to_string(WTERMSIG(wstatus));
  const std::string tail = StderrTail(stderr_fd_);
  return result_ = Status(Code::kIo, what_ + " failed with " + code + "; no snapshot written" +
                                         (tail.empty() ? "" : ": " + tail));
}

LocalDump::~LocalDump() {
  if (pid_ > 0) (void)Finish();
  if (read_fd_ >= 0) ::close(read_fd_);
  if (stderr_fd_ >= 0) ::close(stderr_fd_);
}

}  // namespace hort
