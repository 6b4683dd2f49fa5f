#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/json_text.h"
#include "cli/command.h"
#include "cli/snapshot_filter.h"
#include "cli/progress_line.h"
#include <optional>
#include <set>
#include "replication/copy.h"
#include "repository/open.h"

namespace hort::cli {
namespace {
struct CopyFlags {
  std::string from_repo, from_password_file, from_password_command;
  std::string to_repo, to_password_file, to_password_command;
  CopyOptions opt;
  SnapshotFilter filter;
  std::vector<std::string> ids;
};

}  // namespace

Command AddCopy(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<CopyFlags>();
  sub.add_option("--from-repo", f->from_repo, "source repository (the destination is -r)");
  sub.add_option("--from-password-file", f->from_password_file, "password file of the source");
  sub.add_option("--from-password-command", f->from_password_command, "password command of the source");
  sub.add_option("--to-repo", f->to_repo, "destination repository (the source is -r)");
  sub.add_option("--to-password-file", f->to_password_file, "password file of the destination");
  sub.add_option("--to-password-command", f->to_password_command, "password command of the destination");
  AddFilterFlags(sub, &f->filter);
  sub.add_option("snapshots", f->ids, "snapshots to copy (default: all)");
  auto validate = [f]() -> Status {
    if (f->from_repo.empty() == f->to_repo.empty()) {
      return Status(Code::kInvalidArgument, "give exactly one of --from-repo (copy into -r) or --to-repo (copy from -r)");
    }
    return Status::Ok();
  };
  // main opens -r; the other repository is opened here, with its own password.
  // As restic 0.14: the destination is locked whatever --no-lock says, the source as it says.
  auto needs = [f] {
    return f->from_repo.empty() ? NeedsRepository(OpenLock::kShared, false) : NeedsRepositoryLocked(OpenLock::kShared, false);
  };
  return Command{validate, needs, [f, &g](Opened& o) {
    bool into_main = !f->from_repo.empty();
    auto other = into_main ? OpenOtherRepository(g, f->from_repo, f->from_password_file, f->from_password_command, "FROM_")
                           : OpenOtherRepository(g, f->to_repo, f->to_password_file, f->to_password_command, "TO_");
    if (!other.ok()) return Fail(other.status().Annotate(into_main ? "source repository" : "destination repository"));
    std::unique_ptr<RepoLock> other_lock;  // the source (--from-repo) unlocked with --no-lock
    if (!into_main || !g.no_lock) {
      auto locked = AcquireLock(**other, false);
      if (!locked.ok()) return Fail(locked.status());
      other_lock = std::move(*locked);
    }
    Repository& src = into_main ? **other : o.repo();
    Repository& dst = into_main ? o.repo() : **other;
    // The arguments name snapshots of the source: `latest` is its newest.
    auto sel = SelectSnapshots(src, f->filter, f->ids);
    if (!sel.ok()) return Fail(sel.status());
    auto chosen = std::make_shared<std::set<std::string>>();
    for (const auto& s : sel->snapshots) chosen->insert(s.id.Hex());
    f->opt.select = [chosen](const Snapshot& s) { return chosen->count(s.id.Hex()) > 0; };
    ProgressCounters counters;
    f->opt.progress = &counters;
    std::optional<ProgressLine> line;
    JsonStatusTicker json_status(&counters, g.json);
    line.emplace(&counters, "snapshots", ProgressWanted(g.quiet, g.json));
    auto stats = CopySnapshots(src, dst, f->opt, [&](const std::string& m) {
      if (!g.quiet && !g.json) {
        if (line) line.reset();
        std::printf("%s\n", m.c_str());
        line.emplace(&counters, "snapshots", ProgressWanted(g.quiet, g.json));
      }
    });
    line.reset();
    if (!stats.ok()) return Fail(stats.status());
    if (g.json) {
      nlohmann::json j = {{"message_type", "summary"}, {"snapshots_copied", stats->snapshots_copied},
                          {"snapshots_skipped", stats->snapshots_skipped}, {"blobs_copied", stats->blobs_copied},
                          {"bytes_copied", stats->bytes_copied}, {"rechunked", stats->rechunked}};
      std::printf("%s\n", JsonText(j).c_str());
    } else if (!g.quiet) {
      std::printf("copied %llu snapshots (%llu skipped), %llu new blobs, %s%s\n",
                  (unsigned long long)stats->snapshots_copied, (unsigned long long)stats->snapshots_skipped,
                  (unsigned long long)stats->blobs_copied, FormatBytes(stats->bytes_copied).c_str(),
                  stats->rechunked ? " (re-chunked: the repositories use different chunker parameters)" : "");
    }
    return ExitForMissing(*sel, kExitOk);
  }};
}

}  // namespace hort::cli
