#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/json_text.h"
#include "cli/command.h"
#include "cli/progress_line.h"
#include <optional>
#include "prune/prune.h"

namespace hort::cli {

void AddPruneFlags(CLI::App& sub, PruneOptions* opt) {
  sub.add_option("--max-unused", opt->max_unused, "tolerated unused space after prune: x%, a size or 'unlimited'");
  sub.add_option("--max-repack-size", opt->max_repack_size, "repack at most this much data");
  sub.add_flag("--repack-uncompressed", opt->repack_uncompressed, "repack uncompressed data to compress it");
  sub.add_flag("--repack-cacheable-only", opt->repack_cacheable_only, "only repack packs which are cacheable");
}

Command AddPrune(CLI::App& sub, GlobalOptions& g) {
  auto opt = std::make_shared<PruneOptions>();
  AddPruneFlags(sub, opt.get());
  sub.add_flag("-n,--dry-run", opt->dry_run, "only show what would be done");
  Command c = MakeCommand(NeedsRepositoryLocked(OpenLock::kExclusive, false), [opt, &g](Opened& o) {
    ProgressCounters counters;
    opt->progress = &counters;
    std::optional<ProgressLine> line;
    JsonStatusTicker json_status(&counters, g.json);
    auto stats = RunPrune(o.repo(), *opt, [&](const std::string& m) {
      line.reset();
      if (!g.json && !g.quiet) std::printf("%s\n", m.c_str());
      if (m.rfind("repacking", 0) == 0) line.emplace(&counters, "packs", ProgressWanted(g.quiet, g.json));
    });
    line.reset();
    if (!stats.ok()) return Fail(stats.status());
    const PruneStats& s = *stats;
    if (g.json) {
      nlohmann::json j = {{"message_type", "summary"}, {"dry_run", opt->dry_run},
                          {"packs_total", s.packs_total}, {"packs_keep", s.packs_keep},
                          {"packs_repack", s.packs_repack}, {"packs_remove", s.packs_remove},
                          {"packs_unreferenced", s.packs_unreferenced}, {"blobs_used", s.blobs_used},
                          {"blobs_unused", s.blobs_unused}, {"blobs_repacked", s.blobs_repacked},
                          {"bytes_used", s.bytes_used}, {"bytes_unused", s.bytes_unused},
                          {"bytes_repack", s.bytes_repack}, {"bytes_freed", s.bytes_freed},
                          {"temporary_files_removed", s.staged_removed},
                          {"temporary_bytes_removed", s.staged_bytes_removed}};
      std::printf("%s\n", JsonText(j).c_str());
    } else if (!g.quiet) {
      std::printf("\nused:         %10llu blobs / %s\n", (unsigned long long)s.blobs_used, FormatBytes(s.bytes_used).c_str());
      std::printf("unused:       %10llu blobs / %s\n", (unsigned long long)s.blobs_unused, FormatBytes(s.bytes_unused).c_str());
      std::printf("%s %llu packs, repack %llu packs (%s), remove %llu packs + %llu unreferenced\n",
                  opt->dry_run ? "would keep" : "kept", (unsigned long long)s.packs_keep,
                  (unsigned long long)s.packs_repack, FormatBytes(s.bytes_repack).c_str(),
                  (unsigned long long)s.packs_remove, (unsigned long long)s.packs_unreferenced);
      std::printf("%s: %s\n", opt->dry_run ? "would free" : "freed", FormatBytes(s.bytes_freed).c_str());
      if (s.staged_removed > 0) {
        std::printf("removed %llu temporary files of interrupted writes (%s)\n",
                    (unsigned long long)s.staged_removed, FormatBytes(s.staged_bytes_removed).c_str());
      }
    }
    return kExitOk;
  });
  // Before the repository opens, as restic checks them: a bad value aborted
  // hort (an exception from its number parser) after the indexes loaded.
  c.validate = [opt] { return ValidatePruneFlags(*opt); };
  return c;
}

// restic's order: --max-repack-size, then --max-unused.
Status ValidatePruneFlags(const PruneOptions& opt) {
  if (!opt.max_repack_size.empty()) HORT_RETURN_IF_ERROR(ParseRepackSize(opt.max_repack_size).status());
  return ParseMaxUnused(opt.max_unused).status();
}

}  // namespace hort::cli
