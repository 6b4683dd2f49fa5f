#include "util/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "util/child_processes.h"

namespace hort {

Result<CommandResult> RunShellCommand(const std::string& command, const std::string& cwd,
                                      const std::map<std::string, std::string>& env, int64_t timeout_seconds,
                                      const std::atomic<bool>* cancel) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoStatus("pipe", errno);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return ErrnoStatus("fork", errno);
  }
  if (pid == 0) {
    ::setpgid(0, 0);  // its own group, so a timeout kills its children too
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  ChildStarted(pid, /*own_group=*/true);
  ::close(fds[1]);
  CommandResult r;
  auto deadline = start + std::chrono::seconds(timeout_seconds);
  char buf[8192];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    bool cancelled = cancel && cancel->load();
    if (left.count() <= 0 || cancelled) {
      r.timed_out = !cancelled;
      r.cancelled = cancelled;
      ::kill(-pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 200)));
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    ssize_t got = ::read(fds[0], buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF: every writer closed
    r.output.append(buf, static_cast<size_t>(got));
    if (r.output.size() > 65536) r.output.erase(0, r.output.size() - 65536);
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ChildReaped(pid);
  if (r.timed_out || r.cancelled) {
    // The shell's own children were killed with it but are not ours to
    // reap: wait (up to 5 s) until the group is gone, so that nothing the
    // command started outlives this call (seen: `sleep` still listed right
    // after a cancelled restore test returned).
    for (int i = 0; i < 500 && ::kill(-pid, 0) == 0; ++i) ::usleep(10000);
  }
  if (!r.timed_out && !r.cancelled && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace hort
