#include "volumes/store_io.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "format/gojson.h"

namespace hort::volumes {
namespace {

std::span<const uint8_t> Bytes(const std::string& s) {
  return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

uint8_t HexValue(char c) { return static_cast<uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10); }

}  // namespace

ChecksumBytes ChecksumFromHex(const std::string& hex) {
  ChecksumBytes out{};
  for (size_t i = 0; i < out.size() && 2 * i + 1 < hex.size(); ++i) {
    out[i] = static_cast<uint8_t>(HexValue(hex[2 * i]) << 4 | HexValue(hex[2 * i + 1]));
  }
  return out;
}

void BlockSet::Seal() {
  std::sort(sums_.begin(), sums_.end());
  sums_.erase(std::unique(sums_.begin(), sums_.end()), sums_.end());
  sums_.shrink_to_fit();
}

void BlockSet::Erase(const std::vector<std::pair<ChecksumBytes, uint64_t>>& bad) {
  if (bad.empty()) return;
  std::set<ChecksumBytes> drop;
  for (const auto& [c, size] : bad) drop.insert(c);
  std::erase_if(sums_, [&](const ChecksumBytes& c) { return drop.count(c) > 0; });
}

bool BlockSet::Contains(const ChecksumBytes& c) const { return std::binary_search(sums_.begin(), sums_.end(), c); }

Result<BlockListing> ListBlocks(ObjectStore& store, const VolumeKeys& keys, uint64_t max_block_bytes) {
  BlockListing out;
  HORT_RETURN_IF_ERROR(store.List(keys.BlocksPrefix(), [&](const std::string& key, uint64_t size) {
    if (auto c = BlockChecksumOfKey(key)) {
      out.blocks.Add(ChecksumFromHex(*c));
      out.bytes += size;
      if (max_block_bytes > 0 && (size == 0 || size > max_block_bytes)) out.bad_size.emplace_back(ChecksumFromHex(*c), size);
    } else {
      out.stray_keys.push_back(key);
    }
  }));
  out.blocks.Seal();
  return out;
}

uint64_t MaxBackupConfigBytes(uint64_t volume_size) {
  if (volume_size == 0) volume_size = uint64_t{256} << 30;
  return (uint64_t{4} << 20) + 256 * ((volume_size + kDefaultBlockSize - 1) / kDefaultBlockSize);
}

// Stat, then Load unless larger than `limit`; kNotFound passes through.
static Result<std::vector<uint8_t>> LoadBounded(ObjectStore& store, const std::string& key, uint64_t limit,
                                         const std::string& what) {
  auto size = store.Stat(key);
  if (!size.ok()) return size.status();
  if (*size > limit) {
    return Status(Code::kCorruption, what + " is " + std::to_string(*size) + " bytes, more than the " +
                                         std::to_string(limit) + " such a cfg can need; not read");
  }
  return store.Load(key);
}

Result<std::optional<VolumeConfig>> LoadVolumeConfig(ObjectStore& store, const VolumeKeys& keys) {
  auto body = LoadBounded(store, keys.Config(), kMaxVolumeConfigBytes, keys.Config());
  if (body.status().code() == Code::kNotFound) return std::optional<VolumeConfig>();
  if (!body.ok()) return body.status();
  HORT_ASSIGN_OR_RETURN(VolumeConfig v, ParseVolumeConfig(std::string(body->begin(), body->end()), keys.Config()));
  return std::optional<VolumeConfig>(std::move(v));
}

Status SaveVolumeConfig(ObjectStore& store, const VolumeKeys& keys, const VolumeConfig& v) {
  return store.Save(keys.Config(), Bytes(VolumeConfigJson(v)));
}

Result<BackupConfig> LoadBackupConfig(ObjectStore& store, const VolumeKeys& keys, const std::string& backup,
                                      uint64_t volume_size) {
  const std::string key = keys.BackupConfig(backup);
  auto body = LoadBounded(store, key, MaxBackupConfigBytes(volume_size), "backup " + backup + " (" + key + ")");
  if (body.status().code() == Code::kNotFound) {
    return Status(Code::kNotFound, "volume " + keys.volume() + " has no backup " + backup);
  }
  if (!body.ok()) return body.status();
  return ParseBackupConfig(std::string(body->begin(), body->end()), "backup " + backup + " (" + key + ")");
}

Status SaveBackupConfig(ObjectStore& store, const VolumeKeys& keys, const BackupConfig& b) {
  return store.Save(keys.BackupConfig(b.name), Bytes(BackupConfigJson(b)));
}

Result<BackupListing> ListBackups(ObjectStore& store, const VolumeKeys& keys) {
  BackupListing out;
  HORT_RETURN_IF_ERROR(store.List(keys.BackupsPrefix(), [&](const std::string& key, uint64_t) {
    if (auto n = BackupNameOfKey(key); n && IsValidName(*n)) {
      out.names.push_back(*n);
    } else if (!IsTempLeftover(key)) {  // an interrupted write: the cfg itself is there or never was
      out.unaccounted.push_back(key);
    }
  }));
  std::sort(out.names.begin(), out.names.end());
  std::sort(out.unaccounted.begin(), out.unaccounted.end());
  return out;
}

Result<std::optional<NamedBackup>> NewestFinishedBackup(ObjectStore& store, const VolumeKeys& keys,
                                                       uint64_t volume_size) {
  HORT_ASSIGN_OR_RETURN(BackupListing listed, ListBackups(store, keys));
  auto time_of = [](const std::string& text) {
    auto t = gojson::ParseRfc3339(text);
    return t.ok() ? *t : gojson::Timestamp{};
  };
  std::optional<NamedBackup> newest;
  std::tuple<gojson::Timestamp, gojson::Timestamp, std::string> newest_key;
  for (const std::string& name : listed.names) {
    auto b = LoadBackupConfig(store, keys, name, volume_size);
    // Gone since the listing, or a cfg that does not parse: not a candidate. A
    // read that failed (a 5xx, a timeout) is the caller's error: skipping it
    // would quietly restore an older backup.
    if (!b.ok() && b.status().code() != Code::kNotFound && b.status().code() != Code::kCorruption) return b.status();
    if (!b.ok() || b->InProgress()) continue;
    const gojson::Timestamp created = time_of(b->created_time);
    const gojson::Timestamp snapshot = b->snapshot_created_at.empty() ? created : time_of(b->snapshot_created_at);
    auto key = std::make_tuple(snapshot, created, name);
    if (newest && key <= newest_key) continue;
    newest_key = std::move(key);
    newest = NamedBackup{name, std::move(*b)};
  }
  return newest;
}

Result<DefaultBackup> DefaultRestoreBackup(ObjectStore& store, const VolumeKeys& keys, const VolumeConfig& volume) {
  DefaultBackup out;
  const std::string& last = volume.last_backup_name;
  if (last.empty()) {
    out.passed_over = "LastBackupName is empty";
  } else if (!IsValidName(last)) {
    // A cfg of that name that is there is the latest backup, made by hand or
    // another tool: passing over it would quietly restore an older one.
    if (IsBackupFileName(last) && store.Stat(keys.BackupConfig(last)).ok()) {
      return Status(Code::kUnsupported, "LastBackupName \"" + last + "\" names " + keys.BackupConfig(last) +
                                            ", a backup whose name hort refuses (no Longhorn name); name the backup "
                                            "to restore with --backup");
    }
    out.passed_over = "LastBackupName \"" + last + "\" is no Longhorn backup name";
  } else {
    auto loaded = LoadBackupConfig(store, keys, last, volume.size);
    if (loaded.ok() && !loaded->InProgress()) {
      out.backup = NamedBackup{last, std::move(*loaded)};
      return out;
    }
    if (!loaded.ok() && loaded.status().code() != Code::kNotFound) return loaded.status();
    out.passed_over = "LastBackupName " + last + (loaded.ok() ? " is unfinished (a placeholder cfg)" : " is gone");
  }
  HORT_ASSIGN_OR_RETURN(out.backup, NewestFinishedBackup(store, keys, volume.size));
  return out;
}

Result<VolumeFolders> ListVolumeFolders(ObjectStore& store, const std::string& base) {
  const std::string prefix = VolumesPrefix(base);
  VolumeFolders out;
  std::set<std::string> seen;  // folders, each classified once (the listing holds every block)
  HORT_RETURN_IF_ERROR(store.List(prefix, [&](const std::string& key, uint64_t) {
    // <h1>/<h2>/<volume>/…
    const std::string rest = key.substr(prefix.size());
    const size_t a = rest.find('/');
    const size_t b = a == std::string::npos ? a : rest.find('/', a + 1);
    const size_t c = b == std::string::npos ? b : rest.find('/', b + 1);
    if (c == std::string::npos) {
      out.strays.push_back({rest, key});
      return;
    }
    const std::string folder = prefix + rest.substr(0, c + 1);
    if (!seen.insert(folder).second) return;
    const std::string name = rest.substr(b + 1, c - b - 1);
    if (!IsValidVolumeName(name)) {
      out.refused.push_back({name, folder, CheckVolumeName(name).message() + ", so hort does not read it"});
    } else if (const std::string dir = VolumeKeys(base, name).dir(); dir != folder) {
      out.refused.push_back({name, folder, "volume " + name + "'s folder is " + dir +
                                               " (from the SHA-512 of its name), so neither Longhorn nor hort reads this one"});
    } else {
      out.names.push_back(name);
    }
  }));
  std::sort(out.names.begin(), out.names.end());
  std::sort(out.refused.begin(), out.refused.end(),
            [](const VolumeFolders::Refused& x, const VolumeFolders::Refused& y) { return x.folder < y.folder; });
  std::sort(out.strays.begin(), out.strays.end(),
            [](const VolumeFolders::Stray& x, const VolumeFolders::Stray& y) { return x.key < y.key; });
  return out;
}

std::string VolumeFolders::Stray::Message() const {
  return "unexpected file " + key + " above any volume's folder (backupstore/volumes/<2 hex>/<2 hex>/<volume>/): "
         "neither Longhorn nor hort reads it";
}

Status RefuseBackingImage(const std::string& volume, const VolumeConfig& v) {
  if (v.backing_image_name.empty()) return Status::Ok();
  return Status(Code::kUnsupported, "volume " + volume + " is based on backing image " + v.backing_image_name +
                                        ": backing images are not supported (its backups hold only the layers above it)");
}

Status CheckBlockMap(const BackupConfig& b, uint64_t block_size, uint64_t volume_size) {
  uint64_t next = 0;
  for (size_t i = 0; i < b.blocks.size(); ++i) {
    const BlockRef& r = b.blocks[i];
    const std::string at = "block " + r.checksum + " at offset " + std::to_string(r.offset);
    if (r.offset % block_size != 0) {
      return Status(Code::kCorruption, at + " is not aligned to the block size " + std::to_string(block_size));
    }
    if (i > 0 && r.offset < next) return Status(Code::kCorruption, at + " is out of order or repeated");
    if (r.offset + block_size > volume_size) {
      return Status(Code::kCorruption, at + " lies outside the volume size " + std::to_string(volume_size));
    }
    next = r.offset + block_size;
  }
  return Status::Ok();
}

}  // namespace hort::volumes
