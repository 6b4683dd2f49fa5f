#include "volumes/listing.h"

#include <algorithm>

#include "volumes/forget.h"
#include "volumes/store_io.h"

namespace hort::volumes {

Result<std::vector<VolumeSummary>> ListTarget(BackupTarget& target, const std::string& volume) {
  ObjectStore& store = *target.store;
  VolumeFolders folders;
  if (!volume.empty()) {
    HORT_RETURN_IF_ERROR(CheckVolumeName(volume));
    folders.names.push_back(volume);
  } else {
    HORT_ASSIGN_OR_RETURN(folders, ListVolumeFolders(store, target.base));
  }
  std::vector<VolumeSummary> out;
  // Listed among the volumes, the note saying why hort does not read them.
  for (const VolumeFolders::Refused& f : folders.refused) {
    VolumeSummary v;
    v.name = f.name;
    v.error = f.Message();
    out.push_back(std::move(v));
  }
  for (const VolumeFolders::Stray& f : folders.strays) {
    VolumeSummary v;
    v.name = f.name;
    v.error = f.Message();
    out.push_back(std::move(v));
  }
  for (const std::string& name : folders.names) {
    const VolumeKeys keys(target.base, name);
    VolumeSummary v;
    v.name = name;
    auto cfg = LoadVolumeConfig(store, keys);
    if (!cfg.ok()) {
      v.error = cfg.status().message();
    } else if (!*cfg) {
      v.error = "volume.cfg is missing";
    } else {
      v.config = std::move(**cfg);
    }
    HORT_ASSIGN_OR_RETURN(BackupListing listed, ListBackups(store, keys));
    const bool none = listed.names.empty() && listed.unaccounted.empty();
    if (!volume.empty() && !cfg.ok() && none) return cfg.status();
    if (!volume.empty() && cfg.ok() && !*cfg && none) {
      return Status(Code::kNotFound, "no volume " + volume + " in " + target.url);
    }
    // Shown, as they stop garbage collection: a listing without them would
    // not say why. A cfg goes by its backup's name, the one forget takes.
    for (const std::string& key : listed.unaccounted) {
      BackupSummary s;
      const std::optional<std::string> name = BackupNameOfKey(key);
      s.name = name && IsBackupFileName(*name) ? *name : key.substr(keys.BackupsPrefix().size());
      s.error = "forget removes no block while it is there: " + DescribeUnaccounted(target, keys, key);
      v.backups.push_back(std::move(s));
    }
    for (const std::string& b : listed.names) {
      BackupSummary s;
      s.name = b;
      auto loaded = LoadBackupConfig(store, keys, b, v.config.size);
      if (!loaded.ok()) {
        s.error = loaded.status().message();
      } else {
        s.snapshot_created_at = loaded->snapshot_created_at;
        s.created_time = loaded->created_time;
        s.size = loaded->size;
        s.blocks = loaded->blocks.size();
        s.block_size = BlockSizeOf(*loaded).ok() ? *BlockSizeOf(*loaded) : 0;
        s.newly_uploaded = loaded->newly_uploaded_data_size;
        s.incremental = loaded->is_incremental;
        s.in_progress = loaded->InProgress();
      }
      v.backups.push_back(std::move(s));
    }
    std::stable_sort(v.backups.begin(), v.backups.end(), [](const BackupSummary& a, const BackupSummary& b) {
      return a.snapshot_created_at < b.snapshot_created_at;
    });
    out.push_back(std::move(v));
  }
  std::stable_sort(out.begin(), out.end(), [](const VolumeSummary& a, const VolumeSummary& b) { return a.name < b.name; });
  return out;
}

}  // namespace hort::volumes
