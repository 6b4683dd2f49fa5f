// hort: one program for the homelab's backup & restore strategy.
#include <malloc.h>

#include <cstdio>

#include "cli/command.h"
#include "util/log.h"

int main(int argc, char** argv) {
  using namespace hort::cli;
  // Pipelines allocate and free MiB-sized buffers constantly; keeping them in
  // the heap instead of fresh mmaps avoids a page fault per 4 KiB each time.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  // Buffers are allocated by reader threads and freed by workers: per-thread
  // arenas would each keep their own high-water mark (measured: -40 MiB RSS).
  mallopt(M_ARENA_MAX, 2);
  CLI::App app{"hort: fast, restic-compatible backup & restore for Kubernetes homelabs"};
  app.set_version_flag("--version", "hort 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions g;
  app.add_option("-r,--repo", g.repo, "repository to use (or HORT_REPOSITORY / RESTIC_REPOSITORY)");
  app.add_option("--repository-file", g.repository_file, "file to read the repository location from");
  app.add_option("-p,--password-file", g.password_file, "file to read the repository password from");
  app.add_option("--password-command", g.password_command, "shell command that prints the password");
  app.add_option("--compression", g.compression, "compression mode: auto, off, max");
  app.add_option("-o,--option", g.extended, "set extended option (key=value)");
  app.add_option("--config", g.config, "catalog file for config/serve/run/status/guard/metrics (or HORT_CONFIG, ./hort.yaml)");
  app.add_flag("--json", g.json, "print machine-readable JSON");
  app.add_flag("-q,--quiet", g.quiet, "print only errors");
  app.add_flag("-v,--verbose", g.verbose, "be verbose (repeat for more)");
  app.add_flag("--no-lock", g.no_lock, "do not lock the repository (read-only commands)");
  app.add_option("--retry-lock", g.retry_lock, "wait this long for a conflicting lock (e.g. 5m)");
  app.add_option("--cacert", g.cacert, "file with the CA certificate(s) to trust (TLS)");
  app.add_flag("--insecure-tls", g.insecure_tls, "skip TLS certificate verification (testing only)");
  app.add_option("--cache-dir", g.cache_dir, "local cache directory for remote repositories");
  app.add_flag("--no-cache", g.no_cache, "do not use a local cache");

  std::vector<std::pair<CLI::App*, Command>> commands;
  for (const CommandSpec& spec : Commands()) {
    CLI::App* sub = app.add_subcommand(spec.name, spec.summary);
    commands.emplace_back(sub, spec.add(*sub, g));
    // restic's repeatable flags take one value per occurrence (--tag a --tag b),
    // never the positional arguments that follow them.
    for (CLI::Option* opt : sub->get_options()) {
      if (!opt->get_positional() && opt->get_expected_max() > 1) {
        opt->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
      }
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  if (g.quiet) hort::SetLogLevel(hort::LogLevel::kQuiet);
  if (g.verbose > 0) hort::SetLogLevel(g.verbose > 1 ? hort::LogLevel::kDebug : hort::LogLevel::kVerbose);
  InstallSignalHandlers();
  for (auto& [sub, command] : commands) {
    if (!sub->parsed()) continue;
    if (command.validate) {
      if (hort::Status s = command.validate(); !s.ok()) return Fail(s);
    }
    auto opened = OpenNeeds(g, command.needs());
    if (!opened.ok()) return Fail(opened.status());
    return command.run(*opened);
  }
  return kExitUsage;
}
