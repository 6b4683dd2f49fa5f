// The command table and what every command shares: global options,
// repository opening, password sources and the exit-code contract.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "repository/lock.h"
#include "repository/repository.h"

namespace hort {
struct PruneOptions;
}

namespace hort::cli {

// prune's flags, shared by `prune` and `forget --prune`.
void AddPruneFlags(CLI::App& sub, PruneOptions* options);

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
};

// Backend options from -o key=value, --cacert and --insecure-tls.
[[nodiscard]] Result<BackendOptions> BackendOptionsFrom(const GlobalOptions& g);

using Runner = std::function<int()>;

struct CommandSpec {
  const char* name;
  const char* summary;
  // Declares the command's flags on `sub` and returns what runs it.
  Runner (*add)(CLI::App& sub, GlobalOptions& global);
};

[[nodiscard]] const std::vector<CommandSpec>& Commands();

// Maps a Status to the documented exit code and prints one line to stderr.
int Fail(const Status& s);
[[nodiscard]] int ExitCodeFor(Code code);

[[nodiscard]] Result<std::string> ResolveRepository(const GlobalOptions& g);
[[nodiscard]] Result<std::string> ResolvePassword(const GlobalOptions& g, bool confirm);
// Reads a password from a file/command/env with the given prefixes (e.g. "RESTIC_FROM_").
[[nodiscard]] Result<std::string> PasswordFrom(const std::string& file, const std::string& command,
                                               const std::vector<std::string>& env_prefixes, bool confirm);

struct OpenedRepository {
  std::unique_ptr<Repository> repo;
  std::unique_ptr<RepoLock> lock;
};

enum class LockMode { kNone, kShared, kExclusive };
// `warm_up`: see Repository::Open.
[[nodiscard]] Result<OpenedRepository> OpenRepository(const GlobalOptions& g, LockMode lock, bool load_index,
                                                      const Repository::WarmUp& warm_up = {});

[[nodiscard]] Result<CompressionMode> ParseCompression(const std::string& s);
[[nodiscard]] Result<std::chrono::seconds> ParseWait(const std::string& text);

// Human-readable sizes like restic's ("1.234 MiB").
[[nodiscard]] std::string FormatBytes(uint64_t bytes);
// "2026-11-26 05:30:23" in the snapshot's recorded zone.
[[nodiscard]] std::string FormatLocalTime(const gojson::Timestamp& t);

void InstallSignalHandlers();

}  // namespace hort::cli
