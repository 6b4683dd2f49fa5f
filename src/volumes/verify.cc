#include "volumes/verify.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

#include "util/hex.h"
#include "volumes/codec.h"
#include "volumes/forget.h"
#include "volumes/lock.h"
#include "volumes/store_io.h"
#include "volumes/verify_blocks.h"

namespace hort::volumes {
namespace {

// One volume's verification: listing, cfgs, blocks, leftovers.
class VolumeVerifier {
 public:
  VolumeVerifier(const BackupTarget& target, const std::string& volume, const SubsetRule& subset, bool read_data,
                 VolumeVerifyReport* report)
      : target_(target), store_(*target.store), keys_(target.base, volume), subset_(subset), read_data_(read_data),
        report_(report) {}

  Status Run() {
    HORT_ASSIGN_OR_RETURN(auto lock, VolumeLock::Acquire(store_, keys_, LockType::kBackupRestore));
    own_lock_ = lock->name();
    auto volume = LoadVolumeConfig(store_, keys_);
    if (!volume.ok()) {
      Add(true, "volume-cfg", "", "", "volume " + keys_.volume() + ": " + volume.status().message());
    } else if (!*volume) {
      Add(true, "volume-cfg", "", "", "volume " + keys_.volume() + ": volume.cfg is missing");
    } else {
      volume_ = **volume;
      CheckVolumeConfig();
    }
    HORT_RETURN_IF_ERROR(ListEverything());
    HORT_RETURN_IF_ERROR(CheckLocks());
    for (const std::string& name : backup_names_) CheckBackup(name);
    CheckBlockSizesAgree();
    referenced_.Seal();
    report_->blocks_referenced += referenced_.size();
    FindMissingAndOrphans();
    if (read_data_) ReadBlocks();
    NameDamagedBackups();
    if (finished_.empty()) {
      Add(true, "no-finished-backup", "", "",
          "volume " + keys_.volume() + " has no finished backup: nothing of it can be restored");
    } else if (volume_ && !volume_->last_backup_name.empty() && !finished_.count(volume_->last_backup_name)) {
      Add(true, "last-backup-missing", volume_->last_backup_name, "",
          "volume " + keys_.volume() + ": LastBackupName " + volume_->last_backup_name +
              " names no finished backup; Longhorn's next incremental backup falls back to full");
    }
    for (auto& c : checks_) report_->backups.push_back(std::move(c));
    return Status::Ok();
  }

 private:
  void Add(bool damage, const std::string& kind, const std::string& backup, const std::string& block,
           const std::string& message) {
    report_->findings.push_back({damage, kind, keys_.volume(), backup, block, message});
  }

  // What hort cannot restore, or Longhorn refuses, in volume.cfg itself.
  void CheckVolumeConfig() {
    const std::string v = "volume " + keys_.volume() + ": ";
    if (!volume_->backing_image_name.empty()) {
      Add(true, "backing-image", "", "",
          v + "based on backing image " + volume_->backing_image_name +
              ": backing images are not supported; hort cannot restore its backups (they hold only the layers above it)");
    }
    if (volume_->name != keys_.volume()) {
      Add(true, "name-mismatch", "", "", v + "volume.cfg names volume \"" + volume_->name + "\", not its folder's");
    }
  }

  // One listing of the volume's folder: backups, blocks, locks, leftovers.
  // Blocks that are empty or larger than any codec makes a 2 MiB block are
  // noted with their size (checked against their backups' bounds later).
  Status ListEverything() {
    std::vector<std::string> strays;
    const uint64_t least_bound = kDefaultBlockSize;  // MaxStoredBlockSize(kNone, 2 MiB), the smallest bound
    HORT_RETURN_IF_ERROR(store_.List(keys_.dir(), [&](const std::string& key, uint64_t size) {
      if (auto c = BlockChecksumOfKey(key)) {
        present_.Add(ChecksumFromHex(*c));
        if (size == 0 || size > least_bound) odd_sizes_.emplace(ChecksumFromHex(*c), size);
      } else if (auto b = BackupNameOfKey(key)) {
        backup_names_.push_back(*b);
        // Checked like any backup, but forget's garbage collection cannot
        // count the blocks of a name hort refuses, and stops while it is there.
        if (!IsValidName(*b)) gc_blockers_.push_back(key);
      } else if (LockNameOfKey(key)) {
        // read by CheckLocks
      } else if (key != keys_.Config()) {
        strays.push_back(key);
      }
    }));
    present_.Seal();
    report_->blocks_listed += present_.size();
    std::sort(backup_names_.begin(), backup_names_.end());
    for (const std::string& key : gc_blockers_) {
      Add(false, "stray-file", "", "", "volume " + keys_.volume() + ": backup cfg " + key + " was checked as a backup, "
                                            "but garbage collection removes no block while it is there: " +
                                            DescribeUnaccounted(target_, keys_, key));
    }
    for (const std::string& key : strays) {
      const bool temp = IsTempLeftover(key);
      // A file among the backups that is no backup cfg may still be one's
      // (forget's garbage collection stops for it): no orphans are called.
      const bool among_backups = !temp && key.starts_with(keys_.BackupsPrefix());
      if (among_backups) unreadable_cfgs_++;
      const std::string v = "volume " + keys_.volume() + ": ";
      Add(false, temp ? "temp-file" : "stray-file", "", "",
          temp            ? v + "leftover temporary file " + key + " (an interrupted write; Longhorn never removes it)"
          : among_backups ? v + "unexpected file among the backups: garbage collection removes no block while it is "
                                "there: " + DescribeUnaccounted(target_, keys_, key)
                          : v + "unexpected file " + key);
    }
    return Status::Ok();
  }

  Status CheckLocks() {
    HORT_ASSIGN_OR_RETURN(auto locks, ListLocks(store_, keys_));
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    for (const LockFile& l : locks) {
      if (l.name == own_lock_) continue;
      if (!l.readable) {
        Add(false, "stale-lock", "", "", "volume " + keys_.volume() + ": lock " + l.name + " does not parse");
      } else if (l.Expired(now)) {
        Add(false, "stale-lock", "", "", "volume " + keys_.volume() + ": stale lock " + l.name + " (type " +
                                             std::to_string(l.type) + ", last written " + std::to_string(now - l.modified) +
                                             " s ago, expired after 150 s)");
      } else if (l.type == static_cast<int>(LockType::kBackupRestore)) {
        live_backup_lock_ = true;
      }
    }
    return Status::Ok();
  }

  void CheckBackup(const std::string& name) {
    BackupCheck c;
    c.volume = keys_.volume();
    c.backup = name;
    auto b = LoadBackupConfig(store_, keys_, name, volume_ ? volume_->size : 0);
    if (!b.ok()) {
      c.state = "unreadable";
      c.problems.push_back(b.status().message());
      Add(true, "cfg-unreadable", name, "", "volume " + keys_.volume() + ": " + b.status().message());
      checks_.push_back(std::move(c));
      unreadable_cfgs_++;
      return;
    }
    c.created = b->created_time;
    if (b->InProgress()) {
      c.state = live_backup_lock_ ? "in-progress" : "abandoned";
      if (!live_backup_lock_) {
        c.problems.push_back("placeholder cfg of a backup that never finished; it blocks Longhorn's garbage collection");
        Add(false, "abandoned-placeholder", name, "",
            "volume " + keys_.volume() + ": backup " + name +
                " is an abandoned placeholder (CreatedTime empty, no live lock); it blocks Longhorn's garbage collection");
      }
      checks_.push_back(std::move(c));
      return;
    }
    finished_.insert(name);
    c.blocks = b->blocks.size();
    c.size = b->size;
    c.state = "ok";
    auto bs = BlockSizeOf(*b);
    c.block_size = bs.ok() ? *bs : 0;
    if (bs.ok()) backups_by_block_size_[*bs].push_back(name);
    const uint64_t volume_size = volume_ ? volume_->size : kMaxVolumeSize;
    Status map = bs.ok() ? CheckBlockMap(*b, *bs, volume_size) : bs.status();
    if (!map.ok()) Problem(c, "block-map", map.message());
    if (bs.ok() && volume_ && volume_->size % *bs != 0) {
      Problem(c, "volume-size", "volume.cfg Size " + std::to_string(volume_->size) +
                                    " is not a multiple of the block size " + std::to_string(*bs) + " (Longhorn refuses to restore it)");
    }
    if (b->name != name) Problem(c, "name-mismatch", "the cfg names backup \"" + b->name + "\", not its file's");
    if (b->volume_name != keys_.volume()) {
      Problem(c, "name-mismatch", "the cfg names volume \"" + b->volume_name + "\", not its folder's");
    }
    // Blocks decode with this backup's own CompressionMethod (as Longhorn's
    // deltablock.go and hort's restore do), not volume.cfg's.
    auto codec = ParseCodec(b->compression_method);
    if (!codec.ok()) Problem(c, "codec", codec.status().message());
    for (const BlockRef& r : b->blocks) {
      referenced_.Add(ChecksumFromHex(r.checksum));
      if (bs.ok() && codec.ok()) block_sizes_.emplace(ChecksumFromHex(r.checksum), BlockFormat{*bs, *codec});
    }
    index_[name] = checks_.size();
    checks_.push_back(std::move(c));
  }

  // One volume, one block size: Longhorn's restore refuses a mix (so does
  // hort's backup, unless LastBackupName was empty when one was made).
  void CheckBlockSizesAgree() {
    if (backups_by_block_size_.size() < 2) return;
    std::string sizes;
    for (const auto& [size, names] : backups_by_block_size_) {
      sizes += (sizes.empty() ? "" : "; ") + std::to_string(size) + " bytes: " + names[0] +
               (names.size() > 1 ? " and " + std::to_string(names.size() - 1) + " more" : "");
    }
    Add(true, "block-size-mix", "", "",
        "volume " + keys_.volume() + ": its backups mix block sizes (" + sizes +
            "), which Longhorn's restore refuses; remove the backups of one size (volumes forget)");
  }

  // A finding that makes a finished backup damaged.
  void Problem(BackupCheck& c, const std::string& kind, const std::string& message) {
    c.state = "damaged";
    c.problems.push_back(message);
    Add(true, kind, c.backup, "", "volume " + keys_.volume() + ": backup " + c.backup + ": " + message);
  }

  void FindMissingAndOrphans() {
    for (const ChecksumBytes& c : referenced_.sorted()) {
      if (!present_.Contains(c)) bad_[c] = "is missing from the store";
    }
    // From the listing alone: an empty block, or one larger than its codec
    // can make a block of its size, is damaged (and never loaded).
    for (const auto& [c, size] : odd_sizes_) {
      auto f = block_sizes_.find(c);
      if (f == block_sizes_.end()) continue;
      const uint64_t bound = MaxStoredBlockSize(f->second.codec, f->second.block_size);
      if (size == 0) {
        bad_[c] = "is empty (0 bytes stored)";
      } else if (size > bound) {
        bad_[c] = "is " + std::to_string(size) + " bytes stored, more than the " + std::to_string(bound) + " a " +
                  CodecName(f->second.codec) + " block of " + std::to_string(f->second.block_size) + " bytes can be";
      }
    }
    // A block no readable cfg references may still be used by one that
    // cannot be read: calling it debris would invite removing it (forget
    // refuses to collect garbage then, as Longhorn does).
    if (unreadable_cfgs_ > 0) return;
    for (const ChecksumBytes& c : present_.sorted()) {
      if (referenced_.Contains(c)) continue;
      Add(false, "orphan-block", "", HexEncode(c),
          "volume " + keys_.volume() + ": orphan block " + HexEncode(c) + " (no backup references it; garbage collection debt)");
    }
  }

  // Each distinct referenced block present and not known bad, once.
  void ReadBlocks() {
    std::vector<std::pair<ChecksumBytes, BlockFormat>> todo;
    for (const auto& [c, format] : block_sizes_) {
      if (present_.Contains(c) && !bad_.count(c) && Selected(subset_, c)) todo.emplace_back(c, format);
    }
    for (auto& [c, why] : ReadAndCheckBlocks(store_, keys_, todo, &report_->blocks_read, &report_->bytes_read)) {
      bad_[c] = std::move(why);
    }
  }

  // A second pass over the cfgs names every backup that uses a bad block.
  void NameDamagedBackups() {
    if (bad_.empty()) return;
    for (auto& [name, i] : index_) {
      auto b = LoadBackupConfig(store_, keys_, name, volume_ ? volume_->size : 0);
      if (!b.ok()) continue;
      for (const BlockRef& r : b->blocks) {
        auto it = bad_.find(ChecksumFromHex(r.checksum));
        if (it == bad_.end()) continue;
        const std::string msg = "volume " + keys_.volume() + ": backup " + name + ": block " + r.checksum +
                                " at offset " + std::to_string(r.offset) + " " + it->second;
        checks_[i].state = "damaged";
        checks_[i].problems.push_back(msg);
        const bool missing = it->second.rfind("is missing", 0) == 0;
        const bool size = it->second.rfind("is damaged", 0) != 0 && !missing;
        Add(true, missing ? "block-missing" : size ? "block-size" : "block-corrupt", name, r.checksum, msg);
      }
    }
  }

  const BackupTarget& target_;
  ObjectStore& store_;
  VolumeKeys keys_;
  SubsetRule subset_;
  bool read_data_;
  VolumeVerifyReport* report_;
  std::string own_lock_;
  std::optional<VolumeConfig> volume_;
  BlockSet present_, referenced_;
  std::map<ChecksumBytes, BlockFormat> block_sizes_;  // of the first backup naming the block
  std::map<ChecksumBytes, uint64_t> odd_sizes_;       // listed blocks of size 0 or above 2 MiB
  std::map<ChecksumBytes, std::string> bad_;
  size_t unreadable_cfgs_ = 0;  // backup cfgs that could not be read: no block is called an orphan then
  std::vector<std::string> backup_names_;
  std::vector<std::string> gc_blockers_;  // backup cfgs whose names hort refuses
  std::set<std::string> finished_;
  std::map<uint64_t, std::vector<std::string>> backups_by_block_size_;  // finished backups only
  std::map<std::string, size_t> index_;
  std::vector<BackupCheck> checks_;
  bool live_backup_lock_ = false;
};

}  // namespace

bool VolumeVerifyReport::Damaged() const {
  return std::any_of(findings.begin(), findings.end(), [](const Finding& f) { return f.damage; });
}

bool VolumeVerifyReport::HasDebris() const {
  return std::any_of(findings.begin(), findings.end(), [](const Finding& f) { return !f.damage; });
}

Status ValidateSubset(const std::string& subset) { return ParseSubset(subset).status(); }

Result<VolumeVerifyReport> VerifyTarget(BackupTarget& target, const VolumeVerifyOptions& o) {
  HORT_ASSIGN_OR_RETURN(SubsetRule subset, ParseSubset(o.data_subset));
  VolumeVerifyReport report;
  std::vector<std::string> volumes;
  if (!o.volume.empty()) {
    HORT_RETURN_IF_ERROR(CheckVolumeName(o.volume));
    // Never leave a lock file behind in a folder that holds no volume.
    const VolumeKeys keys(target.base, o.volume);
    HORT_ASSIGN_OR_RETURN(auto cfg, LoadVolumeConfig(*target.store, keys));
    HORT_ASSIGN_OR_RETURN(BackupListing backups, ListBackups(*target.store, keys));
    if (!cfg && backups.names.empty() && backups.unaccounted.empty()) {
      return Status(Code::kNotFound, "no volume " + o.volume + " in " + target.url);
    }
    volumes.push_back(o.volume);
  } else {
    HORT_ASSIGN_OR_RETURN(VolumeFolders folders, ListVolumeFolders(*target.store, target.base));
    volumes = std::move(folders.names);
    // Damage: whatever such a folder holds, hort neither verifies nor restores it.
    for (const VolumeFolders::Refused& f : folders.refused) {
      report.findings.push_back({true, "volume-folder", f.name, "", "", f.Message()});
    }
    // Debris, as a stray file in a volume's folder: it holds no volume.
    for (const VolumeFolders::Stray& f : folders.strays) {
      report.findings.push_back({false, "stray-file", "", "", "", f.Message()});
    }
  }
  for (const std::string& v : volumes) {
    VolumeVerifier verifier(target, v, subset, o.read_data || !o.data_subset.empty(), &report);
    Status s = verifier.Run();
    if (s.code() == Code::kLocked && o.volume.empty()) {  // a whole target: the other volumes are still checked
      report.locked.push_back(v + ": " + s.message());
      continue;
    }
    HORT_RETURN_IF_ERROR(s);
    report.volumes++;
  }
  return report;
}

}  // namespace hort::volumes
