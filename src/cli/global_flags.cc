// The root's flags, restic's names and meanings, and the RESTIC_* variables
// that give some of them their defaults.
#include <cstdlib>
#include <string>

#include "cli/command.h"
#include "util/env.h"

namespace hort::cli {

void AddGlobalFlags(CLI::App& app, GlobalOptions& g) {
  app.add_option("-r,--repo", g.repo, "repository to use (or HORT_REPOSITORY / RESTIC_REPOSITORY)");
  app.add_option("--repository-file", g.repository_file, "file to read the repository location from");
  app.add_option("-p,--password-file", g.password_file, "file to read the repository password from");
  app.add_option("--password-command", g.password_command, "shell command that prints the password");
  app.add_option("--key-hint", g.key_hint, "key ID of key to try decrypting first (default: $RESTIC_KEY_HINT)");
  app.add_option("--compression", g.compression, "compression mode: auto, off, max (default: $RESTIC_COMPRESSION, else auto)");
  app.add_option("--pack-size", g.pack_size_mib,
                 "set target pack size in MiB, created pack files may be larger (default: $RESTIC_PACK_SIZE)");
  app.add_option("-o,--option", g.extended, "set extended option (key=value)");
  app.add_option("--config", g.config, "catalog file for config/serve/run/status/guard/metrics (or HORT_CONFIG, ./hort.yaml)");
  app.add_flag("--json", g.json, "print machine-readable JSON");
  app.add_flag("-q,--quiet", g.quiet, "print only errors");
  app.add_flag("-v,--verbose", g.verbose, "be verbose (repeat for more)");
  app.add_flag("--no-lock", g.no_lock, "do not lock the repository (read-only commands)");
  app.add_option("--retry-lock", g.retry_lock, "wait this long for a conflicting lock (e.g. 5m)");
  app.add_option("--cacert", g.cacert, "file with the CA certificate(s) to trust (TLS)");
  app.add_option("--tls-client-cert", g.tls_client_cert,
                 "path to a file containing PEM encoded TLS client certificate and private key");
  app.add_flag("--insecure-tls", g.insecure_tls, "skip TLS certificate verification (testing only)");
  app.add_option("--cache-dir", g.cache_dir, "local cache directory (default: $HORT_CACHE_DIR, $RESTIC_CACHE_DIR, ~/.cache/hort)");
  app.add_flag("--no-cache", g.no_cache, "do not use a local cache");
  app.add_flag("--cleanup-cache", g.cleanup_cache, "auto remove old cache directories");
  app.add_option("--limit-upload", g.limit_upload_kib, "limits uploads to a maximum rate in KiB/s. (default: unlimited)");
  app.add_option("--limit-download", g.limit_download_kib, "limits downloads to a maximum rate in KiB/s. (default: unlimited)");
}

void ApplyEnvironmentDefaults(GlobalOptions& g, bool compression_given) {
  if (!compression_given) {
    std::string env = Env("HORT_COMPRESSION");
    if (env.empty()) env = Env("RESTIC_COMPRESSION");
    if (!env.empty()) g.compression = env;
  }
  if (g.pack_size_mib == 0) {
    // As restic: a value that is not a number counts as unset.
    std::string env = Env("RESTIC_PACK_SIZE");
    char* end = nullptr;
    unsigned long v = env.empty() ? 0 : std::strtoul(env.c_str(), &end, 10);
    if (end != nullptr && *end == '\0' && v <= 0xffffffffUL) g.pack_size_mib = static_cast<unsigned>(v);
  }
  if (g.key_hint.empty()) g.key_hint = Env("RESTIC_KEY_HINT");
}

}  // namespace hort::cli
