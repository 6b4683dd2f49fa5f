#include "resources/velero_bucket.h"

#include <algorithm>
#include <set>

#include "archive/gzip.h"
#include "kube/json_fields.h"
#include "resources/velero_tarball.h"

namespace hort::resources {

using OJson = nlohmann::ordered_json;
using kube::ArrayAt;
using kube::ObjectAt;
using kube::StringAt;

std::string MetadataKey(const std::string& name) { return "backups/" + name + "/velero-backup.json"; }

std::string ArtifactKey(const std::string& name, std::string_view suffix) {
  return "backups/" + name + "/" + name + std::string(suffix);
}

namespace {

std::vector<std::string> Strings(const Json& array) {
  std::vector<std::string> out;
  for (const Json& s : array) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

void PutList(OJson& j, const char* key, const std::vector<std::string>& values) {
  if (!values.empty()) j[key] = values;  // omitempty
}

Json MessagesJson(const ResultMessages& m) {
  Json j = Json::object();
  if (!m.velero.empty()) j["velero"] = m.velero;
  if (!m.cluster.empty()) j["cluster"] = m.cluster;
  if (!m.namespaces.empty()) j["namespaces"] = m.namespaces;
  return j;
}

// One requirement of a selector: "a=b", "a!=b", "a in (x,y)", "!a", "a".
void AddRequirement(std::string r, Json& labels, Json& expressions) {
  auto trim = [](std::string s) {
    s.erase(0, s.find_first_not_of(' '));
    s.erase(s.find_last_not_of(' ') + 1);
    return s;
  };
  r = trim(r);
  if (r.empty()) return;
  for (const char* op : {" notin ", " in "}) {
    size_t at = r.find(op);
    size_t open = r.find('('), close = r.rfind(')');
    if (at == std::string::npos || open == std::string::npos || close == std::string::npos || close < open) continue;
    Json values = Json::array();
    std::string list = r.substr(open + 1, close - open - 1);
    for (size_t s = 0, e; s <= list.size(); s = e + 1) {
      e = list.find(',', s);
      if (e == std::string::npos) e = list.size();
      if (std::string v = trim(list.substr(s, e - s)); !v.empty()) values.push_back(v);
    }
    expressions.push_back({{"key", trim(r.substr(0, at))}, {"operator", op[1] == 'n' ? "NotIn" : "In"}, {"values", values}});
    return;
  }
  if (size_t ne = r.find("!="); ne != std::string::npos) {
    expressions.push_back({{"key", trim(r.substr(0, ne))}, {"operator", "NotIn"}, {"values", {trim(r.substr(ne + 2))}}});
  } else if (size_t eq = r.find('='); eq != std::string::npos) {
    size_t vstart = r.compare(eq, 2, "==") == 0 ? eq + 2 : eq + 1;
    labels[trim(r.substr(0, eq))] = trim(r.substr(vstart));
  } else if (r[0] == '!') {
    expressions.push_back({{"key", trim(r.substr(1))}, {"operator", "DoesNotExist"}});
  } else {
    expressions.push_back({{"key", r}, {"operator", "Exists"}});
  }
}

}  // namespace

Json LabelSelectorJson(const std::string& text) {
  Json labels = Json::object(), expressions = Json::array();
  int depth = 0;
  std::string current;
  for (char c : text) {
    depth += c == '(' ? 1 : c == ')' ? -1 : 0;
    if (c == ',' && depth == 0) {
      AddRequirement(current, labels, expressions);
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  AddRequirement(current, labels, expressions);
  Json out = Json::object();
  if (!labels.empty()) out["matchLabels"] = labels;
  if (!expressions.empty()) out["matchExpressions"] = expressions;
  return out;
}

std::string LabelSelectorText(const Json& selector) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : ObjectAt(selector, "/matchLabels").items()) {
    parts.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : ""));
  }
  for (const Json& e : ArrayAt(selector, "/matchExpressions")) {
    std::string key = StringAt(e, "/key"), op = StringAt(e, "/operator");
    std::vector<std::string> values = Strings(ArrayAt(e, "/values"));
    std::string list;
    for (const auto& v : values) list += (list.empty() ? "" : ",") + v;
    if (op == "In") parts.push_back(key + " in (" + list + ")");
    else if (op == "NotIn") parts.push_back(key + " notin (" + list + ")");
    else if (op == "Exists") parts.push_back(key);
    else if (op == "DoesNotExist") parts.push_back("!" + key);
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

OJson BackupCr(const BackupMeta& meta, size_t items) {
  OJson cr;
  cr["kind"] = "Backup";  // TypeMeta's field order: kind before apiVersion
  cr["apiVersion"] = "velero.io/v1";
  OJson& md = cr["metadata"];
  md["name"] = meta.name;
  md["namespace"] = kVeleroNamespace;
  md["creationTimestamp"] = meta.start_timestamp.empty() ? OJson(nullptr) : OJson(meta.start_timestamp);
  md["labels"]["velero.io/storage-location"] = meta.storage_location;
  // Go sorts map keys: these are in that order.
  md["annotations"]["velero.io/resource-timeout"] = "10m0s";
  if (!meta.cluster_git_version.empty()) {
    md["annotations"]["velero.io/source-cluster-k8s-gitversion"] = meta.cluster_git_version;
    md["annotations"]["velero.io/source-cluster-k8s-major-version"] = meta.cluster_major;
    md["annotations"]["velero.io/source-cluster-k8s-minor-version"] = meta.cluster_minor;
  }
  OJson& spec = cr["spec"];
  spec["metadata"] = OJson::object();  // a struct, never omitted by encoding/json
  PutList(spec, "includedNamespaces", meta.included_namespaces);
  PutList(spec, "excludedNamespaces", meta.excluded_namespaces);
  PutList(spec, "includedResources", meta.included_resources);
  PutList(spec, "excludedResources", meta.excluded_resources);
  if (!meta.label_selector.empty()) spec["labelSelector"] = OJson::parse(LabelSelectorJson(meta.label_selector).dump());
  spec["ttl"] = meta.ttl;
  spec["hooks"] = OJson::object();
  spec["storageLocation"] = meta.storage_location;
  spec["csiSnapshotTimeout"] = "10m0s";    // Velero's server defaults, stamped on every Backup
  spec["itemOperationTimeout"] = "4h0m0s";
  OJson& st = cr["status"];
  st["version"] = 1;
  st["formatVersion"] = kBackupFormatVersion;
  if (!meta.expiration.empty()) st["expiration"] = meta.expiration;
  st["phase"] = meta.phase;
  if (!meta.start_timestamp.empty()) st["startTimestamp"] = meta.start_timestamp;
  if (!meta.completion_timestamp.empty()) st["completionTimestamp"] = meta.completion_timestamp;
  if (size_t w = meta.warnings.Count()) st["warnings"] = w;
  if (size_t e = meta.errors.Count()) st["errors"] = e;
  st["progress"]["totalItems"] = items;
  st["progress"]["itemsBackedUp"] = items;
  return cr;
}

Result<BackupMeta> ParseBackupCr(std::string_view json) {
  Json cr = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (cr.is_discarded() || !cr.is_object()) return Status(Code::kCorruption, "velero-backup.json: not JSON");
  if (StringAt(cr, "/apiVersion") != "velero.io/v1" || StringAt(cr, "/kind") != "Backup") {
    return Status(Code::kCorruption, "velero-backup.json: not a velero.io/v1 Backup");
  }
  BackupMeta m;
  m.name = StringAt(cr, "/metadata/name");
  if (m.name.empty()) return Status(Code::kCorruption, "velero-backup.json: no metadata.name");
  m.phase = StringAt(cr, "/status/phase");
  m.start_timestamp = StringAt(cr, "/status/startTimestamp");
  m.completion_timestamp = StringAt(cr, "/status/completionTimestamp");
  m.expiration = StringAt(cr, "/status/expiration");
  m.ttl = StringAt(cr, "/spec/ttl");
  m.storage_location = StringAt(cr, "/spec/storageLocation",
                                StringAt(cr, "/metadata/labels/velero.io~1storage-location"));
  m.included_namespaces = Strings(ArrayAt(cr, "/spec/includedNamespaces"));
  m.excluded_namespaces = Strings(ArrayAt(cr, "/spec/excludedNamespaces"));
  m.included_resources = Strings(ArrayAt(cr, "/spec/includedResources"));
  m.excluded_resources = Strings(ArrayAt(cr, "/spec/excludedResources"));
  m.label_selector = LabelSelectorText(ObjectAt(cr, "/spec/labelSelector"));
  const Json& ann = ObjectAt(cr, "/metadata/annotations");
  m.cluster_git_version = StringAt(ann, "/velero.io~1source-cluster-k8s-gitversion");
  m.cluster_major = StringAt(ann, "/velero.io~1source-cluster-k8s-major-version");
  m.cluster_minor = StringAt(ann, "/velero.io~1source-cluster-k8s-minor-version");
  return m;
}

Json ResultsJson(const BackupMeta& meta) {
  return Json{{"errors", MessagesJson(meta.errors)}, {"warnings", MessagesJson(meta.warnings)}};
}

ResultMessages ParseResultMessages(const Json& result) {
  ResultMessages m;
  m.velero = Strings(ArrayAt(result, "/velero"));
  m.cluster = Strings(ArrayAt(result, "/cluster"));
  for (const auto& [ns, list] : ObjectAt(result, "/namespaces").items()) {
    if (list.is_array()) m.namespaces[ns] = Strings(list);
  }
  return m;
}

Result<std::string> LoadString(ObjectStore& store, const std::string& key) {
  HORT_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, store.Load(key));
  return std::string(bytes.begin(), bytes.end());
}

namespace {

Status Put(ObjectStore& store, const std::string& key, std::string_view data) {
  return store.Save(key, {reinterpret_cast<const uint8_t*>(data.data()), data.size()}).Annotate("uploading " + key);
}

Status PutGzip(ObjectStore& store, const std::string& key, std::string_view data) {
  HORT_ASSIGN_OR_RETURN(std::string gz, GzipCompress(data));
  return Put(store, key, gz);
}

// Velero writes its extra files with a JSON stream encoder: one compact
// value and a newline.
std::string StreamJson(const Json& j) { return GoCompactJson(j) + "\n"; }

bool ValidName(const std::string& name) {
  // A Kubernetes object name (DNS subdomain), which a Backup's name is.
  if (name.empty() || name.size() > 253) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'; }) &&
         name != "." && name != "..";
}

}  // namespace

Status ExportBackup(ObjectStore& store, const ResourceBackup& backup) {
  const std::string& name = backup.meta.name;
  if (!ValidName(name)) return Status(Code::kInvalidArgument, "\"" + name + "\" is not a Velero backup name");
  auto existing = store.Stat(MetadataKey(name));
  if (existing.ok()) {
    return Status(Code::kAlreadyExists, "backup " + name + " already exists in " + store.Location());
  }
  if (existing.status().code() != Code::kNotFound) return existing.status();
  HORT_ASSIGN_OR_RETURN(std::string tarball, WriteTarball(backup, ArchiveCompression::kGzip));
  Json resource_list = Json::object();
  for (const auto& [key, entries] : backup.ResourceList()) resource_list[key] = entries;
  HORT_RETURN_IF_ERROR(PutGzip(store, ArtifactKey(name, "-logs.gz"), backup.meta.log));
  HORT_RETURN_IF_ERROR(Put(store, ArtifactKey(name, ".tar.gz"), tarball));
  HORT_RETURN_IF_ERROR(PutGzip(store, ArtifactKey(name, "-resource-list.json.gz"), StreamJson(resource_list)));
  HORT_RETURN_IF_ERROR(PutGzip(store, ArtifactKey(name, "-results.gz"), StreamJson(ResultsJson(backup.meta))));
  // Velero uploads these lists for every backup, empty ones too, each as Go
  // encodes its value when nothing was recorded (backup_controller.go
  // persistBackup, Velero d30d389): the snapshot and pod-volume lists are nil
  // slices (null), the operations and volume-info lists empty ones ([]).
  for (auto [suffix, empty] : {std::pair{"-volumesnapshots.json.gz", "null\n"}, {"-podvolumebackups.json.gz", "null\n"},
                               {"-itemoperations.json.gz", "[]\n"}, {"-volumeinfo.json.gz", "[]\n"}}) {
    HORT_RETURN_IF_ERROR(PutGzip(store, ArtifactKey(name, suffix), empty));
  }
  return Put(store, MetadataKey(name), GoPrettyJson(BackupCr(backup.meta, backup.items.size())));
}

Result<std::vector<std::string>> ListBackups(ObjectStore& store) {
  std::set<std::string> names;
  HORT_RETURN_IF_ERROR(store.List("backups/", [&](const std::string& key, uint64_t) {
    if (std::string name = BackupNameOf(key); !name.empty()) names.insert(std::move(name));
  }));
  return std::vector<std::string>(names.begin(), names.end());
}

std::string BackupNameOf(const std::string& key) {
  constexpr std::string_view kPrefix = "backups/";
  if (key.compare(0, kPrefix.size(), kPrefix) != 0) return "";
  const size_t slash = key.find('/', kPrefix.size());
  if (slash == std::string::npos || slash == kPrefix.size()) return "";
  return key.substr(kPrefix.size(), slash - kPrefix.size());
}

Result<ResourceBackup> ReadBucketBackup(ObjectStore& store, const std::string& name) {
  if (!ValidName(name)) return Status(Code::kInvalidArgument, "\"" + name + "\" is not a Velero backup name");
  HORT_ASSIGN_OR_RETURN(std::string cr, LoadString(store, MetadataKey(name)));
  HORT_ASSIGN_OR_RETURN(BackupMeta meta, ParseBackupCr(cr));
  if (meta.name != name) {
    return Status(Code::kCorruption, MetadataKey(name) + " names backup \"" + meta.name + "\"");
  }
  HORT_ASSIGN_OR_RETURN(std::string tarball, LoadString(store, ArtifactKey(name, ".tar.gz")));
  HORT_ASSIGN_OR_RETURN(ResourceBackup backup, ReadTarball(tarball, ArtifactKey(name, ".tar.gz")));
  if (auto log = LoadString(store, ArtifactKey(name, "-logs.gz")); log.ok()) {
    HORT_ASSIGN_OR_RETURN(meta.log, Gunzip(*log, ArtifactKey(name, "-logs.gz")));
  } else if (log.status().code() != Code::kNotFound) {
    return log.status();
  }
  if (auto results = LoadString(store, ArtifactKey(name, "-results.gz")); results.ok()) {
    HORT_ASSIGN_OR_RETURN(std::string text, Gunzip(*results, ArtifactKey(name, "-results.gz")));
    Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Status(Code::kCorruption, ArtifactKey(name, "-results.gz") + ": not JSON");
    meta.errors = ParseResultMessages(ObjectAt(j, "/errors"));
    meta.warnings = ParseResultMessages(ObjectAt(j, "/warnings"));
  } else if (results.status().code() != Code::kNotFound) {
    return results.status();
  }
  backup.meta = std::move(meta);
  return backup;
}

}  // namespace hort::resources
