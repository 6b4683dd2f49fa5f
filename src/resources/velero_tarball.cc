#include "resources/velero_tarball.h"

#include <map>
#include <set>

#include "archive/reader.h"
#include "format/gojson.h"
#include "kube/json_fields.h"

namespace hort::resources {

namespace {

// Go's encoding/json float64: integral values below 1e21 without a fraction
// ("1", where nlohmann writes "1.0"), negative exponents without a leading
// zero ("1e-7", not "1e-07"; Go's exponent form starts at 1e21, so no e+0x). The API's 1.0 reaches Velero's tarball as 1.
void AppendGoFloat(std::string* out, double v) {
  if (v > -1e18 && v < 1e18 && v == static_cast<double>(static_cast<int64_t>(v))) {  // range first: the cast is UB outside
    out->append(std::to_string(static_cast<int64_t>(v)));
    return;
  }
  std::string s = Json(v).dump();
  if (size_t at = s.find("e-0"); at != std::string::npos) s.erase(at + 2, 1);
  out->append(s);
}

// Go's encoder over nlohmann's values: strings through gojson (HTML-safe
// escapes, U+FFFD for bad UTF-8), numbers as nlohmann prints them (the API's
// integers stay integers), objects in the container's own key order.
template <typename J>
void AppendGo(std::string* out, const J& j, int indent, int depth) {
  auto newline = [&](int d) {
    if (indent <= 0) return;
    out->push_back('\n');
    out->append(static_cast<size_t>(indent * d), ' ');
  };
  if (j.is_object()) {
    if (j.empty()) return out->append("{}"), void();
    out->push_back('{');
    bool first = true;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!first) out->push_back(',');
      first = false;
      newline(depth + 1);
      gojson::AppendString(out, it.key());
      out->append(indent > 0 ? ": " : ":");
      AppendGo(out, it.value(), indent, depth + 1);
    }
    newline(depth);
    out->push_back('}');
  } else if (j.is_array()) {
    if (j.empty()) return out->append("[]"), void();
    out->push_back('[');
    for (size_t i = 0; i < j.size(); ++i) {
      if (i > 0) out->push_back(',');
      newline(depth + 1);
      AppendGo(out, j[i], indent, depth + 1);
    }
    newline(depth);
    out->push_back(']');
  } else if (j.is_string()) {
    gojson::AppendString(out, j.template get_ref<const std::string&>());
  } else if (j.is_number_float()) {
    AppendGoFloat(out, j.template get<double>());
  } else {
    out->append(j.dump());
  }
}

std::string Scope(const Item& item) {
  return item.namespaced ? "namespaces/" + item.ns + "/" + item.name + ".json" : "cluster/" + item.name + ".json";
}

// A path that could leave the folder it is extracted to, or that no tar
// tool writes on its own: refused before anything else looks at it.
bool Hostile(std::string_view path) {
  if (path.empty() || path.front() == '/') return true;
  size_t start = 0;
  for (;;) {
    size_t end = path.find('/', start);
    std::string_view c = path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (c.empty() || c == "." || c == "..") return true;
    if (end == std::string_view::npos) return false;
    start = end + 1;
  }
}

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t end; (end = path.find('/', start)) != std::string::npos; start = end + 1) {
    out.push_back(path.substr(start, end - start));
  }
  out.push_back(path.substr(start));
  return out;
}

// One `resources/…` path taken apart; ok=false when it is not Velero's.
struct ItemPath {
  bool ok = false;
  std::string gr, version_dir, ns, name;  // version_dir "" for the legacy path
  bool namespaced = false;
  std::string legacy;  // the legacy path of the same object
};

ItemPath ParseItemPath(const std::string& path) {
  ItemPath p;
  std::vector<std::string> c = Split(path);
  if (c.size() < 4 || c[0] != "resources") return p;
  p.gr = c[1];
  size_t i = 2;
  if (c[i] != "cluster" && c[i] != "namespaces") p.version_dir = c[i++];
  if (c[i] == "cluster" && c.size() == i + 2) {
    p.namespaced = false;
  } else if (c[i] == "namespaces" && c.size() == i + 3) {
    p.namespaced = true;
    p.ns = c[i + 1];
  } else {
    return p;
  }
  const std::string& file = c.back();
  if (file.size() <= 5 || file.compare(file.size() - 5, 5, ".json") != 0) return p;
  p.name = file.substr(0, file.size() - 5);
  p.legacy = "resources/" + p.gr + "/" + (p.namespaced ? "namespaces/" + p.ns + "/" : "cluster/") + file;
  p.ok = true;
  return p;
}

// The group a folder name carries: "deployments.apps" → "apps", "pods" → "".
std::string GroupOf(const std::string& gr) {
  size_t dot = gr.find('.');
  return dot == std::string::npos ? "" : gr.substr(dot + 1);
}

}  // namespace

std::string GoCompactJson(const Json& j) {
  std::string out;
  AppendGo(&out, j, 0, 0);
  return out;
}

std::string GoPrettyJson(const nlohmann::ordered_json& j) {
  std::string out;
  AppendGo(&out, j, 2, 0);
  return out;
}

Result<int64_t> UnixSeconds(std::string_view rfc3339) {
  auto t = gojson::ParseRfc3339(rfc3339);
  if (!t.ok()) return Status(Code::kInvalidArgument, "not an RFC 3339 time: \"" + std::string(rfc3339) + "\"");
  return t->sec;
}

std::string LegacyItemPath(const Item& item) { return "resources/" + item.group_resource + "/" + Scope(item); }

std::string PreferredItemPath(const Item& item) {
  return "resources/" + item.group_resource + "/" + item.version + "-preferredversion/" + Scope(item);
}

Result<std::string> WriteTarball(const ResourceBackup& backup, ArchiveCompression compression,
                                 std::string_view hort_metadata) {
  std::string out;
  HORT_ASSIGN_OR_RETURN(auto w, ArchiveWriter::ToString(&out, ArchiveFormat::kTar, compression));
  auto start = UnixSeconds(backup.meta.start_timestamp);
  ArchiveEntry entry{.type = EntryType::kFile, .mode = 0755, .mtime_sec = start.ok() ? *start : 0};
  entry.path = "metadata/version";
  HORT_RETURN_IF_ERROR(w->AddFile(entry, std::string(kBackupFormatVersion) + "\n"));
  for (const Item& item : backup.items) {
    if (item.group_resource.empty() || item.version.empty() || item.name.empty() || item.namespaced == item.ns.empty() ||
        Hostile(LegacyItemPath(item))) {
      return Status(Code::kInvalidArgument, "item \"" + item.ns + "/" + item.name + "\" of " + item.group_resource +
                                                " cannot be named in a Velero tarball");
    }
    std::string json = GoCompactJson(item.object);
    entry.path = LegacyItemPath(item);
    HORT_RETURN_IF_ERROR(w->AddFile(entry, json));
    entry.path = PreferredItemPath(item);
    HORT_RETURN_IF_ERROR(w->AddFile(entry, json));
  }
  if (!hort_metadata.empty()) {
    entry.path = kHortMetadataPath;
    entry.mode = 0644;
    HORT_RETURN_IF_ERROR(w->AddFile(entry, hort_metadata));
  }
  HORT_RETURN_IF_ERROR(w->Close());
  return out;
}

Result<TarballContents> ParseTarball(std::string_view bytes, const std::string& name, const TarballLimits& limits) {
  TarballContents out;
  auto find = [&](const std::string& f) { out.findings.push_back(f); };
  // What Velero's parser (pkg/archive/parser.go) skips with "Ignoring
  // unexpected file": a hand-edited or plugin-added entry, no damage.
  auto ignore = [&](const std::string& f) { out.backup.ignored.push_back(f); };
  HORT_ASSIGN_OR_RETURN(auto reader, ArchiveReader::FromMemory(bytes, name));
  std::map<std::string, size_t> legacy;                          // legacy path → item index
  std::vector<std::pair<ItemPath, Json>> preferred;              // compared once all are read
  bool saw_version = false;
  for (uint64_t n = 0;; ++n) {
    HORT_ASSIGN_OR_RETURN(std::optional<ArchiveEntry> e, reader->Next());
    if (!e) break;
    if (n >= limits.entries) return Status(Code::kInvalidArgument, name + ": more than the entries allowed");
    std::string path = e->path;
    if (e->type == EntryType::kDirectory && !path.empty() && path.back() == '/') path.pop_back();
    if (Hostile(path)) return Status(Code::kCorruption, name + ": hostile path \"" + e->path + "\"");
    if (e->type == EntryType::kDirectory) continue;  // tar(1) adds them; Velero does not, and they carry nothing
    if (e->type != EntryType::kFile) {
      ignore(path + ": not a regular file");
      continue;
    }
    HORT_ASSIGN_OR_RETURN(std::string content, reader->ReadContent(limits.entry_bytes));
    if (path == kHortMetadataPath) {
      out.hort_metadata = std::move(content);
      continue;
    }
    if (path == "metadata/version") {
      saw_version = true;
      out.format_version = content.substr(0, content.find('\n'));
      continue;
    }
    ItemPath p = ParseItemPath(path);
    if (!p.ok) {
      ignore(path + ": not a Velero path (resources/<gr>/[<version>/]{cluster|namespaces/<ns>}/<name>.json)");
      continue;
    }
    Json obj = Json::parse(content, nullptr, /*allow_exceptions=*/false);
    if (obj.is_discarded() || !obj.is_object()) {
      find(path + ": not a JSON object");
      continue;
    }
    std::string api_version = kube::StringAt(obj, "/apiVersion"), kind = kube::StringAt(obj, "/kind");
    if (kube::StringAt(obj, "/metadata/name") != p.name || kube::StringAt(obj, "/metadata/namespace") != p.ns) {
      find(path + ": metadata.name/namespace \"" + kube::StringAt(obj, "/metadata/namespace") + "/" +
           kube::StringAt(obj, "/metadata/name") + "\" disagree with the path");
      continue;
    }
    if (api_version.empty() || kind.empty()) {
      find(path + ": no apiVersion or kind");
      continue;
    }
    size_t slash = api_version.rfind('/');
    std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
    std::string version = slash == std::string::npos ? api_version : api_version.substr(slash + 1);
    if (group != GroupOf(p.gr)) find(path + ": apiVersion " + api_version + " is not of the group of " + p.gr);
    if (!p.version_dir.empty()) {
      const std::string suffix = "-preferredversion";
      std::string_view vd = p.version_dir;
      if (vd.size() > suffix.size() && vd.substr(vd.size() - suffix.size()) == suffix) {
        if (vd.substr(0, vd.size() - suffix.size()) != version) find(path + ": apiVersion " + api_version + " in " + p.version_dir);
        preferred.emplace_back(std::move(p), std::move(obj));
      }
      continue;  // other versions (EnableAPIGroupVersions) are checked for shape only
    }
    if (legacy.count(path)) {
      find(path + ": stored twice");
      continue;
    }
    legacy[path] = out.backup.items.size();
    out.backup.items.push_back(Item{.group_resource = p.gr, .group = group, .version = version, .kind = kind,
                                    .namespaced = p.namespaced, .ns = p.ns, .name = p.name, .object = std::move(obj)});
  }
  if (!saw_version) find("metadata/version: missing");
  else if (out.format_version.rfind("1.", 0) != 0) find("metadata/version: unknown format " + out.format_version);
  std::set<std::string> has_preferred;
  for (const auto& [p, obj] : preferred) {
    auto it = legacy.find(p.legacy);
    if (it == legacy.end()) {
      find(p.legacy + ": missing, but its " + p.version_dir + " copy is there");
    } else if (out.backup.items[it->second].object != obj) {
      find(p.legacy + ": differs from its " + p.version_dir + " copy");
    }
    has_preferred.insert(p.legacy);
  }
  // Format 1.1.0 writes the preferred copy of every item (Velero 1.5+).
  if (out.format_version == kBackupFormatVersion) {
    for (const auto& [path, index] : legacy) {
      if (!has_preferred.count(path)) find(path + ": no -preferredversion copy");
    }
  }
  return out;
}

Result<ResourceBackup> ReadTarball(std::string_view bytes, std::string name) {
  HORT_ASSIGN_OR_RETURN(TarballContents contents, ParseTarball(bytes, name));
  if (!contents.findings.empty()) return Status(Code::kCorruption, name + ": " + contents.findings.front());
  return std::move(contents.backup);
}

}  // namespace hort::resources
