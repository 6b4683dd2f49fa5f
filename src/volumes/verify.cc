#include "volumes/verify.h"

#include <algorithm>
#include <atomic>
#include <ctime>
#include <map>
#include <mutex>
#include <set>

#include "crypto/crypto.h"
#include "util/parallel.h"
#include "volumes/codec.h"
#include "volumes/lock.h"
#include "volumes/store_io.h"

namespace hort::volumes {
namespace {

struct SubsetRule {
  enum { kAll, kShare, kPercent } kind = kAll;
  uint32_t n = 0, m = 1;
  double percent = 100;
};

Result<SubsetRule> ParseSubset(const std::string& text) {
  SubsetRule r;
  if (text.empty()) return r;
  auto bad = Status(Code::kInvalidArgument, "--read-data-subset takes n/m (e.g. 1/5) or p% (e.g. 10%), got " + text);
  try {
    if (text.back() == '%') {
      r.kind = SubsetRule::kPercent;
      r.percent = std::stod(text.substr(0, text.size() - 1));
      if (!(r.percent > 0 && r.percent <= 100)) return bad;
      return r;
    }
    const size_t slash = text.find('/');
    if (slash == std::string::npos) return bad;
    r.kind = SubsetRule::kShare;
    r.n = static_cast<uint32_t>(std::stoul(text.substr(0, slash)));
    r.m = static_cast<uint32_t>(std::stoul(text.substr(slash + 1)));
    if (r.m == 0 || r.n == 0 || r.n > r.m) return bad;
    return r;
  } catch (const std::exception&) {
    return bad;
  }
}

bool Selected(const SubsetRule& r, const ChecksumBytes& c) {
  switch (r.kind) {
    case SubsetRule::kAll: return true;
    case SubsetRule::kShare: return (uint32_t{c[0]} << 8 | c[1]) % r.m == r.n - 1;
    case SubsetRule::kPercent: {
      uint8_t rnd[4];
      crypto::RandomBytes(rnd);
      const uint32_t v = uint32_t{rnd[0]} << 24 | uint32_t{rnd[1]} << 16 | uint32_t{rnd[2]} << 8 | rnd[3];
      return v < r.percent / 100.0 * 4294967295.0;
    }
  }
  return true;
}

std::string Hex(const ChecksumBytes& c) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (uint8_t b : c) {
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 15]);
  }
  return s;
}

// One volume's verification: listing, cfgs, blocks, leftovers.
class VolumeVerifier {
 public:
  VolumeVerifier(ObjectStore& store, const std::string& base, const std::string& volume, const SubsetRule& subset,
                 bool read_data, VolumeVerifyReport* report)
      : store_(store), keys_(base, volume), subset_(subset), read_data_(read_data), report_(report) {}

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
    }
    HORT_RETURN_IF_ERROR(ListEverything());
    HORT_RETURN_IF_ERROR(CheckLocks());
    for (const std::string& name : backup_names_) CheckBackup(name);
    referenced_.Seal();
    report_->blocks_referenced += referenced_.size();
    FindMissingAndOrphans();
    if (read_data_) ReadBlocks();
    NameDamagedBackups();
    if (volume_ && !volume_->last_backup_name.empty() && !finished_.count(volume_->last_backup_name)) {
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

  // One listing of the volume's folder: backups, blocks, locks, leftovers.
  Status ListEverything() {
    std::vector<std::string> strays;
    HORT_RETURN_IF_ERROR(store_.List(keys_.dir(), [&](const std::string& key, uint64_t) {
      if (auto c = BlockChecksumOfKey(key)) {
        present_.Add(ChecksumFromHex(*c));
      } else if (auto b = BackupNameOfKey(key)) {
        backup_names_.push_back(*b);
      } else if (LockNameOfKey(key)) {
        // read by CheckLocks
      } else if (key != keys_.Config()) {
        strays.push_back(key);
      }
    }));
    present_.Seal();
    report_->blocks_listed += present_.size();
    std::sort(backup_names_.begin(), backup_names_.end());
    for (const std::string& key : strays) {
      const bool temp = IsTempLeftover(key);
      Add(false, temp ? "temp-file" : "stray-file", "", "",
          "volume " + keys_.volume() + ": " + (temp ? "leftover temporary file " : "unexpected file ") + key +
              (temp ? " (an interrupted write; Longhorn never removes it)" : ""));
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
    auto b = LoadBackupConfig(store_, keys_, name);
    if (!b.ok()) {
      c.state = "unreadable";
      c.problems.push_back(b.status().message());
      Add(true, "cfg-unreadable", name, "", "volume " + keys_.volume() + ": " + b.status().message());
      checks_.push_back(std::move(c));
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
    const uint64_t volume_size = volume_ ? volume_->size : kMaxVolumeSize;
    Status map = bs.ok() ? CheckBlockMap(*b, *bs, volume_size) : bs.status();
    if (!map.ok()) {
      c.state = "damaged";
      c.problems.push_back(map.message());
      Add(true, "block-map", name, "", "volume " + keys_.volume() + ": backup " + name + ": " + map.message());
    }
    for (const BlockRef& r : b->blocks) {
      referenced_.Add(ChecksumFromHex(r.checksum));
      if (bs.ok()) block_sizes_.emplace(ChecksumFromHex(r.checksum), *bs);
    }
    index_[name] = checks_.size();
    checks_.push_back(std::move(c));
  }

  void FindMissingAndOrphans() {
    for (const ChecksumBytes& c : referenced_.sorted()) {
      if (!present_.Contains(c)) bad_[c] = "is missing from the store";
    }
    for (const ChecksumBytes& c : present_.sorted()) {
      if (referenced_.Contains(c)) continue;
      Add(false, "orphan-block", "", Hex(c),
          "volume " + keys_.volume() + ": orphan block " + Hex(c) + " (no backup references it; garbage collection debt)");
    }
  }

  // Each distinct referenced block once, on as many threads as the store serves.
  void ReadBlocks() {
    std::vector<std::pair<ChecksumBytes, uint64_t>> todo;
    for (const auto& [c, size] : block_sizes_) {
      if (present_.Contains(c) && Selected(subset_, c)) todo.emplace_back(c, size);
    }
    // The volume's codec first; DecompressBlock falls back to the other one.
    Codec codec = Codec::kGzip;
    if (volume_) {
      if (auto parsed = ParseCodec(volume_->compression_method); parsed.ok()) codec = *parsed;
    }
    std::atomic<size_t> next{0};
    std::mutex mu;
    RunParallel(static_cast<unsigned>(std::max(2, store_.Connections())), [&](unsigned) {
      std::vector<uint8_t> block;
      for (size_t i = next++; i < todo.size(); i = next++) {
        const std::string hex = Hex(todo[i].first);
        block.resize(todo[i].second);
        auto stored = store_.Load(keys_.Block(hex));
        Status s = stored.ok() ? DecodeAndVerifyBlock(codec, *stored, block, hex, "block " + hex) : stored.status();
        std::lock_guard lock(mu);
        report_->blocks_read++;
        if (stored.ok()) report_->bytes_read += stored->size();
        if (!s.ok()) bad_[todo[i].first] = "is damaged: " + s.message();
      }
    });
  }

  // A second pass over the cfgs names every backup that uses a bad block.
  void NameDamagedBackups() {
    if (bad_.empty()) return;
    for (auto& [name, i] : index_) {
      auto b = LoadBackupConfig(store_, keys_, name);
      if (!b.ok()) continue;
      for (const BlockRef& r : b->blocks) {
        auto it = bad_.find(ChecksumFromHex(r.checksum));
        if (it == bad_.end()) continue;
        const std::string msg = "volume " + keys_.volume() + ": backup " + name + ": block " + r.checksum +
                                " at offset " + std::to_string(r.offset) + " " + it->second;
        checks_[i].state = "damaged";
        checks_[i].problems.push_back(msg);
        Add(true, it->second.rfind("is missing", 0) == 0 ? "block-missing" : "block-corrupt", name, r.checksum, msg);
      }
    }
  }

  ObjectStore& store_;
  VolumeKeys keys_;
  SubsetRule subset_;
  bool read_data_;
  VolumeVerifyReport* report_;
  std::string own_lock_;
  std::optional<VolumeConfig> volume_;
  BlockSet present_, referenced_;
  std::map<ChecksumBytes, uint64_t> block_sizes_;
  std::map<ChecksumBytes, std::string> bad_;
  std::vector<std::string> backup_names_;
  std::set<std::string> finished_;
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
  std::vector<std::string> volumes;
  if (!o.volume.empty()) {
    HORT_RETURN_IF_ERROR(CheckName(o.volume, "volume name"));
    // Never leave a lock file behind in a folder that holds no volume.
    const VolumeKeys keys(target.base, o.volume);
    HORT_ASSIGN_OR_RETURN(auto cfg, LoadVolumeConfig(*target.store, keys));
    HORT_ASSIGN_OR_RETURN(auto backups, ListBackupNames(*target.store, keys));
    if (!cfg && backups.empty()) return Status(Code::kNotFound, "no volume " + o.volume + " in " + target.url);
    volumes.push_back(o.volume);
  } else {
    HORT_ASSIGN_OR_RETURN(volumes, ListVolumeNames(*target.store, target.base));
  }
  VolumeVerifyReport report;
  for (const std::string& v : volumes) {
    VolumeVerifier verifier(*target.store, target.base, v, subset, o.read_data || !o.data_subset.empty(), &report);
    HORT_RETURN_IF_ERROR(verifier.Run());
    report.volumes++;
  }
  return report;
}

}  // namespace hort::volumes
