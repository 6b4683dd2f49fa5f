// restic 0.14's text table of snapshots (cmd_snapshots.go PrintSnapshots on
// internal/ui/table), shared by `snapshots` and `forget`: scripts and eyes
// that read restic's see the same columns.
#pragma once

#include <string>
#include <vector>

#include "format/snapshot.h"

namespace hort::cli {

// restic's table: every column as wide as its widest header or cell line
// (a cell may hold several lines), two spaces between columns, trailing
// blanks cut, a rule under the header and after the rows, then the footer;
// with `blank_between_rows` an empty line between rows.
[[nodiscard]] std::string ResticTable(const std::vector<std::string>& headers,
                                      const std::vector<std::vector<std::string>>& rows, const std::string& footer,
                                      bool blank_between_rows);

// What a group is keyed by, "(host [h], tags [a, b], paths [/p])" (an empty
// host, or a null list, is left out); "" for none.
[[nodiscard]] std::string GroupKeyText(const std::string& host, const std::vector<std::string>* tags,
                                       const std::vector<std::string>* paths);
// restic's group header, "snapshots for (…):\n"; "" for a group keyed by nothing.
[[nodiscard]] std::string GroupHeaderText(const std::string& host, const std::vector<std::string>* tags,
                                          const std::vector<std::string>* paths);

// The snapshots, oldest first: ID, Time, Host, Tags (joined by ","), Paths;
// with `reasons` (one list per snapshot, in `list`'s order) a Reasons
// column before Paths. `compact`: ID, Time, Host and one tag a line.
[[nodiscard]] std::string SnapshotTable(std::vector<const Snapshot*> list,
                                        const std::vector<std::vector<std::string>>* reasons, bool compact);

}  // namespace hort::cli
