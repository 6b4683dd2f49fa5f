#include <algorithm>
#include <cstdio>

#include "cli/command.h"
#include "cli/keep_flags.h"
#include "cli/snapshot_filter.h"
#include "cli/snapshot_table.h"
#include "policy/snapshot_retention.h"
#include "prune/prune.h"
#include "util/strings.h"

namespace hort::cli {
namespace {
struct ForgetFlags {
  KeepFlags keep;
  SnapshotFilter filter;
  std::string group_by = "host,paths";
  bool dry_run = false, prune = false, allow_remove_all = false, compact = false;
  PruneOptions prune_opt;
  std::vector<std::string> ids;
};

// "(host [h], paths [/p])": what the group is keyed by; "" for the one group of -g ''.
std::string GroupKey(const SnapshotGroup& grp) {
  return GroupKeyText(grp.hostname, grp.by_tags && !grp.tags.empty() ? &grp.tags : nullptr,
                      grp.by_paths && !grp.paths.empty() ? &grp.paths : nullptr);
}
// restic's group header, "snapshots for (…):".
std::string GroupHeader(const SnapshotGroup& grp) {
  const std::string key = GroupKey(grp);
  return key.empty() ? "" : "snapshots for " + key + ":\n";
}

// restic's table of a group's kept or removed snapshots, after "keep N snapshots:".
void PrintDecisions(const char* title, const std::vector<const KeepDecision*>& rows, bool with_reasons, bool compact) {
  std::vector<const Snapshot*> list;
  std::vector<std::vector<std::string>> reasons;
  for (const KeepDecision* d : rows) {
    list.push_back(d->snapshot);
    reasons.push_back(d->reasons);
  }
  std::printf("%s %zu snapshots:\n%s\n", title, rows.size(), SnapshotTable(list, with_reasons ? &reasons : nullptr, compact).c_str());
}

// restic's IDSet.String(): short IDs in the order of the full ones, in braces.
std::string IdSet(std::vector<Id> ids) {
  std::sort(ids.begin(), ids.end(), [](const Id& a, const Id& b) { return a.bytes < b.bytes; });
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<std::string> shorts;
  for (const Id& id : ids) shorts.push_back(id.Short());
  return "{" + Join(shorts, " ") + "}";
}
// restic's KeepReason.Counters: omitempty, so only the counters not 0.
std::string CountersJson(const std::array<int, 6>& c) {
  static constexpr const char* kNames[] = {"last", "hourly", "daily", "weekly", "monthly", "yearly"};
  std::string out = "{";
  for (size_t k = 0; k < 6; ++k) {
    if (c[k] == 0) continue;
    out += (out.size() > 1 ? ",\"" : "\"") + std::string(kNames[k]) + "\":" + std::to_string(c[k]);
  }
  return out + "}";
}
}  // namespace

Command AddForget(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<ForgetFlags>();
  AddKeepFlags(sub, &f->keep, /*tags=*/true);
  AddFilterFlags(sub, &f->filter, /*short_host=*/false);
  sub.add_option("-g,--group-by", f->group_by, "group snapshots by host, paths and/or tags");
  sub.add_flag("-n,--dry-run", f->dry_run, "only show what would be removed");
  sub.add_flag("-c,--compact", f->compact, "use compact output format");
  sub.add_flag("--prune", f->prune, "run prune afterwards");
  sub.add_flag("--unsafe-allow-remove-all", f->allow_remove_all, "allow removing every snapshot of a group");
  AddPruneFlags(sub, &f->prune_opt);
  sub.add_option("snapshots", f->ids, "remove these snapshots explicitly");
  auto built = std::make_shared<ExpirePolicy>();  // by validate, from the flags
  auto validate = [f, built, &g]() -> Status {
    if (g.no_lock && !f->dry_run) {
      return Status(Code::kInvalidArgument, "--no-lock is only applicable in combination with --dry-run for forget command");
    }
    // With or without --prune, as restic 0.14 checks them.
    HORT_RETURN_IF_ERROR(ValidatePruneFlags(f->prune_opt));
    return BuildPolicy(f->keep, built.get());
  };
  return Command{validate, [] { return NeedsRepository(OpenLock::kExclusive, false); }, [f, built, &g](Opened& o) {
    const ExpirePolicy& policy = *built;
    Repository& repo = o.repo();
    // A prune that would refuse refuses before any snapshot is removed.
    if (f->prune) {
      if (Status fits = CheckPruneFitsRepository(repo, f->prune_opt); !fits.ok()) return Fail(fits);
    }
    // A damaged snapshot file is left out with a warning, as restic 0.14's
    // forget leaves out what it cannot load: leaving one out of a policy can
    // only keep more of the others. Named by ID, it is removed: otherwise
    // nothing short of deleting the file by hand would get rid of it.
    std::vector<std::string> damaged;
    auto all = ReadableSnapshots(repo, &damaged);
    if (!all.ok()) return Fail(all.status());
    std::vector<Id> to_remove;
    std::string json = "[";
    bool first = true;  // no group yet: restic then prints no JSON at all (IDs given, or no snapshot matched)
    SnapshotSelection sel;
    if (!f->ids.empty()) {
      std::vector<std::string> readable_refs;
      for (const std::string& ref : f->ids) {
        auto named = DamagedSnapshotNamed(*all, damaged, ref);
        if (!named.ok()) return Fail(named.status());
        if (!*named) {
          readable_refs.push_back(ref);
          continue;
        }
        // Only a file named by an ID is removed, never one by an ID parsed
        // from another name (LoadSnapshots names no other).
        const std::optional<Id> parsed = Id::Parse(**named);
        if (!parsed) return Fail(Status(Code::kInvalidArgument, "snapshot file " + **named + " is not named by an ID"));
        const Id id = *parsed;
        if (std::find(to_remove.begin(), to_remove.end(), id) != to_remove.end()) continue;  // named twice
        if (!g.quiet) std::fprintf(stderr, "removing damaged snapshot file %s\n", (*named)->c_str());
        to_remove.push_back(id);
      }
      if (!readable_refs.empty()) sel = SelectSnapshots(*all, f->filter, readable_refs);
      for (const auto& s : sel.snapshots) to_remove.push_back(s.id);
    } else {
      if (policy.Empty()) {
        // restic's note and exit 0: `--keep-last 0` is how scripts say
        // "unset", and nothing is removed (nor pruned).
        if (!g.quiet && !g.json) std::printf("no policy was specified, no snapshots will be removed\n");
        return kExitOk;
      }
      std::vector<Snapshot> selected;
      for (const auto& s : *all) {
        if (!f->filter.Matches(s)) continue;
        selected.push_back(s);
        // restic's grouping sorts each snapshot's paths in place, so forget prints them sorted.
        std::sort(selected.back().paths.begin(), selected.back().paths.end());
      }
      auto groups = GroupSnapshots(selected, f->group_by);
      if (!groups.ok()) return Fail(groups.status());
      if (!g.json && !g.quiet) std::printf("Applying Policy: %s\n", policy.Describe().c_str());
      // Every group is decided before any is printed: a refusal comes
      // alone, not after another group's "remove" table that never happened.
      std::vector<std::vector<KeepDecision>> decided;
      for (const SnapshotGroup& grp : *groups) {
        decided.push_back(ApplyPolicy(grp.snapshots, policy));
        const bool keeps_one = std::any_of(decided.back().begin(), decided.back().end(), [](const KeepDecision& d) { return d.keep; });
        if (!keeps_one && !f->allow_remove_all) {
          const std::string key = GroupKey(grp);
          return Fail(Status(Code::kInvalidArgument, "refusing to remove every snapshot of the group" +
                                                         (key.empty() ? std::string() : " " + key) +
                                                         "; use --unsafe-allow-remove-all to really do that"));
        }
      }
      for (size_t gi = 0; gi < groups->size(); ++gi) {
        const SnapshotGroup& grp = (*groups)[gi];
        std::vector<const KeepDecision*> keep, remove;
        for (const auto& d : decided[gi]) (d.keep ? keep : remove).push_back(&d);
        for (const KeepDecision* d : remove) to_remove.push_back(d->snapshot->id);
        if (g.json) {
          json += first ? "" : ",";
          first = false;
          json += "{\"tags\":" + (grp.by_tags && !grp.tags.empty() ? JsonStringArray(grp.tags) : std::string("null"));
          json += ",\"host\":";
          gojson::AppendString(&json, grp.hostname);
          json += ",\"paths\":" + (grp.by_paths ? JsonStringArray(grp.paths) : std::string("null"));
          json += ",\"keep\":[";
          for (size_t i = 0; i < keep.size(); ++i) json += (i ? "," : "") + SnapshotJson(*keep[i]->snapshot);
          json += "],\"remove\":";
          if (remove.empty()) {
            json += "null";
          } else {
            json += "[";
            for (size_t i = 0; i < remove.size(); ++i) json += (i ? "," : "") + SnapshotJson(*remove[i]->snapshot);
            json += "]";
          }
          json += ",\"reasons\":[";
          for (size_t i = 0; i < keep.size(); ++i) {
            json += (i ? "," : "") + std::string("{\"snapshot\":") + EncodeSnapshot(*keep[i]->snapshot) +
                    ",\"matches\":" + JsonStringArray(keep[i]->reasons) + ",\"counters\":" + CountersJson(keep[i]->counters) + "}";
          }
          json += "]}";
        } else if (!g.quiet) {
          if (g.verbose >= 1) std::printf("%s", GroupHeader(grp).c_str());
          if (!keep.empty()) PrintDecisions("keep", keep, /*with_reasons=*/true, f->compact);
          if (!remove.empty()) PrintDecisions("remove", remove, /*with_reasons=*/false, f->compact);
        }
      }
    }
    json += "]";
    if (g.json && !first) std::printf("%s\n", json.c_str());
    if (f->dry_run) {
      if (!g.json && !g.quiet && !to_remove.empty()) {
        std::printf("Would have removed the following snapshots:\n%s\n\n", IdSet(to_remove).c_str());
      }
    } else {
      for (const Id& id : to_remove) {
        Status s = repo.backend().Remove({FileType::kSnapshot, id.Hex()});
        if (!s.ok()) return Fail(s);
        if (!g.json && g.verbose >= 2) std::printf("removed snapshot %s\n", id.Short().c_str());
      }
      if (f->prune && !to_remove.empty() && !g.json && g.verbose >= 1) {
        std::printf("%zu snapshots have been removed, running prune\n", to_remove.size());
      }
    }
    // As restic: a forget that removes no snapshot runs no prune.
    if (f->prune && !to_remove.empty()) {
      f->prune_opt.dry_run = f->dry_run;
      auto stats = RunPrune(repo, f->prune_opt, [&](const std::string& m) {
        if (!g.json && !g.quiet) std::printf("%s\n", m.c_str());
      });
      if (!stats.ok()) return Fail(stats.status());
    }
    return ExitForMissing(sel, kExitOk);
  }};
}

}  // namespace hort::cli
