// Reading snapshots: every one, or the one a command names as restic's do
// ("latest", a full ID or a unique prefix); and any file by an ID prefix.
#include "repository/repository.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

namespace hort {

Result<std::vector<Snapshot>> Repository::LoadSnapshots(DamagedFiles* damaged) {
  std::vector<std::string> names;
  HORT_RETURN_IF_ERROR(backend_->List(FileType::kSnapshot, [&](const std::string& n, uint64_t) { names.push_back(n); }));
  std::vector<Snapshot> out;
  for (const std::string& name : names) {
    // Backend::List passes on only IDs; checked again here, as a damaged
    // file's name goes to forget, which removes by the ID it names.
    const std::optional<Id> id = Id::Parse(name);
    if (!id) continue;
    auto text = LoadUnpacked(FileType::kSnapshot, name);
    Result<Snapshot> s = text.ok() ? DecodeSnapshot(*text) : Result<Snapshot>(text.status());
    if (!s.ok()) {
      if (!damaged || s.status().code() != Code::kCorruption) return s.status();
      damaged->emplace_back(name, s.status().message());
      continue;
    }
    s->id = *id;
    out.push_back(std::move(*s));
  }
  std::sort(out.begin(), out.end(), [](const Snapshot& a, const Snapshot& b) {
    return std::tie(a.time.sec, a.time.nsec) < std::tie(b.time.sec, b.time.nsec);
  });
  return out;
}

Result<std::string> MatchIdPrefix(const std::vector<std::string>& names, const std::string& prefix) {
  std::vector<std::string> matches;
  if (!prefix.empty()) {
    for (const auto& n : names) {
      if (n.rfind(prefix, 0) == 0) matches.push_back(n);
    }
  }
  if (matches.empty()) return Status(Code::kNotFound, "no matching ID found for prefix \"" + prefix + "\"");
  if (matches.size() > 1) {
    // restic stops at "found"; the candidates tell the user how much to type.
    std::sort(matches.begin(), matches.end());
    std::string msg = "multiple IDs with prefix \"" + prefix + "\" found:";
    for (const auto& m : matches) msg += " " + m;
    return Status(Code::kInvalidArgument, msg);
  }
  return matches[0];
}

Result<Snapshot> FindLoadedSnapshot(const std::vector<Snapshot>& loaded, const std::string& ref) {
  if (ref == "latest") {
    if (loaded.empty()) return Status(Code::kNotFound, "no snapshot found");
    return loaded.back();  // LoadSnapshots orders by time
  }
  if (ref.empty()) return Status(Code::kInvalidArgument, "empty ID");
  std::vector<std::string> names;
  for (const Snapshot& s : loaded) names.push_back(s.id.Hex());
  HORT_ASSIGN_OR_RETURN(std::string name, MatchIdPrefix(names, ref));
  return *std::find_if(loaded.begin(), loaded.end(), [&](const Snapshot& s) { return s.id.Hex() == name; });
}

Result<std::string> Repository::ResolvePrefix(FileType type, const std::string& prefix) {
  if (prefix.empty()) return Status(Code::kInvalidArgument, "empty ID");
  std::vector<std::string> names;
  HORT_RETURN_IF_ERROR(backend_->List(type, [&](const std::string& n, uint64_t) {
    if (n.rfind(prefix, 0) == 0) names.push_back(n);
  }));
  return MatchIdPrefix(names, prefix);
}

Result<Snapshot> Repository::FindSnapshot(const std::string& ref) {
  if (ref == "latest") {
    HORT_ASSIGN_OR_RETURN(auto all, LoadSnapshots());
    if (all.empty()) return Status(Code::kNotFound, "no snapshot found");
    return all.back();
  }
  HORT_ASSIGN_OR_RETURN(std::string name, ResolvePrefix(FileType::kSnapshot, ref));
  HORT_ASSIGN_OR_RETURN(std::string text, LoadUnpacked(FileType::kSnapshot, name));
  HORT_ASSIGN_OR_RETURN(Snapshot s, DecodeSnapshot(text));
  s.id = *Id::Parse(name);
  return s;
}

}  // namespace hort
