#include "cli/snapshot_filter.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "cli/command.h"
#include "repository/repository.h"
#include "util/strings.h"

namespace hort::cli {

const Snapshot* SnapshotFilter::Latest(const std::vector<Snapshot>& all) const {
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (Matches(*it)) return &*it;
  }
  return nullptr;
}

bool SnapshotFilter::Matches(const Snapshot& s) const {
  if (!hosts.empty() && std::find(hosts.begin(), hosts.end(), s.hostname) == hosts.end()) return false;
  if (!tags.empty() && std::none_of(tags.begin(), tags.end(), [&](const std::string& group) {
        return SatisfiesTagList(s.tags, ParseTagList(group));
      })) {
    return false;
  }
  for (const auto& p : paths) {
    if (std::find(s.paths.begin(), s.paths.end(), p) == s.paths.end()) return false;
  }
  return true;
}

namespace {
// Go's %v of a string slice: [a b].
std::string GoList(const std::vector<std::string>& v) { return "[" + Join(v, " ") + "]"; }

std::string FilterText(const SnapshotFilter& f) {
  std::vector<std::string> groups;
  for (const auto& t : f.tags) {
    groups.push_back(GoList(ParseTagList(t)));
  }
  return "(Paths:" + GoList(f.paths) + " Tags:" + GoList(groups) + " Hosts:" + GoList(f.hosts) + ")";
}

bool FilterEmpty(const SnapshotFilter& f) { return f.hosts.empty() && f.tags.empty() && f.paths.empty(); }
}  // namespace

Result<Snapshot> ResolveSnapshotRef(const std::vector<Snapshot>& all, const SnapshotFilter& filter, const std::string& ref) {
  if (ref == "latest") {
    if (const Snapshot* latest = filter.Latest(all)) return *latest;
    return Status(Code::kNotFound, "no snapshot matched given filter " + FilterText(filter));
  }
  std::vector<std::string> names;
  names.reserve(all.size());
  for (const auto& s : all) names.push_back(s.id.Hex());
  HORT_ASSIGN_OR_RETURN(std::string full, MatchIdPrefix(names, ref));
  for (const auto& s : all) {
    if (s.id.Hex() == full) return s;
  }
  return Status(Code::kNotFound, "no matching ID found for prefix \"" + ref + "\"");
}

SnapshotSelection SelectSnapshots(const std::vector<Snapshot>& all, const SnapshotFilter& filter,
                                  const std::vector<std::string>& args) {
  SnapshotSelection sel;
  if (args.empty()) {
    for (const auto& s : all) {
      if (filter.Matches(s)) sel.snapshots.push_back(s);
    }
    return sel;
  }
  std::set<std::string> seen;
  bool latest_used = false;
  for (const auto& ref : args) {
    latest_used = latest_used || ref == "latest";
    auto s = ResolveSnapshotRef(all, filter, ref);
    if (!s.ok()) {
      // restic's wording, so scripts that grep for it keep working.
      if (ref == "latest") {
        std::fprintf(stderr, "Ignoring \"latest\", %s\n", TerminalSafe(s.status().message()).c_str());
      } else {
        std::fprintf(stderr, "Ignoring \"%s\": %s\n", TerminalSafe(ref).c_str(), TerminalSafe(s.status().message()).c_str());
      }
      // MatchIdPrefix's kInvalidArgument: the prefix names several snapshots.
      (s.status().code() == Code::kInvalidArgument ? sel.ambiguous : sel.missing).push_back(ref);
      continue;
    }
    if (seen.insert(s->id.Hex()).second) sel.snapshots.push_back(*s);
  }
  if (!latest_used && !FilterEmpty(filter)) {
    std::fprintf(stderr, "Ignoring filters as there are explicit snapshot ids given\n");
  }
  return sel;
}

Result<std::vector<Snapshot>> ReadableSnapshots(Repository& repo, std::vector<std::string>* damaged) {
  Repository::DamagedFiles left_out;
  HORT_ASSIGN_OR_RETURN(auto all, repo.LoadSnapshots(&left_out));
  for (const auto& [name, why] : left_out) {
    std::fprintf(stderr, "warning: snapshot file %s is damaged and left out (hort check): %s\n", name.c_str(),
                 why.c_str());
    if (damaged) damaged->push_back(name);
  }
  return all;
}

Result<std::optional<std::string>> DamagedSnapshotNamed(const std::vector<Snapshot>& all,
                                                        const std::vector<std::string>& damaged, const std::string& ref) {
  if (damaged.empty()) return std::optional<std::string>();
  if (ref == "latest") {
    return Status(Code::kCorruption, "snapshot file " + damaged.front() +
                                         " is damaged, so the latest snapshot is unknown; name one by ID (hort check)");
  }
  std::vector<std::string> names = damaged;
  for (const Snapshot& s : all) names.push_back(s.id.Hex());
  auto match = MatchIdPrefix(names, ref);
  if (!match.ok()) {
    if (match.status().code() == Code::kNotFound) return std::optional<std::string>();
    return match.status();  // a prefix of several files, damaged ones among them
  }
  if (std::find(damaged.begin(), damaged.end(), *match) == damaged.end()) return std::optional<std::string>();
  return std::optional<std::string>(*match);
}

namespace {

// A damaged snapshot file still counts where a reference could mean it, so
// a reference never silently picks another snapshot.
Status RefIgnoresNoDamaged(const std::vector<Snapshot>& all, const std::vector<std::string>& damaged,
                           const std::string& ref) {
  HORT_ASSIGN_OR_RETURN(const std::optional<std::string> named, DamagedSnapshotNamed(all, damaged, ref));
  if (named) return Status(Code::kCorruption, "snapshot file " + *named + " is damaged (hort check)");
  return Status::Ok();
}

}  // namespace

Result<SnapshotSelection> SelectSnapshots(Repository& repo, const SnapshotFilter& filter,
                                          const std::vector<std::string>& args) {
  std::vector<std::string> damaged;
  HORT_ASSIGN_OR_RETURN(auto all, ReadableSnapshots(repo, &damaged));
  for (const std::string& ref : args) HORT_RETURN_IF_ERROR(RefIgnoresNoDamaged(all, damaged, ref));
  return SelectSnapshots(all, filter, args);
}

Result<Snapshot> FindSnapshotRef(Repository& repo, const SnapshotFilter& filter, const std::string& ref) {
  std::vector<std::string> damaged;
  HORT_ASSIGN_OR_RETURN(auto all, ReadableSnapshots(repo, &damaged));
  HORT_RETURN_IF_ERROR(RefIgnoresNoDamaged(all, damaged, ref));
  return ResolveSnapshotRef(all, filter, ref);
}

std::string MissingSnapshotsMessage(const SnapshotSelection& sel) {
  auto quoted = [](const std::vector<std::string>& refs) {
    std::string out;
    for (const auto& r : refs) out += (out.empty() ? "\"" : ", \"") + r + "\"";
    return out;
  };
  std::string msg;
  if (!sel.missing.empty()) msg = "no snapshot found for " + quoted(sel.missing);
  if (!sel.ambiguous.empty()) {
    // restic's "multiple IDs with prefix … found", said again in the one Fatal line.
    msg += (msg.empty() ? "" : "; ") + std::string(sel.ambiguous.size() > 1 ? "ambiguous prefixes " : "ambiguous prefix ") +
           quoted(sel.ambiguous) + ": multiple snapshot IDs match";
  }
  return msg;
}

int ExitForMissing(const SnapshotSelection& sel, int ok_code) {
  const std::string msg = MissingSnapshotsMessage(sel);
  if (msg.empty()) return ok_code;
  return FailLine(msg);
}

std::vector<std::string> SplitCommaList(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& t : in) {
    for (std::string& tag : ParseTagList(t)) {
      if (!tag.empty()) out.push_back(std::move(tag));  // restic's TagLists.Flatten
    }
  }
  return out;
}

void AddFilterFlags(CLI::App& sub, SnapshotFilter* filter, bool short_host) {
  sub.add_option(short_host ? "--host,-H" : "--host", filter->hosts, "only consider snapshots of this host");
  sub.add_option("--tag", filter->tags, "only consider snapshots with these tags (a,b = both)");
  sub.add_option("--path", filter->paths, "only consider snapshots including this path");
}

std::string JsonStringArray(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ",";
    gojson::AppendString(&out, v[i]);
  }
  return out + "]";
}

std::string SnapshotJson(const Snapshot& s) {
  std::string j = EncodeSnapshot(s);
  j.pop_back();  // re-open the object to append the ID like restic does
  j += ",\"id\":\"" + s.id.Hex() + "\",\"short_id\":\"" + s.id.Short() + "\"}";
  return j;
}

}  // namespace hort::cli
