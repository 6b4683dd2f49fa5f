#include <cstdio>
#include <mutex>
#include <optional>
#include <nlohmann/json.hpp>

#include "cli/json_text.h"
#include "cli/command.h"
#include "cli/snapshot_filter.h"
#include "cli/progress_line.h"
#include "cli/restore_pvc.h"
#include "format/pattern.h"
#include "restorer/restorer.h"

namespace hort::cli {
namespace {
struct RestoreFlags {
  std::string snapshot;
  RestoreOptions opt;
  SnapshotFilter filter;
  PvcRestoreFlags pvc;
};

class ErrorPrinter : public RestoreObserver {
 public:
  explicit ErrorPrinter(bool json) : json_(json) {}
  void OnError(const std::string& item, const Status& s) override {
    std::lock_guard lock(mu_);
    if (json_) {
      nlohmann::json j = {{"message_type", "error"}, {"error", {{"message", s.message()}}}, {"during", "restore"}, {"item", item}};
      std::fprintf(stderr, "%s\n", JsonText(j).c_str());
    } else {
      std::fprintf(stderr, "ignoring error for %s: %s\n", item.c_str(), s.message().c_str());
    }
  }

 private:
  bool json_;
  std::mutex mu_;
};
}  // namespace

Command AddRestore(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<RestoreFlags>();
  sub.add_option("snapshot", f->snapshot, "snapshot ID, 'latest', optionally with :SUBPATH")->required();
  sub.add_option("-t,--target", f->opt.target, "directory to extract data to");
  sub.add_option("-i,--include", f->opt.includes, "include a pattern");
  sub.add_option("-e,--exclude", f->opt.excludes, "exclude a pattern");
  sub.add_option("--iinclude", f->opt.iincludes, "include a pattern, case-insensitive");
  sub.add_option("--iexclude", f->opt.iexcludes, "exclude a pattern, case-insensitive");
  sub.add_flag("--verify", f->opt.verify, "verify restored files' content");
  sub.add_flag("--sparse")->description("restore files as sparse (always: hort leaves zero blocks as holes)");
  sub.add_flag("-n,--dry-run", f->opt.dry_run, "only show what would be restored");
  AddFilterFlags(sub, &f->filter);
  AddPvcRestoreFlags(sub, &f->pvc);
  Command c;
  c.validate = [f]() -> Status {
    HORT_RETURN_IF_ERROR(ValidatePvcRestore(f->pvc, !f->opt.target.empty()));
    HORT_RETURN_IF_ERROR(ValidatePatterns("--include", f->opt.includes));
    HORT_RETURN_IF_ERROR(ValidatePatterns("--exclude", f->opt.excludes));
    HORT_RETURN_IF_ERROR(ValidatePatterns("--iinclude", f->opt.iincludes));
    HORT_RETURN_IF_ERROR(ValidatePatterns("--iexclude", f->opt.iexcludes));
    // restic 0.14 refuses both kinds at once; hort applied both, so the same
    // command restored something else than restic's would.
    const bool includes = !f->opt.includes.empty() || !f->opt.iincludes.empty();
    const bool excludes = !f->opt.excludes.empty() || !f->opt.iexcludes.empty();
    if (includes && excludes) {
      return Status(Code::kInvalidArgument, "exclude and include patterns are mutually exclusive");
    }
    // The agent restores the whole snapshot (or its /data/X folder) and nothing else.
    if (!f->pvc.to_pvc.empty() && (f->opt.dry_run || f->opt.verify || includes || excludes ||
                                   f->snapshot.find(':') != std::string::npos)) {
      return Status(Code::kInvalidArgument,
                    "--to-pvc restores the whole snapshot: --dry-run, --verify, --include/--exclude and SNAPSHOT:SUBPATH do not go with it");
    }
    return Status::Ok();
  };
  c.needs = [f] {
    if (!f->pvc.to_pvc.empty()) return NeedsCatalog();
    Needs n = NeedsRepository(OpenLock::kShared, true);
    // The index and the snapshot's trees are read while the lock's 200 ms
    // second look runs; nothing is written to the target before it answered.
    n.lock_settle = LockSettle::kBehindReads;
    return n;
  };
  c.run = [f, &g](Opened& o) {
    std::string ref = f->snapshot;
    if (!f->pvc.to_pvc.empty()) return RestoreToPvc(f->pvc, ref, f->filter, g, o);
    if (auto colon = ref.find(':'); colon != std::string::npos) {
      f->opt.subpath = ref.substr(colon + 1);
      ref = ref.substr(0, colon);
    }
    Repository& repo = o.repo();
    // `latest` is SnapshotFilter::Latest; an ambiguous prefix lists its candidates.
    Result<Snapshot> snap = FindSnapshotRef(repo, f->filter, ref);
    if (!snap.ok()) return Fail(snap.status());
    if (!g.quiet && !g.json) {
      std::printf("restoring %s to %s\n", SnapshotTitle(*snap).c_str(), f->opt.target.c_str());
    }
    ErrorPrinter printer(g.json);
    ProgressCounters counters;
    f->opt.progress = &counters;
    std::optional<ProgressLine> line;
    JsonStatusTicker json_status(&counters, g.json);
    line.emplace(&counters, "files", ProgressWanted(g.quiet, g.json));
    f->opt.before_writing = [&o] { return o.repository.LockConfirmed(); };
    auto result = RunRestore(repo, *snap, f->opt, &printer);
    line.reset();
    if (!result.ok()) return Fail(result.status());
    if (g.json) {
      nlohmann::json j = {{"message_type", "summary"}, {"total_files", result->files},
                          {"files_restored", result->files_restored}, {"total_bytes", result->bytes},
                          {"bytes_restored", result->bytes_restored}, {"errors", result->errors},
                          {"seconds_elapsed", result->seconds}};
      if (f->opt.verify) j["files_verified"] = result->verified_files;
      std::printf("%s\n", JsonText(j).c_str());
    } else if (!g.quiet) {
      if (f->opt.verify) std::printf("verified %llu files\n", static_cast<unsigned long long>(result->verified_files));
      const unsigned long long all = result->files + result->dirs + result->others;
      const unsigned long long done = result->files_restored + result->dirs_restored + result->others_restored;
      if (done == all && result->bytes_restored == result->bytes) {
        std::printf("Summary: Restored %llu files/dirs (%s) in %.2fs\n", all, FormatBytes(result->bytes).c_str(),
                    result->seconds);
      } else {
        // A failed restore says what is really in the target, not what the snapshot holds.
        std::printf("Summary: Restored %llu of %llu files/dirs (%s of %s) in %.2fs\n", done, all,
                    FormatBytes(result->bytes_restored).c_str(), FormatBytes(result->bytes).c_str(), result->seconds);
      }
      if (g.verbose > 0) {
        for (const auto& [stage, ns] : result->stage_times.Snapshot()) {
          std::printf("  stage %-20s %8.3fs\n", stage.c_str(), static_cast<double>(ns.count()) / 1e9);
        }
      }
    }
    if (result->errors > 0) {
      return FailLine("There were " + std::to_string(result->errors) + " errors");
    }
    return kExitOk;
  };
  return c;
}

}  // namespace hort::cli
