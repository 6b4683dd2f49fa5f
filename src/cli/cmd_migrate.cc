// restic's `migrate`: without arguments the migrations that apply; with
// names, each is checked, the repository verified, then the migration run.
#include <cstdio>

#include "checker/checker.h"
#include "cli/command.h"
#include "repository/migrate.h"

namespace hort::cli {
namespace {

struct MigrateFlags {
  bool force = false;
  std::vector<std::string> names;
};

}  // namespace

Command AddMigrate(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<MigrateFlags>();
  sub.add_flag("-f,--force", f->force, "apply a migration a second time");
  sub.add_option("name", f->names, "migrations to apply (none: list those that apply)")->expected(0, -1);
  auto validate = [f]() -> Status {
    for (const std::string& n : f->names) {
      // restic ignores a name it does not know; a typo should not look like success.
      if (n != kUpgradeRepoV2.name) return Status(Code::kInvalidArgument, "unknown migration \"" + n + "\" (known: upgrade_repo_v2)");
    }
    return Status::Ok();
  };
  return Command{validate, [] { return NeedsRepositoryLocked(OpenLock::kExclusive, false); }, [f, &g](Opened& o) {
    Repository& repo = o.repo();
    if (f->names.empty()) {
      std::printf("available migrations:\n");
      if (UpgradeRepoV2Applies(repo)) std::printf("  %s\t%s\n", kUpgradeRepoV2.name, kUpgradeRepoV2.description);
      else std::printf("no migrations found\n");
      return kExitOk;
    }
    if (!UpgradeRepoV2Applies(repo)) {
      if (!f->force) {
        // restic warns and exits 0 here; hort refuses (docs/cli.md).
        return Fail(Status(Code::kInvalidArgument,
                           std::string("migration ") + kUpgradeRepoV2.name + " cannot be applied: check failed (the repository is at version " +
                               std::to_string(repo.config().version) + "); re-run with --force to apply it anyway"));
      }
      std::fprintf(stderr, "check for migration %s failed, continuing anyway\n", kUpgradeRepoV2.name);
    }
    if (!g.quiet) std::printf("checking repository integrity...\n");
    auto checked = RunCheck(repo, CheckOptions{}, [&](const std::string& m) {
      if (!g.quiet) std::printf("%s\n", m.c_str());
    });
    if (!checked.ok()) return Fail(checked.status());
    if (checked->ErrorCount() > 0) {
      for (const auto& fd : checked->findings) {
        if (fd.IsError()) std::fprintf(stderr, "error: %s\n", fd.message.c_str());
      }
      return Fail(Status(Code::kCorruption, "repository contains errors; not migrating"));
    }
    if (!g.quiet) std::printf("applying migration %s...\n", kUpgradeRepoV2.name);
    if (Status s = UpgradeRepoV2(repo); !s.ok()) return Fail(s.Annotate(std::string("migration ") + kUpgradeRepoV2.name + " failed"));
    std::printf("migration %s: success\n", kUpgradeRepoV2.name);
    return kExitOk;
  }};
}

}  // namespace hort::cli
