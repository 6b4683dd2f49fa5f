// hort: one program for the homelab's backup & restore strategy.
#include <cstdio>

#include "cli/command.h"
#include "cli/usage.h"
#include "util/allocator.h"
#include "util/log.h"
#include "util/version.h"

int main(int argc, char** argv) {
  using namespace hort::cli;
  hort::TuneAllocatorForPipelines();
  CLI::App app{"hort: fast, restic-compatible backup & restore for Kubernetes homelabs"};
  app.set_version_flag("--version", hort::kHortProgramVersion);
  app.require_subcommand(1);
  app.fallthrough();
  // The usage line names the program, not the path it was started by.
  app.name("hort");
  GlobalOptions g;
  AddGlobalFlags(app, g);

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
  if (auto handled = HandleBeforeParse(app, argc, argv)) return *handled;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return ReportParseError(app, e);
  }
  ApplyEnvironmentDefaults(g, app.count("--compression") > 0);
  if (g.quiet) hort::SetLogLevel(hort::LogLevel::kQuiet);
  if (g.verbose > 0) hort::SetLogLevel(g.verbose > 1 ? hort::LogLevel::kDebug : hort::LogLevel::kVerbose);
  InstallSignalHandlers();
  // Global flags read only by some commands are checked for every one, before
  // anything opens: a bad --retry-lock was found only when a lock was busy.
  if (auto wait = ParseWait(g.retry_lock); !wait.ok()) return Fail(wait.status().Annotate("--retry-lock"));
  for (auto& [sub, command] : commands) {
    if (!sub->parsed()) continue;
    const CLI::Option* stdin_flag = sub->get_option_no_throw("--stdin");
    g.stdin_is_data = stdin_flag != nullptr && stdin_flag->count() > 0;
    if (command.validate) {
      if (hort::Status s = command.validate(); !s.ok()) return Fail(s);
    }
    auto opened = OpenNeeds(g, command.needs());
    if (!opened.ok()) return Fail(opened.status());
    return command.run(*opened);
  }
  return kExitUsage;
}
