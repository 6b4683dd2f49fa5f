// Snapshot selection shared by every command that takes snapshots: --host,
// --tag, --path and the arguments (`latest`, ID prefixes), resolved as
// restic's FindFilteredSnapshots does.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "format/snapshot.h"
#include "util/status.h"

namespace hort {
class Repository;
}

namespace hort::cli {

struct SnapshotFilter {
  std::vector<std::string> hosts, tags, paths;
  // A snapshot matches when its host is one of hosts, it carries every tag of
  // one --tag group ("a,b" = both), and it has all given paths.
  [[nodiscard]] bool Matches(const Snapshot& s) const;
  // What `latest` means: the last matching snapshot of `all` (LoadSnapshots'
  // order, oldest first); null when none matches.
  [[nodiscard]] const Snapshot* Latest(const std::vector<Snapshot>& all) const;
};

[[nodiscard]] std::string SnapshotJson(const Snapshot& s);

// Declares --host/-H, --tag and --path, restic's snapshot selection flags.
// `short_host` adds -H (forget uses -H for --keep-hourly, as restic does).
void AddFilterFlags(CLI::App& sub, SnapshotFilter* filter, bool short_host = true);

// ["a","b"] with Go's JSON escaping.
[[nodiscard]] std::string JsonStringArray(const std::vector<std::string>& v);


// One snapshot argument: "latest" (the newest snapshot the filter matches) or
// an ID prefix (the filter does not apply, as in restic). `all` sorted by time.
[[nodiscard]] Result<Snapshot> ResolveSnapshotRef(const std::vector<Snapshot>& all, const SnapshotFilter& filter,
                                                  const std::string& ref);

struct SnapshotSelection {
  // The given snapshots in argument order without repeats; with no arguments
  // every snapshot the filter matches, oldest first.
  std::vector<Snapshot> snapshots;
  std::vector<std::string> missing;    // arguments that named no snapshot (each warned about)
  std::vector<std::string> ambiguous;  // prefixes of several snapshots (each warned about)
};
// Resolves `args` against `all` (sorted by time), warning on stderr for each
// argument that names nothing, as restic does: `Ignoring "x": no matching ID
// found for prefix "x"`.
[[nodiscard]] SnapshotSelection SelectSnapshots(const std::vector<Snapshot>& all, const SnapshotFilter& filter,
                                                const std::vector<std::string>& args);
// Loads the repository's snapshots, then SelectSnapshots.
[[nodiscard]] Result<SnapshotSelection> SelectSnapshots(Repository& repo, const SnapshotFilter& filter,
                                                        const std::vector<std::string>& args);
// The one snapshot `ref` names in the repository (dump, diff, cat, restore).
// The snapshots a reading command (restore, ls, snapshots, …) chooses
// from, oldest first: a damaged snapshot file (kCorruption) is named on
// stderr and in `damaged`, and left out, so it does not hide the intact
// ones; the two functions below still refuse "latest" and a prefix that
// matches it. Prune and copy use Repository::LoadSnapshots, which
// fails instead: they must see every snapshot.
[[nodiscard]] Result<std::vector<Snapshot>> ReadableSnapshots(Repository& repo,
                                                              std::vector<std::string>* damaged = nullptr);
[[nodiscard]] Result<Snapshot> FindSnapshotRef(Repository& repo, const SnapshotFilter& filter, const std::string& ref);
// The damaged snapshot file (ReadableSnapshots' `damaged`) that `ref`
// names, matched against every file so a prefix never silently picks another
// snapshot; nothing when it names none. kCorruption for "latest" beside a
// damaged file (its time is unknown, so the newest is too; restic fails the
// same way), and the error of a prefix that matches several files.
[[nodiscard]] Result<std::optional<std::string>> DamagedSnapshotNamed(const std::vector<Snapshot>& all,
                                                                      const std::vector<std::string>& damaged,
                                                                      const std::string& ref);

// hort's deviation from restic (docs/exit-codes.md): a command asked to act
// on given snapshots exits 1 when one of them named nothing, after acting on
// the rest. Prints the Fatal line and returns 1, or returns `ok_code`.
[[nodiscard]] int ExitForMissing(const SnapshotSelection& sel, int ok_code);
// ExitForMissing's line without "Fatal: " (empty when nothing is missing):
// `no snapshot found for "x"`, and an ambiguous prefix said to be one.
[[nodiscard]] std::string MissingSnapshotsMessage(const SnapshotSelection& sel);

// Splits "a,b" tag lists given as repeated flags into single tags, each
// trimmed, empty ones dropped (restic's TagLists.Flatten: tag, backup --tag).
[[nodiscard]] std::vector<std::string> SplitCommaList(const std::vector<std::string>& in);

}  // namespace hort::cli
