#include "catalog/volumes_load.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "backend/backend.h"
#include "catalog/repository_locations.h"
#include "kube/label_selector.h"
#include "volumes/layout.h"
#include "volumes/target.h"

namespace hort {
namespace {

std::optional<VolumeSnapshotSpec> Snapshots(EntryFields& e, const VolumesEntry& v, const Service& s,
                                            const YAML::Node& n, const std::string& key) {
  YamlFields& f = e.fields();
  if (!f.Mapping(n, key, {"schedule", "keep", "class", "longhorn", "timeout"})) return std::nullopt;
  if (v.kind != VolumesEntry::Kind::kPvc) {
    f.Error(n, key, "only pvc entries take snapshots: they are taken in the cluster");
    return std::nullopt;
  }
  VolumeSnapshotSpec spec;
  if (f.Bool(n, key, "longhorn").value_or(false)) spec.kind = VolumeSnapshotSpec::Kind::kLonghorn;
  spec.class_name = f.String(n, key, "class").value_or("");
  if (!spec.class_name.empty() && spec.kind == VolumeSnapshotSpec::Kind::kLonghorn) {
    f.Error(n["class"], key + ".class", "a VolumeSnapshotClass is for CSI snapshots, not Longhorn Snapshot CRs");
  }
  if (auto sc = e.ScheduleAt(n, key, s.ns + "/" + s.name + "@" + v.name + "@snapshots", true)) spec.schedule = *sc;
  if (!n["keep"]) {
    f.Error(n, key, "needs keep: snapshots live on the volume's own disks, so hort deletes the old ones");
  } else {
    spec.keep = e.Keep(n, key);
    if (!spec.keep.tags.empty()) f.Error(n["keep"], key + ".keep.tags", "snapshots carry no tags to keep them by");
  }
  spec.timeout_seconds = f.Duration(n, key, "timeout").value_or(spec.timeout_seconds);
  return spec;
}

std::optional<VolumesEntry> Entry(EntryFields& e, const Service& s, const YAML::Node& n, const std::string& key,
                                  const Catalog& catalog) {
  YamlFields& f = e.fields();
  if (!f.Mapping(n, key, EntryFields::EntryKeys(*layers::Find("volumes")))) return std::nullopt;
  VolumesEntry v;
  v.line = n.Mark().line + 1;
  int kinds = (n["pvc"] ? 1 : 0) + (n["device"] ? 1 : 0) + (n["image"] ? 1 : 0);
  if (kinds != 1) {
    f.Error(n, key, "needs exactly one of pvc, device and image");
    return std::nullopt;
  }
  if (n["pvc"]) {
    v.kind = VolumesEntry::Kind::kPvc;
    v.pvc = f.String(n, key, "pvc").value_or("");
    if (v.pvc.empty() || v.pvc.find('/') != std::string::npos) f.Error(n["pvc"], key + ".pvc", "expected a PVC name");
    v.name = v.pvc;
  } else {
    const char* field = n["device"] ? "device" : "image";
    v.kind = n["device"] ? VolumesEntry::Kind::kDevice : VolumesEntry::Kind::kImage;
    v.source = e.Absolute(f.String(n, key, field).value_or(""));
    if (v.source.empty()) f.Error(n[field], key + "." + field, "expected a path");
  }
  v.volume = f.String(n, key, "volume").value_or("");
  v.name = f.String(n, key, "name").value_or(v.name.empty() ? v.volume : v.name);
  if (v.name.empty()) f.Error(n, key, "a device or image entry needs a name or a volume");
  if (n["name"] && !kube::IsLabelValue(v.name)) {
    f.Error(n["name"], key + ".name", "an entry name takes letters, digits, '.', '_' and '-' (it names snapshot series)");
  }
  if (v.volume.empty() && v.kind != VolumesEntry::Kind::kPvc) v.volume = v.name;
  if (!v.volume.empty()) {
    if (Status st = volumes::CheckVolumeName(v.volume); !st.ok()) {
      const bool given = static_cast<bool>(n["volume"]);
      f.Error(given ? n["volume"] : n["name"], key + (given ? ".volume" : ".name"), st.message());
    }
  }
  YAML::Node sh = e.Inherit(n, "schedule");
  if (auto sc = e.ScheduleAt(sh, e.KeyPath(sh, key), s.ns + "/" + s.name + "@volumes@" + v.name, true)) {
    v.schedule = *sc;
  }
  v.store = f.String(n, key, "store", true).value_or("");
  if (n["store"] && v.store.empty()) f.Error(n["store"], key + ".store", "must name a store in volume_stores, got \"\"");
  if (!v.store.empty() && !catalog.volume_stores.count(v.store)) {
    f.Error(n["store"], key + ".store", "no store named \"" + v.store + "\" in volume_stores");
  }
  v.keep = e.Keep(n, key);
  v.verify = f.Bool(n, key, "verify").value_or(false);
  if (YAML::Node lh = n["longhorn"]; lh && f.Mapping(lh, key + ".longhorn", {"trigger_backup"})) {
    v.longhorn_backup = f.Bool(lh, key + ".longhorn", "trigger_backup").value_or(false);
    if (v.longhorn_backup && v.kind != VolumesEntry::Kind::kPvc) {
      f.Error(lh, key + ".longhorn.trigger_backup", "only a pvc entry has a Longhorn volume to ask Longhorn about");
    }
    if (v.longhorn_backup && n["volume"]) {
      f.Error(n["volume"], key + ".volume", "Longhorn names a triggered backup's volume itself; no volume with trigger_backup");
    }
  }
  if (YAML::Node sn = n["snapshots"]) v.snapshots = Snapshots(e, v, s, sn, key + ".snapshots");
  if ((v.snapshots || v.longhorn_backup) && !kube::IsLabelValue(v.BackupSnapshotSeries(s.name))) {
    f.Error(n, key, "the snapshot series \"" + v.BackupSnapshotSeries(s.name) +
                        "\" is not a Kubernetes label value (at most 63 letters, digits, '.', '_', '-'): shorten the service or entry name");
  }
  return v;
}

// Where a store's backupstore/ folder is, one spelling per place, as a
// repository's location is keyed: a folder (plain path, vfs://, a mounted
// share) cleaned, an S3 bucket by its endpoint, bucket and path (the
// endpoint and region come from the process environment, not from a
// store's credentials, so one URL is one place whatever the keys).
std::string StoreLocationKey(const volumes::TargetLocation& t) {
  return RepositoryLocationKey(t.store_location + "/" + t.base);
}

}  // namespace

void LoadVolumeStores(EntryFields& e, const YAML::Node& stores, Catalog& catalog) {
  YamlFields& f = e.fields();
  std::vector<std::pair<std::string, std::string>> located;  // (location key, store name), in the file's order
  for (auto& [name, node] : f.Entries(stores, "volume_stores")) {
    std::string key = "volume_stores." + name;
    if (!f.Mapping(node, key, {"url", "credentials", "cacert", "insecure_tls", "mount_point"})) continue;
    VolumeStoreSpec st;
    st.name = name;
    st.line = node.Mark().line + 1;
    st.url = f.String(node, key, "url", true).value_or("");
    bool share = st.url.rfind("nfs://", 0) == 0 || st.url.rfind("cifs://", 0) == 0;
    if (!st.url.empty() && st.url.rfind("vfs://", 0) != 0 && st.url.find("://") == std::string::npos) {
      st.url = e.Absolute(st.url);  // a plain folder, relative to the catalog
    }
    st.mount_point = e.Absolute(f.String(node, key, "mount_point").value_or(""));
    if (!st.mount_point.empty() && !share) {
      f.Error(node["mount_point"], key + ".mount_point", "only nfs:// and cifs:// stores are mounted");
    }
    std::optional<volumes::TargetLocation> at;
    if (!st.url.empty()) {
      volumes::TargetEnv env;
      env.mount_point = st.mount_point;
      auto r = volumes::ResolveTarget(st.url, env);
      if (r.ok()) at = std::move(*r);
      else f.Error(node["url"], key + ".url", r.status().message());
    }
    if (YAML::Node cr = node["credentials"]) st.credentials = e.Credentials(cr, key + ".credentials");
    st.cacert = e.Absolute(f.String(node, key, "cacert").value_or(""));
    st.insecure_tls = f.Bool(node, key, "insecure_tls").value_or(false);
    if (at) located.emplace_back(StoreLocationKey(*at), st.name);
    catalog.volume_stores.emplace(name, std::move(st));
  }
  // Two names for one backupstore would let two entries write one volume's
  // backups, each forgetting the other's (OneWriterPerVolume keys on names).
  std::map<std::string, std::string> first;  // location key → the first store there
  for (const auto& [where, name] : located) {
    auto [it, fresh] = first.emplace(where, name);
    if (fresh) continue;
    f.Error(stores[name]["url"], "volume_stores." + name + ".url",
            "volume_stores " + it->second + " and " + name + " are one location (" +
                LocationWithoutPassword(catalog.volume_stores.at(name).url) +
                "): entries of both could write one volume, each forgetting the other's backups; name the store once");
  }
}

std::vector<VolumesEntry> LoadVolumesEntries(EntryFields& e, const Service& s, const YAML::Node& list,
                                             const std::string& key, const Catalog& catalog) {
  std::vector<VolumesEntry> out;
  YamlFields& f = e.fields();
  if (!list) return out;
  if (!list.IsSequence()) {
    f.Error(list, key, "expected a list of entries");
    return out;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string k = key + "[" + std::to_string(i) + "]";
    auto v = Entry(e, s, list[i], k, catalog);
    if (!v) continue;
    if (!names.insert(v->name).second) f.Error(list[i], k, "duplicate entry name \"" + v->name + "\"");
    out.push_back(std::move(*v));
  }
  return out;
}

void OneWriterPerVolume(YamlFields& f, const YAML::Node& services, const Catalog& catalog) {
  std::map<std::string, std::string> writer;  // "store\0volume" or "store\0ns/pvc" → service/entry
  for (const Service& s : catalog.services) {
    for (const VolumesEntry& v : s.volumes) {
      std::string what = v.volume.empty() ? "claim " + s.ns + "/" + v.pvc : "volume " + v.volume;
      std::string id = s.name + "/volumes/" + v.name;
      auto [it, fresh] = writer.emplace(v.store + '\0' + what, id);
      if (fresh) continue;
      f.Error(services[s.name]["volumes"], "services." + s.name + ".volumes",
              "entry \"" + v.name + "\" backs up " + what + " to store " + v.store + ", as " + it->second +
                  " does; one writer per volume and store");
    }
  }
}

}  // namespace hort
