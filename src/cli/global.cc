#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/command.h"
#include "objstore/durable_file.h"
#include "objstore/open_store.h"
#include "repository/lock.h"
#include "repository/open.h"
#include "schedule/duration.h"
#include "util/child_processes.h"
#include "util/env.h"
#include "util/log.h"
#include "util/secret.h"
#include "util/strings.h"

namespace hort::cli {

int ExitCodeFor(Code code) {
  switch (code) {
    case Code::kOk: return kExitOk;
    case Code::kPartial: return kExitPartial;
    case Code::kNoRepository: return kExitNoRepository;
    case Code::kLocked: return kExitLocked;
    case Code::kWrongPassword: return kExitWrongPassword;
    case Code::kCancelled: return kExitInterrupted;
    default: return kExitFailure;
  }
}

int FailLine(std::string message) {
  for (char& c : message) if (c == '\n') c = ' ';
  // What stdout holds so far comes first: with both streams in one file the
  // Fatal line landed in the middle of a table row.
  std::fflush(stdout);
  // A name from the command line or a store may hold ESC: shown, not obeyed.
  std::fprintf(stderr, "Fatal: %s\n", TerminalSafe(message).c_str());
  return kExitFailure;
}

int Fail(const Status& s) {
  (void)FailLine(s.message());
  return ExitCodeFor(s.code());
}

namespace {

Result<std::string> Prompt(const char* text) {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0 || !::isatty(fd)) {
    if (fd >= 0) ::close(fd);
    return Status(Code::kInvalidArgument,
                  "no password given: set HORT_PASSWORD(_FILE|_COMMAND) or RESTIC_PASSWORD(...), or use --password-file");
  }
  (void)!::write(fd, text, std::strlen(text));
  termios old{}, quiet{};
  ::tcgetattr(fd, &old);
  quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(fd, TCSAFLUSH, &quiet);
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  ::tcsetattr(fd, TCSAFLUSH, &old);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  return line;
}

}  // namespace

Result<std::string> ReadPasswordLine(int fd) {
  // One byte at a time: whatever follows the first line stays unread.
  std::string line;
  char c;
  bool any = false;
  ssize_t n;
  while ((n = ::read(fd, &c, 1)) == 1) {
    any = true;
    if (c == '\n') break;
    line.push_back(c);
  }
  if (n < 0) return Status(Code::kInvalidArgument, std::string("unable to read password from stdin: ") + std::strerror(errno));
  if (!any) {
    return Status(Code::kInvalidArgument,
                  "no password given: standard input is empty; set HORT_PASSWORD(_FILE|_COMMAND) or "
                  "RESTIC_PASSWORD(...), or use --password-file");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Result<std::string> PasswordFrom(const std::string& file, const std::string& command,
                                 const std::vector<std::string>& prefixes, bool confirm, bool stdin_is_data) {
  // restic's order (resolvePassword): a command, else a file, else the
  // variable, else ask. The _FILE and _COMMAND variables stand in for the
  // flags, so a file from one and a command from the other is ambiguous, and
  // refused as restic refuses it; a variable never beats a file.
  std::string from_file = file, from_command = command;
  for (const auto& prefix : prefixes) {
    if (from_file.empty()) from_file = Env(prefix + "PASSWORD_FILE");
    if (from_command.empty()) from_command = Env(prefix + "PASSWORD_COMMAND");
  }
  if (!from_file.empty() && !from_command.empty()) {
    return Status(Code::kInvalidArgument,
                  "password file (" + from_file + ") and password command are mutually exclusive: give one of them");
  }
  if (!from_file.empty() || !from_command.empty()) return PasswordFromFileOrCommand(from_file, from_command);
  for (const auto& prefix : prefixes) {
    if (std::string v = Env(prefix + "PASSWORD"); !v.empty()) return v;  // set but empty: not given, as restic
  }
  std::string pw;
  if (!::isatty(STDIN_FILENO)) {
    // restic reads one line from a standard input that is not a terminal
    // (echo pw | restic ...), and asks only once.
    if (stdin_is_data) {
      return Status(Code::kInvalidArgument,
                    "cannot read both the password and the data from standard input; give the password another way");
    }
    HORT_ASSIGN_OR_RETURN(pw, ReadPasswordLine(STDIN_FILENO));
  } else {
    HORT_ASSIGN_OR_RETURN(pw, Prompt("enter password for repository: "));
    if (confirm) {
      HORT_ASSIGN_OR_RETURN(std::string again, Prompt("enter password again: "));
      if (again != pw) return Status(Code::kInvalidArgument, "passwords do not match");
    }
  }
  if (pw.empty()) return Status(Code::kInvalidArgument, "an empty password is not a password");
  return pw;
}

Result<std::string> ResolvePassword(const GlobalOptions& g, bool confirm) {
  return PasswordFrom(g.password_file, g.password_command, {"HORT_", "RESTIC_"}, confirm, g.stdin_is_data);
}

// restic's rule: a location (-r, else the variables) and a file (the flag,
// else the variables) together are refused, whichever way each was given.
Result<std::string> ResolveRepository(const GlobalOptions& g) {
  std::string location = g.repo, file = g.repository_file;
  for (const char* name : {"HORT_REPOSITORY", "RESTIC_REPOSITORY"}) {
    if (location.empty()) location = Env(name);
  }
  for (const char* name : {"HORT_REPOSITORY_FILE", "RESTIC_REPOSITORY_FILE"}) {
    if (file.empty()) file = Env(name);
  }
  if (!location.empty() && !file.empty()) {
    return Status(Code::kInvalidArgument, "Options -r and --repository-file are mutually exclusive, please specify only one");
  }
  if (!file.empty()) return ReadSecretFile(file, "repository file");
  if (!location.empty()) return location;
  return Status(Code::kInvalidArgument, "please specify a repository (-r/--repo or HORT_REPOSITORY)");
}

Result<CompressionMode> ParseCompression(const std::string& s) {
  if (s == "auto") return CompressionMode::kAuto;
  if (s == "off") return CompressionMode::kOff;
  if (s == "max") return CompressionMode::kMax;
  return Status(Code::kInvalidArgument, "invalid --compression \"" + s + "\" (use auto, off or max)");
}

namespace {
// restic's line for SIGINT (restic 0.14 does not catch SIGTERM; hort does,
// to remove its lock). write(2) and constant strings only, in a handler.
constexpr char kInterrupted[] = "signal interrupt received, cleaning up\n";
constexpr char kTerminated[] = "signal terminated received, cleaning up\n";
// The handler wakes a thread through this pipe: removing the locks (a
// request to S3 or REST, a lock taken by another thread) is no work for a
// signal handler. A second signal exits at once.
int g_wake[2] = {-1, -1};
std::atomic<bool> g_interrupted{false};
void OnSignal(int sig) {
  if (g_interrupted.exchange(true)) ::_exit(kExitInterrupted);
  if (sig == SIGINT) {
    (void)!::write(STDERR_FILENO, kInterrupted, sizeof(kInterrupted) - 1);
  } else {
    (void)!::write(STDERR_FILENO, kTerminated, sizeof(kTerminated) - 1);
  }
  if (g_wake[1] >= 0) {
    const char wake = 1;
    if (::write(g_wake[1], &wake, 1) == 1) return;
  }
  ::_exit(kExitInterrupted);
}
}  // namespace

bool StartExitCleaner(int wake[2]) {
  // Every lock the process holds goes (a local folder's or a remote one's,
  // under the ID its last refresh gave it), then the process exits.
  if (::pipe2(wake, O_CLOEXEC) != 0) return false;
  const int read_end = wake[0];
  std::thread([read_end] {
    char byte = 0;
    while (::read(read_end, &byte, 1) < 0 && errno == EINTR) {
    }
    RemoveHeldLocksForExit();
    RemoveOwnTempFilesForExit();  // a pack half written is no use to anyone
    KillChildrenForExit();  // a dump command or hook must not outlive hort
    ::_exit(kExitInterrupted);
  }).detach();
  return true;
}

void InstallSignalHandlers() {
  (void)StartExitCleaner(g_wake);
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGINT);  // one handler at a time
  sigaddset(&sa.sa_mask, SIGTERM);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  // A write past the file size limit (ulimit -f) then fails with EFBIG, and
  // the failure is reported like a full disk, as in restic (Go catches the
  // signal). By default it killed hort midway: no summary, no message, a
  // stale lock, half a restore. A handler, not SIG_IGN: an ignored signal
  // stays ignored in the programs hort starts (--stdin-from-command, hooks),
  // a handler goes back to the default at exec.
  struct sigaction xfsz {};
  xfsz.sa_handler = [](int) {};
  sigemptyset(&xfsz.sa_mask);
  ::sigaction(SIGXFSZ, &xfsz, nullptr);
  // restic's unlock asks whether a lock's owner lives by sending it SIGHUP
  // (restic 0.14 lock_unix.go), and restic survives it: by default hort was
  // killed (exit 129), its lock left behind, by any `restic unlock` on the
  // host. Caught the same way, and restarting what it interrupts.
  struct sigaction hup {};
  hup.sa_handler = [](int) {};
  hup.sa_flags = SA_RESTART;
  sigemptyset(&hup.sa_mask);
  ::sigaction(SIGHUP, &hup, nullptr);
}

Result<std::chrono::seconds> ParseWait(const std::string& text) {
  if (text.empty() || text == "0" || text == "0s") return std::chrono::seconds(0);
  HORT_ASSIGN_OR_RETURN(int64_t seconds, ParseDurationSeconds(text));
  return std::chrono::seconds(seconds);
}

std::string CacheBase(const GlobalOptions& g) {
  if (!g.cache_dir.empty()) return g.cache_dir;
  std::string base = Env("HORT_CACHE_DIR");
  if (base.empty()) base = Env("RESTIC_CACHE_DIR");
  return base.empty() ? DefaultCacheDir() : base;
}


Result<BackendOptions> BackendOptionsFrom(const GlobalOptions& g) {
  BackendOptions o;
  if (!g.no_cache) o.cache_dir = CacheBase(g);
  o.cacert = g.cacert;
  o.insecure_tls = g.insecure_tls;
  o.tls_client_cert = g.tls_client_cert;
  if (!g.cacert.empty()) {
    // Read up front, as restic does, whatever the repository: a wrong path
    // fails here, not as "not trusted" at an https server, or not at all.
    const int fd = ::open(g.cacert.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return Status(Code::kInvalidArgument, ErrnoStatus("unable to read root certificate: open " + g.cacert, errno).message());
    }
    ::close(fd);
  }
  if (g.limit_upload_kib < 0 || g.limit_download_kib < 0) {
    return Status(Code::kInvalidArgument, "--limit-upload and --limit-download take a positive rate in KiB/s");
  }
  o.limit_upload_kib = g.limit_upload_kib;
  o.limit_download_kib = g.limit_download_kib;
  HORT_ASSIGN_OR_RETURN(o.extended, ExtendedOptionsFrom(g));
  return o;
}

Result<std::map<std::string, std::string>> ExtendedOptionsFrom(const GlobalOptions& g) {
  std::map<std::string, std::string> out;
  for (const auto& kv : g.extended) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) return Status(Code::kInvalidArgument, "invalid option \"" + kv + "\" (use -o key=value)");
    const std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
    HORT_RETURN_IF_ERROR(CheckStoreOption(key, value));
    out[key] = value;
  }
  return out;
}

Result<uint64_t> PackSizeBytes(unsigned mib) {
  // restic's bounds and messages (internal/repository: MinPackSize, MaxPackSize).
  if (mib == 0) return uint64_t{0};
  if (mib > 128) return Status(Code::kInvalidArgument, "pack size larger than limit of 128 MiB");
  if (mib < 4) return Status(Code::kInvalidArgument, "pack size smaller than minimum of 4 MiB");
  return uint64_t{mib} << 20;
}

Result<OpenedRepo> OpenRepository(const GlobalOptions& g, OpenLock lock, bool load_index,
                                        const Repository::WarmUp& warm_up, LockSettle settle) {
  OpenRequest req;
  HORT_ASSIGN_OR_RETURN(req.location, ResolveRepository(g));
  HORT_ASSIGN_OR_RETURN(req.backend, BackendOptionsFrom(g));
  HORT_ASSIGN_OR_RETURN(CompressionMode mode, ParseCompression(g.compression));
  req.password = [&g] { return ResolvePassword(g, false); };
  const std::string shown = LocationWithoutPassword(req.location);
  // restic's question, capital I and all: auto-init scripts grep for "Is there a repository at the
  // following location" before they run init. One line, as every hort error.
  std::string folder = shown;
  while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
  req.missing_message = "repository does not exist: unable to open config file at " + folder +
                        "/config. Is there a repository at the following location? " + shown;
  if (lock != OpenLock::kNone) {
    req.lock = lock;
    HORT_ASSIGN_OR_RETURN(req.lock_wait, ParseWait(g.retry_lock));
    req.lock_settle = settle;
  }
  req.warm_up = warm_up;
  req.key_hint = g.key_hint;
  HORT_ASSIGN_OR_RETURN(req.pack_size, PackSizeBytes(g.pack_size_mib));
  HORT_ASSIGN_OR_RETURN(OpenedRepo opened, OpenRepositoryFor(req));
  opened.repo->set_compression(mode);
  if (!req.backend.cache_dir.empty()) CleanUpOldCaches(req.backend.cache_dir, g);
  if (load_index) HORT_RETURN_IF_ERROR(opened.repo->LoadIndex());
  return opened;
}

std::string FormatBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0) std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(bytes));
  else std::snprintf(buf, sizeof(buf), "%.3f %s", v, units[u]);
  return buf;
}

// In the viewer's time zone (TZ), as restic shows times: a snapshot written
// by a daemon whose catalog runs in Europe/Berlin and one written by a CLI in
// UTC read the same minute the same way.
std::string FormatLocalTime(const gojson::Timestamp& t) {
  const time_t sec = static_cast<time_t>(t.sec);
  std::tm tm{};
  char buf[32];
  if (!localtime_r(&sec, &tm) || std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm) == 0) {
    std::string s = gojson::FormatRfc3339Nano({t.sec, 0, t.offset});  // as written
    s = s.substr(0, 19);
    s[10] = ' ';
    return s;
  }
  return buf;
}

std::string SnapshotTitle(const Snapshot& s) {
  return "<Snapshot " + s.id.Short() + " of [" + Join(s.paths, " ") + "] at " + FormatLocalTime(s.time) + " by " +
         s.username + "@" + s.hostname + ">";
}

Result<std::unique_ptr<Repository>> OpenOtherRepository(const GlobalOptions& g, const std::string& location,
                                                        const std::string& pw_file, const std::string& pw_command,
                                                        const std::string& prefix) {
  OpenRequest req;
  req.location = location;
  HORT_ASSIGN_OR_RETURN(req.backend, BackendOptionsFrom(g));
  req.password = [&] { return PasswordFrom(pw_file, pw_command, {"HORT_" + prefix, "RESTIC_" + prefix}, false); };
  req.missing_message = "repository does not exist: " + LocationWithoutPassword(location);
  HORT_ASSIGN_OR_RETURN(OpenedRepo opened, OpenRepositoryFor(req));
  return std::move(opened.repo);
}

}  // namespace hort::cli
