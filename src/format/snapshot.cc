#include "format/snapshot.h"

#include <algorithm>
#include <utility>
#include <nlohmann/json.hpp>

#include "format/json_number.h"

namespace hort {

bool Snapshot::HasTag(std::string_view tag) const {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

std::vector<std::string> ParseTagList(std::string_view value) {
  constexpr std::string_view kSpace = " \t\n\v\f\r";
  std::vector<std::string> out;
  for (size_t start = 0;;) {
    const size_t comma = value.find(',', start);
    std::string_view piece = value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    const size_t first = piece.find_first_not_of(kSpace);
    piece = first == std::string_view::npos ? std::string_view() : piece.substr(first, piece.find_last_not_of(kSpace) - first + 1);
    out.emplace_back(piece);
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

bool SatisfiesTagList(std::span<const std::string> carried, std::span<const std::string> list) {
  for (const std::string& tag : list) {
    if (tag.empty() && carried.empty()) return true;
    if (std::find(carried.begin(), carried.end(), tag) == carried.end()) return false;
  }
  return true;
}

bool InSeries(const Snapshot& s, std::string_view host, const std::vector<std::string>& sorted_paths) {
  if (s.hostname != host || s.paths.size() != sorted_paths.size()) return false;
  std::vector<std::string> paths = s.paths;
  std::sort(paths.begin(), paths.end());
  return paths == sorted_paths;
}

namespace {

void AppendStrings(std::string* out, const char* key, const std::vector<std::string>& v) {
  *out += ",\"";
  *out += key;
  *out += "\":[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out->push_back(',');
    gojson::AppendString(out, v[i]);
  }
  out->push_back(']');
}

void AppendTime(std::string* out, const char* key, const gojson::Timestamp& t) {
  *out += "\"";
  *out += key;
  *out += "\":\"" + gojson::FormatRfc3339Nano(t) + "\"";
}

}  // namespace

std::string EncodeSnapshot(const Snapshot& s) {
  std::string out = "{";
  AppendTime(&out, "time", s.time);
  if (s.parent) out += ",\"parent\":\"" + s.parent->Hex() + "\"";
  out += ",\"tree\":\"" + s.tree.Hex() + "\"";
  AppendStrings(&out, "paths", s.paths);
  if (!s.hostname.empty()) {
    out += ",\"hostname\":";
    gojson::AppendString(&out, s.hostname);
  }
  if (!s.username.empty()) {
    out += ",\"username\":";
    gojson::AppendString(&out, s.username);
  }
  if (s.uid) out += ",\"uid\":" + std::to_string(s.uid);
  if (s.gid) out += ",\"gid\":" + std::to_string(s.gid);
  if (!s.excludes.empty()) AppendStrings(&out, "excludes", s.excludes);
  if (!s.tags.empty()) AppendStrings(&out, "tags", s.tags);
  if (s.original) out += ",\"original\":\"" + s.original->Hex() + "\"";
  if (!s.program_version.empty()) {
    out += ",\"program_version\":";
    gojson::AppendString(&out, s.program_version);
  }
  if (s.summary) {
    const SnapshotSummary& m = *s.summary;
    out += ",\"summary\":{";
    AppendTime(&out, "backup_start", m.backup_start);
    out += ",";
    AppendTime(&out, "backup_end", m.backup_end);
    auto num = [&](const char* k, uint64_t v) { out += ",\"" + std::string(k) + "\":" + std::to_string(v); };
    num("files_new", m.files_new);
    num("files_changed", m.files_changed);
    num("files_unmodified", m.files_unmodified);
    num("dirs_new", m.dirs_new);
    num("dirs_changed", m.dirs_changed);
    num("dirs_unmodified", m.dirs_unmodified);
    num("data_blobs", m.data_blobs);
    num("tree_blobs", m.tree_blobs);
    num("data_added", m.data_added);
    num("data_added_packed", m.data_added_packed);
    num("total_files_processed", m.total_files_processed);
    num("total_bytes_processed", m.total_bytes_processed);
    out += "}";
  }
  out += "}";
  return out;
}

namespace {
Result<Id> IdField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return Status(Code::kCorruption, std::string("snapshot: missing ") + key);
  auto id = Id::Parse(it->get<std::string>());
  if (!id) return Status(Code::kCorruption, std::string("snapshot: bad ") + key);
  return *id;
}

std::vector<std::string> Strings(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return {};
  return it->get<std::vector<std::string>>();
}
}  // namespace

Result<Snapshot> DecodeSnapshot(std::string_view json) {
  try {
    auto j = nlohmann::json::parse(json);
    Snapshot s;
    HORT_ASSIGN_OR_RETURN(s.time, gojson::ParseRfc3339(j.value("time", "")));
    HORT_ASSIGN_OR_RETURN(s.tree, IdField(j, "tree"));
    if (j.contains("parent") && !j["parent"].is_null()) {
      HORT_ASSIGN_OR_RETURN(Id p, IdField(j, "parent"));
      s.parent = p;
    }
    if (j.contains("original") && !j["original"].is_null()) {
      HORT_ASSIGN_OR_RETURN(Id o, IdField(j, "original"));
      s.original = o;
    }
    s.paths = Strings(j, "paths");
    s.hostname = j.value("hostname", "");
    s.username = j.value("username", "");
    s.uid = json_number::WholeOr<uint32_t>(j, "uid", 0);
    s.gid = json_number::WholeOr<uint32_t>(j, "gid", 0);
    s.excludes = Strings(j, "excludes");
    s.tags = Strings(j, "tags");
    s.program_version = j.value("program_version", "");
    if (auto it = j.find("summary"); it != j.end() && it->is_object()) {
      SnapshotSummary m;
      const auto& o = *it;
      if (o.contains("backup_start")) {
        HORT_ASSIGN_OR_RETURN(m.backup_start, gojson::ParseRfc3339(o.value("backup_start", "")));
      }
      if (o.contains("backup_end")) {
        HORT_ASSIGN_OR_RETURN(m.backup_end, gojson::ParseRfc3339(o.value("backup_end", "")));
      }
      using Count = uint64_t SnapshotSummary::*;
      static constexpr std::pair<const char*, Count> kCounts[] = {
          {"files_new", &SnapshotSummary::files_new}, {"files_changed", &SnapshotSummary::files_changed},
          {"files_unmodified", &SnapshotSummary::files_unmodified}, {"dirs_new", &SnapshotSummary::dirs_new},
          {"dirs_changed", &SnapshotSummary::dirs_changed}, {"dirs_unmodified", &SnapshotSummary::dirs_unmodified},
          {"data_blobs", &SnapshotSummary::data_blobs}, {"tree_blobs", &SnapshotSummary::tree_blobs},
          {"data_added", &SnapshotSummary::data_added}, {"data_added_packed", &SnapshotSummary::data_added_packed},
          {"total_files_processed", &SnapshotSummary::total_files_processed},
          {"total_bytes_processed", &SnapshotSummary::total_bytes_processed},
      };
      for (auto [key, count] : kCounts) m.*count = json_number::WholeOr<uint64_t>(o, key, 0);
      s.summary = m;
    }
    return s;
  } catch (const std::exception& e) {
    return Status(Code::kCorruption, std::string("snapshot: ") + e.what());
  }
}

}  // namespace hort
