// The command table and what every command shares: global options,
// repository opening, password sources and the exit-code contract.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "repository/lock.h"
#include "repository/open.h"
#include "repository/repository.h"
#include "state/state.h"

namespace hort {
struct PruneOptions;
}

namespace hort::cli {

// prune's flags, shared by `prune` and `forget --prune`.
void AddPruneFlags(CLI::App& sub, PruneOptions* options);
// --max-unused and --max-repack-size, checked before the repository opens.
[[nodiscard]] Status ValidatePruneFlags(const PruneOptions& options);

// Exit codes (docs/exit-codes.md), identical to restic's.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 1;
inline constexpr int kExitPartial = 3;
inline constexpr int kExitNoRepository = 10;
inline constexpr int kExitLocked = 11;
inline constexpr int kExitWrongPassword = 12;
inline constexpr int kExitInterrupted = 130;

struct GlobalOptions {
  std::string repo;
  std::string repository_file;
  std::string password_file;
  std::string password_command;
  std::string compression = "auto";
  std::vector<std::string> extended;  // -o key=value
  bool json = false;
  bool quiet = false;
  int verbose = 0;
  bool no_lock = false;
  std::string retry_lock;  // e.g. "5m": how long to wait for a conflicting lock
  std::string cacert;
  bool insecure_tls = false;
  std::string cache_dir;
  bool no_cache = false;
  std::string config;  // catalog commands: hort.yaml (else HORT_CONFIG, ./hort.yaml)
  // restic's global flags (docs/cli.md, "Other global flags").
  int limit_upload_kib = 0;    // KiB/s, 0 = unlimited
  int limit_download_kib = 0;  // KiB/s, 0 = unlimited
  unsigned pack_size_mib = 0;  // 0 = $RESTIC_PACK_SIZE, else the default 16 MiB
  std::string key_hint;        // key ID (prefix) tried first; else $RESTIC_KEY_HINT
  std::string tls_client_cert; // PEM file holding the client certificate and its key
  bool cleanup_cache = false;  // remove cache folders older than 30 days after opening
  // Set by main when the command reads its data from standard input
  // (backup --stdin): the password may then not come from there too.
  bool stdin_is_data = false;
};

// Applies the RESTIC_* defaults of restic's global flags that were not given
// (RESTIC_COMPRESSION, RESTIC_PACK_SIZE, RESTIC_KEY_HINT): flags win.
void ApplyEnvironmentDefaults(GlobalOptions& g, bool compression_given);
// Declares restic's global flags on the root app.
void AddGlobalFlags(CLI::App& app, GlobalOptions& g);

// Backend options from -o key=value, --cacert and --insecure-tls.
[[nodiscard]] Result<BackendOptions> BackendOptionsFrom(const GlobalOptions& g);
// -o key=value as a map, each key and value checked; a later one of a key wins.
[[nodiscard]] Result<std::map<std::string, std::string>> ExtendedOptionsFrom(const GlobalOptions& g);

// What a command needs before its body runs. main opens it, in one place,
// so a command body reads: options → engine call → render text or JSON.
struct Needs {
  bool catalog = false;           // hort.yaml (--config, HORT_CONFIG, ./hort.yaml)
  bool catalog_if_named = false;  // the catalog only when --config names one
  bool state = false;             // the catalog's state database (implies the catalog)
  bool repository = false;        // -r … opened with its password
  OpenLock lock = OpenLock::kNone;
  // Locked whatever --no-lock says, as restic 0.14 locks backup, prune,
  // key add/list/remove … (the commands that write, and a few others).
  bool lock_always = false;
  bool index = false;             // the repository's index loaded
  Repository::WarmUp warm_up;     // work for the disk while the key is derived (see Repository::Open)
  LockSettle lock_settle = LockSettle::kWait;  // kBehindReads: the lock's second look beside the reads (lock.h)
  const char* context = nullptr;  // put before an opening error ("refusing to start: …")
};
[[nodiscard]] inline Needs NeedsNothing() { return {}; }
[[nodiscard]] inline Needs NeedsCatalog(bool state = false) { return {.catalog = true, .state = state}; }
[[nodiscard]] inline Needs NeedsRepository(OpenLock lock, bool index) {
  return {.repository = true, .lock = lock, .index = index};
}
[[nodiscard]] inline Needs NeedsRepositoryLocked(OpenLock lock, bool index) {
  return {.repository = true, .lock = lock, .lock_always = true, .index = index};
}

// What main opened for the command (only what its Needs asked for).
struct Opened {
  std::unique_ptr<Catalog> catalog;
  std::unique_ptr<StateStore> state;
  OpenedRepo repository;
  [[nodiscard]] Repository& repo() { return *repository.repo; }
};

struct Command {
  // Optional: checks of the flags that need nothing opened, so bad input
  // fails before a password is asked or a repository touched.
  std::function<Status()> validate;
  // Asked after the flags are parsed and validated, since they may change
  // what is needed (cat's object type, key's action, repair's target).
  std::function<Needs()> needs;
  std::function<int(Opened&)> run;
};
// The usual case: nothing to validate, needs that no flag changes.
[[nodiscard]] inline Command MakeCommand(Needs needs, std::function<int(Opened&)> run) {
  return {{}, [needs] { return needs; }, std::move(run)};
}

struct CommandSpec {
  const char* name;
  const char* summary;
  // Declares the command's flags on `sub` and returns what runs it.
  Command (*add)(CLI::App& sub, GlobalOptions& global);
};

// Opens what `needs` asks for; the command's body runs only if this succeeds.
[[nodiscard]] Result<Opened> OpenNeeds(const GlobalOptions& g, const Needs& needs);

[[nodiscard]] const std::vector<CommandSpec>& Commands();

// Maps a Status to the documented exit code and prints one line to stderr.
int Fail(const Status& s);
// The same line for a command's own verdict (check's "repository contains errors"): exit 1.
int FailLine(std::string message);
[[nodiscard]] int ExitCodeFor(Code code);

[[nodiscard]] Result<std::string> ResolveRepository(const GlobalOptions& g);
// The folder that holds the repositories' caches: --cache-dir, HORT_CACHE_DIR,
// RESTIC_CACHE_DIR or DefaultCacheDir(); "" when none can be named.
[[nodiscard]] std::string CacheBase(const GlobalOptions& g);
// A second repository (copy's other side, init's --from-repo) with its own
// password flags and HORT_<prefix>/RESTIC_<prefix> variables (e.g. "FROM_").
[[nodiscard]] Result<std::unique_ptr<Repository>> OpenOtherRepository(const GlobalOptions& g, const std::string& location,
                                                                      const std::string& pw_file,
                                                                      const std::string& pw_command,
                                                                      const std::string& prefix);
[[nodiscard]] Result<std::string> ResolvePassword(const GlobalOptions& g, bool confirm);
// Reads a password from a file/command/env with the given prefixes (e.g. "RESTIC_FROM_").
// `stdin_is_data`: standard input carries the backup's data, so a password
// cannot be read from it.
[[nodiscard]] Result<std::string> PasswordFrom(const std::string& file, const std::string& command,
                                               const std::vector<std::string>& env_prefixes, bool confirm,
                                               bool stdin_is_data = false);
// restic's rule for a password nobody configured: the terminal when standard
// input is one, else the first line of standard input.
[[nodiscard]] Result<std::string> ReadPasswordLine(int fd);

// `warm_up`: see Repository::Open. Commands get their repository through
// Needs, which applies --no-lock; copy opens its second repository with this.
[[nodiscard]] Result<OpenedRepo> OpenRepository(const GlobalOptions& g, OpenLock lock, bool load_index,
                                                      const Repository::WarmUp& warm_up = {},
                                                      LockSettle settle = LockSettle::kWait);

// --pack-size in bytes (0: the repository's default); restic's 4..128 MiB bounds.
[[nodiscard]] Result<uint64_t> PackSizeBytes(unsigned mib);
// Removes cache folders unused for 30 days when --cleanup-cache asks for it,
// else says (on stderr, with -v) how many there are (cmd_cache.cc).
void CleanUpOldCaches(const std::string& base, const GlobalOptions& g);

[[nodiscard]] Result<CompressionMode> ParseCompression(const std::string& s);
[[nodiscard]] Result<std::chrono::seconds> ParseWait(const std::string& text);

// Human-readable sizes like restic's ("1.234 MiB").
[[nodiscard]] std::string FormatBytes(uint64_t bytes);
// "2026-11-26 05:30:23" in the snapshot's recorded zone.
[[nodiscard]] std::string FormatLocalTime(const gojson::Timestamp& t);
// restic's snapshot title: "<Snapshot 1a2b3c4d of [/a /b] at 2026-12-04 07:24:43 by root@host>", every path.
[[nodiscard]] std::string SnapshotTitle(const Snapshot& s);

void InstallSignalHandlers();
// A thread that, once a byte arrives on wake[1] (written by a signal
// handler), removes every repository lock the process holds and exits 130.
// False when the pipe cannot be made (the handler then exits at once).
[[nodiscard]] bool StartExitCleaner(int wake[2]);

}  // namespace hort::cli
