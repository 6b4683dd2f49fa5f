#include "volumes/forget.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "format/gojson.h"
#include "util/parallel.h"
#include "util/strings.h"
#include "volumes/lock.h"
#include "volumes/store_io.h"

namespace hort::volumes {
namespace {

struct Loaded {
  std::string name;
  Result<BackupConfig> config;
};

std::vector<Loaded> LoadAll(ObjectStore& store, const VolumeKeys& keys, const std::vector<std::string>& names,
                            uint64_t volume_size) {
  std::vector<Loaded> out;
  for (const auto& n : names) out.push_back({n, LoadBackupConfig(store, keys, n, volume_size)});
  return out;
}

// SnapshotCreatedAt has one-second resolution, so backups of one second
// tie; they are ordered by CreatedTime, then the volume's LastBackupName
// last (the newest), then by name, by adding 0…n-1 ns within each tied
// second (never crossing into the next second).
void BreakTies(const std::vector<const Loaded*>& finished, std::vector<gojson::Timestamp>* times,
               const std::string& last_backup) {
  std::vector<size_t> order(finished.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto key = [&](size_t i) {
    auto created = gojson::ParseRfc3339(finished[i]->config->created_time);
    const gojson::Timestamp c = created.ok() ? *created : gojson::Timestamp{};
    return std::make_tuple((*times)[i].sec, (*times)[i].nsec, c.sec, c.nsec, finished[i]->name == last_backup,
                           finished[i]->name);
  };
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
  for (size_t k = 1; k < order.size(); ++k) {
    const gojson::Timestamp& prev = (*times)[order[k - 1]];
    gojson::Timestamp& t = (*times)[order[k]];
    if (t.sec == prev.sec && t.nsec <= prev.nsec && prev.nsec < 999999999) t.nsec = prev.nsec + 1;
  }
}

// Longhorn's GC: count references over every remaining cfg, remove blocks
// with none. Returns why it was skipped, or "".
Result<std::string> CollectGarbage(const BackupTarget& target, const VolumeKeys& keys, uint64_t volume_size,
                                   VolumeForgetResult* r, uint64_t* referenced_present) {
  ObjectStore& store = *target.store;
  HORT_ASSIGN_OR_RETURN(BackupListing listed, ListBackups(store, keys));
  if (!listed.unaccounted.empty()) return DescribeUnaccounted(target, keys, listed.unaccounted[0]);
  BlockSet referenced;
  for (const Loaded& l : LoadAll(store, keys, listed.names, volume_size)) {
    if (!l.config.ok()) return "backup " + l.name + " cannot be read (" + l.config.status().message() + ")";
    if (l.config->InProgress()) return "backup " + l.name + " is unfinished (a placeholder cfg)";
    for (const BlockRef& b : l.config->blocks) referenced.Add(ChecksumFromHex(b.checksum));
  }
  referenced.Seal();
  std::vector<std::pair<std::string, uint64_t>> unreferenced;
  uint64_t kept = 0;
  HORT_RETURN_IF_ERROR(store.List(keys.BlocksPrefix(), [&](const std::string& key, uint64_t size) {
    auto c = BlockChecksumOfKey(key);
    if (!c) return;
    if (referenced.Contains(ChecksumFromHex(*c))) {
      ++kept;
    } else {
      unreferenced.emplace_back(key, size);
    }
  }));
  HORT_ASSIGN_OR_RETURN(BackupListing again, ListBackups(store, keys));
  if (again != listed) return std::string("the backups changed while their blocks were counted");
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status first;
  RunParallel(static_cast<unsigned>(std::max(2, store.Connections())), [&](unsigned) {
    for (size_t i = next++; i < unreferenced.size(); i = next++) {
      Status s = store.Remove(unreferenced[i].first);
      std::lock_guard lock(mu);
      if (s.ok() || s.code() == Code::kNotFound) {
        r->blocks_removed++;
        r->bytes_removed += unreferenced[i].second;
      } else if (first.ok()) {
        first = s;
      }
    }
  });
  HORT_RETURN_IF_ERROR(first);
  r->blocks_kept = kept;
  *referenced_present = kept;
  return std::string();
}

// A name to remove: a Longhorn name, or one path component (whether the
// store holds it is checked against the listing).
Status CheckNameToForget(const std::string& name) {
  if (IsValidName(name) || IsBackupFileName(name)) return Status::Ok();
  return Status(Code::kInvalidArgument, "backup name \"" + name + "\" names no file in backups/ (it is empty, . or .., "
                                        "or holds a '/')");
}

}  // namespace

std::string DescribeUnaccounted(const BackupTarget& target, const VolumeKeys& keys, const std::string& key) {
  // Only a cfg right in backups/ is one forget finds by its name (a nested
  // backups/backups/backup_x.cfg is not).
  if (auto name = BackupNameOfKey(key); name && IsBackupFileName(*name) && key == keys.BackupConfig(*name)) {
    return key + " is a backup cfg whose name \"" + *name + "\" is no Longhorn name, so the blocks it uses are not "
           "counted; `hort volumes forget --store " + ShellWord(target.url) + " --volume " + ShellWord(keys.volume()) +
           " -- " + ShellWord(*name) + "` removes it";
  }
  return key + " is no backup cfg (not backups/backup_<name>.cfg), so the blocks it may hold are not counted; "
         "move it out of backups/ by hand";
}

Result<VolumeForgetResult> ForgetBackups(BackupTarget& target, const VolumeForgetOptions& o) {
  HORT_RETURN_IF_ERROR(CheckVolumeName(o.volume));
  for (const auto& b : o.backups) HORT_RETURN_IF_ERROR(CheckNameToForget(b));
  if (o.backups.empty() && o.policy.Empty()) {
    return Status(Code::kInvalidArgument, "no policy was specified, no backups will be removed");
  }
  ObjectStore& store = *target.store;
  const VolumeKeys keys(target.base, o.volume);
  HORT_ASSIGN_OR_RETURN(std::optional<VolumeConfig> volume, LoadVolumeConfig(store, keys));
  if (!volume) return Status(Code::kNotFound, "no volume " + o.volume + " in " + target.url);
  std::unique_ptr<VolumeLock> lock;
  if (!o.dry_run) {
    HORT_ASSIGN_OR_RETURN(lock, VolumeLock::Acquire(store, keys, LockType::kDelete));
  }

  HORT_ASSIGN_OR_RETURN(BackupListing listed, ListBackups(store, keys));
  const std::vector<std::string>& names = listed.names;
  std::vector<Loaded> all = LoadAll(store, keys, names, volume->size);
  // Only finished, readable backups take part; the others are kept as they are.
  std::vector<const Loaded*> finished;
  std::vector<gojson::Timestamp> times;
  for (const Loaded& l : all) {
    if (!l.config.ok() || l.config->InProgress()) continue;
    auto t = gojson::ParseRfc3339(l.config->snapshot_created_at);
    if (!t.ok()) t = gojson::ParseRfc3339(l.config->created_time);
    if (!t.ok()) continue;  // Longhorn's GC would stumble over it too; keep it
    finished.push_back(&l);
    times.push_back(*t);
  }
  BreakTies(finished, &times, volume->last_backup_name);
  VolumeForgetResult r;
  std::set<std::string> remove;
  if (!o.backups.empty()) {
    for (const auto& b : o.backups) {
      // A Longhorn name is one the listing took; any other must be the exact
      // name of a cfg it could not account for.
      const bool held = IsValidName(b) ? std::find(names.begin(), names.end(), b) != names.end()
                                       : std::find(listed.unaccounted.begin(), listed.unaccounted.end(),
                                                   keys.BackupConfig(b)) != listed.unaccounted.end();
      if (!held) return Status(Code::kNotFound, "volume " + o.volume + " has no backup " + b);
      remove.insert(b);
    }
  } else {
    std::vector<std::vector<std::string>> tags(finished.size());
    const std::string prefix = kTagLabelPrefix;
    for (size_t i = 0; i < finished.size(); ++i) {
      for (const auto& [key, value] : finished[i]->config->labels) {
        if (key.rfind(prefix, 0) == 0 && key.size() > prefix.size()) tags[i].push_back(key.substr(prefix.size()));
      }
    }
    std::vector<RetentionItem> items;
    for (size_t i = 0; i < finished.size(); ++i) items.push_back({times[i], o.volume, tags[i], {}});
    for (const RetentionDecision& d : DecideRetention(items, o.policy)) {
      const Loaded& l = *finished[d.item];
      r.decisions.push_back({l.name, l.config->snapshot_created_at, d.keep, d.reasons});
      if (!d.keep) remove.insert(l.name);
    }
    // restic's rules keep the newest snapshot unless only tags are given
    // and none matches; then restic removes them all. For a volume that
    // leaves nothing to restore, so it is refused (naming them removes all).
    if (!finished.empty() && remove.size() == finished.size()) {
      return Status(Code::kInvalidArgument, "the rules (" + o.policy.Describe() + ") keep no backup of volume " +
                                                o.volume + ": they would remove every backup, the latest too; "
                                                "nothing was removed (name the backups to remove them all)");
    }
  }
  if (o.dry_run) {
    r.removed.assign(remove.begin(), remove.end());
    return r;
  }
  for (const auto& b : remove) {  // as Longhorn: the cfg goes first
    Status s = store.Remove(keys.BackupConfig(b));
    if (!s.ok() && s.code() != Code::kNotFound) return s;
    r.removed.push_back(b);
  }
  uint64_t referenced_present = 0;
  HORT_ASSIGN_OR_RETURN(r.gc_skipped, CollectGarbage(target, keys, volume->size, &r, &referenced_present));

  // volume.cfg: LastBackupName moves to the newest remaining backup.
  HORT_ASSIGN_OR_RETURN(std::optional<VolumeConfig> now, LoadVolumeConfig(store, keys));
  VolumeConfig v = now ? std::move(*now) : *volume;
  if (remove.count(v.last_backup_name)) {
    v.last_backup_name.clear();
    v.last_backup_at.clear();
    std::optional<gojson::Timestamp> newest;
    for (size_t i = 0; i < finished.size(); ++i) {
      if (remove.count(finished[i]->name) || (newest && times[i] <= *newest)) continue;
      newest = times[i];
      v.last_backup_name = finished[i]->name;
      v.last_backup_at = finished[i]->config->snapshot_created_at;
    }
  }
  if (r.gc_skipped.empty()) v.block_count = referenced_present;
  HORT_RETURN_IF_ERROR(SaveVolumeConfig(store, keys, v));
  r.last_backup = v.last_backup_name;
  return r;
}

}  // namespace hort::volumes
