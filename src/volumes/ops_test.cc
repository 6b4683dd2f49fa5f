// backup, restore, verify and forget on a local folder target: the review
// findings of the volumes commands (backing images, oversized objects,
// interrupts, pre-flight, locks, block sizes, retention ties, verify checks).
#include <map>
#include <set>

#include "volumes/listing.h"
#include "volumes/ops_test_fixture.h"

namespace hort::volumes {
namespace {

// Finding 1: a volume on a backing image cannot be restored by hort.
TEST_F(VolumeOpsTest, BackingImageIsRefusedByRestoreAndDamageForVerify) {
  Backup(Image("a.img", 2, 1));
  VolumeConfig v = Volume();
  v.backing_image_name = "bi-ubuntu";
  SaveVolume(v);
  auto r = Restore(dir_ + "/out.img");
  EXPECT_EQ(r.status().code(), Code::kUnsupported);
  EXPECT_NE(r.status().message().find("backing images are not supported"), std::string::npos);
  EXPECT_NE(r.status().message().find("bi-ubuntu"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ + "/out.img"));
  auto report = Verify();
  EXPECT_TRUE(HasFinding(report, "backing-image"));
  EXPECT_TRUE(report.Damaged());
}

// Finding 2: objects larger than their bound are refused before loading.
TEST_F(VolumeOpsTest, OversizedBlocksAndCfgsAreRefusedUnread) {
  const std::string b = Backup(Image("a.img", 2, 2));
  auto cfg = *LoadBackupConfig(*target_.store, Keys(), b);
  const std::string blk = Path(Keys().Block(cfg.blocks[0].checksum));
  fs::permissions(blk, fs::perms::owner_write, fs::perm_options::add);
  const uint64_t bound = MaxStoredBlockSize(Codec::kLz4, kDefaultBlockSize);
  EXPECT_GT(bound, kDefaultBlockSize);
  EXPECT_LT(bound, kDefaultBlockSize + 4096);
  EXPECT_EQ(MaxStoredBlockSize(Codec::kNone, kDefaultBlockSize), kDefaultBlockSize);
  fs::resize_file(blk, bound + 1);
  auto r = Restore(dir_ + "/out.img");
  EXPECT_EQ(r.status().code(), Code::kCorruption);
  EXPECT_NE(r.status().message().find("more than the"), std::string::npos) << r.status().message();
  EXPECT_FALSE(fs::exists(dir_ + "/out.img"));
  auto report = Verify(/*read_data=*/false);  // from the listing alone
  EXPECT_TRUE(HasFinding(report, "block-size"));
  EXPECT_EQ(report.blocks_read, 0u);
  fs::resize_file(blk, 0);
  EXPECT_TRUE(HasFinding(Verify(), "block-size"));

  // A volume.cfg of 5 MiB is not read.
  const std::string vcfg = Path(Keys().Config());
  fs::permissions(vcfg, fs::perms::owner_write, fs::perm_options::add);
  fs::resize_file(vcfg, 5 * kMiB);
  auto loaded = LoadVolumeConfig(*target_.store, Keys());
  EXPECT_EQ(loaded.status().code(), Code::kCorruption);
  EXPECT_NE(loaded.status().message().find("not read"), std::string::npos);
  EXPECT_EQ(MaxBackupConfigBytes(2 * kMiB), 4 * kMiB + 256);
}

// Finding 3: a stop raised mid-pipeline (the first block uploaded or
// fetched) ends backup and restore with no placeholder, lock or new target.
TEST_F(VolumeOpsTest, StopLeavesNoPlaceholderLockOrNewTarget) {
  SkewStore* skew = nullptr;
  target_ = Target(&skew);
  std::atomic<bool> stop{false};
  skew->raise_on_block = &stop;
  VolumeBackupOptions o;
  o.source = Image("a.img", 40, 3);
  o.volume = "vol-a";
  o.stop = &stop;
  o.memory_budget = 4 * kMiB;
  auto r = BackupVolume(target_, o);
  EXPECT_EQ(r.status().code(), Code::kCancelled);
  EXPECT_TRUE(stop);
  EXPECT_TRUE(Files(Keys().BackupsPrefix()).empty());  // the placeholder is gone
  EXPECT_TRUE(Files(Keys().LocksPrefix()).empty());
  EXPECT_FALSE(Files(Keys().BlocksPrefix()).empty());  // it did get as far as the blocks

  skew->raise_on_block = nullptr;
  stop = false;
  Backup(o.source);
  skew->raise_on_block = &stop;
  auto restored = Restore(dir_ + "/out.img", false, &stop);
  EXPECT_EQ(restored.status().code(), Code::kCancelled);
  EXPECT_FALSE(fs::exists(dir_ + "/out.img"));
  EXPECT_TRUE(Files(Keys().LocksPrefix()).empty());
  // Raised before anything: nothing is written at all.
  auto early = BackupVolume(target_, o);
  EXPECT_EQ(early.status().code(), Code::kCancelled);
  EXPECT_EQ(Files(Keys().BackupsPrefix()).size(), 1u);
}

// Finding 3: a volume with nothing restorable is damage, not debris.
TEST_F(VolumeOpsTest, VolumeWithoutFinishedBackupIsDamage) {
  Backup(Image("a.img", 1, 4));
  auto names = ListBackups(*target_.store, Keys())->names;
  BackupConfig b = *LoadBackupConfig(*target_.store, Keys(), names[0]);
  b.created_time.clear();  // only a placeholder remains
  ASSERT_TRUE(SaveBackupConfig(*target_.store, Keys(), b).ok());
  auto report = Verify();
  EXPECT_TRUE(HasFinding(report, "no-finished-backup"));
  EXPECT_TRUE(report.Damaged());
}

// A whole-target ls: each entry's note ("" for a volume hort reads).
std::map<std::string, std::string> LsNotes(BackupTarget& target) {
  std::map<std::string, std::string> notes;
  auto listed = ListTarget(target, "");
  EXPECT_TRUE(listed.ok()) << listed.status().ToString();
  if (listed.ok()) {
    for (const VolumeSummary& v : *listed) notes[v.name] = v.error;
  }
  return notes;
}

// The probe of 2026-12-07: a whole-store ls or verify passed over volume
// folders hort does not read (a name longer than 64 characters or with
// other characters, a folder not where the SHA-512 of its name puts it), so
// the user never learned the store held a volume hort neither showed nor
// verified. Each is named now, and verify calls it damage.
TEST_F(VolumeOpsTest, VolumeFoldersHortDoesNotReadAreNamedByLsAndVerify) {
  Backup(Image("a.img", 1, 40));
  const std::string long_name = "pvc-" + std::string(70, 'a');
  const std::string odd_name = "vol with a space";
  const std::string misplaced = VolumesPrefix("") + "00/00/vol-b/";
  const std::string cfg = ReadFile(Path(Keys().Config()));
  for (const std::string& key : {VolumeKeys("", long_name).Config(), VolumeKeys("", odd_name).Config(),
                                 misplaced + "volume.cfg"}) {
    ASSERT_TRUE(target_.store->Save(key, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(cfg.data()), cfg.size()))
                    .ok());
  }
  std::map<std::string, std::string> errors = LsNotes(target_);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors["vol-a"], "");
  EXPECT_NE(errors[long_name].find("folder " + VolumeKeys("", long_name).dir() + ": volume name \"" + long_name +
                                   "\" is not a Longhorn volume name"),
            std::string::npos)
      << errors[long_name];
  EXPECT_NE(errors[odd_name].find("is not a Longhorn volume name"), std::string::npos) << errors[odd_name];
  EXPECT_NE(errors["vol-b"].find("folder " + misplaced + ": volume vol-b's folder is " + VolumeKeys("", "vol-b").dir()),
            std::string::npos)
      << errors["vol-b"];

  auto report = Verify();
  EXPECT_EQ(report.volumes, 1u);
  EXPECT_TRUE(report.Damaged());
  std::set<std::string> named;
  for (const Finding& f : report.findings) {
    if (f.kind == "volume-folder" && f.damage) named.insert(f.volume);
  }
  EXPECT_EQ(named, (std::set<std::string>{long_name, odd_name, "vol-b"}));
}

// A file where a folder is expected, above any volume's folder (by hand or
// another tool; Longhorn writes none there): named by ls and, as debris, by
// verify (both passed over it in silence up to a8e3819).
TEST_F(VolumeOpsTest, FilesAboveAVolumesFolderAreNamedByLsAndVerify) {
  Backup(Image("a.img", 1, 41));
  const std::string volumes = VolumesPrefix("");
  const std::string beside_volume = Keys().dir().substr(0, Keys().dir().size() - 1) + ".txt";  // ab/cd/vol-a.txt
  const std::vector<std::string> strays = {volumes + "notes", volumes + "ab/notes", beside_volume};
  for (const std::string& key : strays) {
    ASSERT_TRUE(target_.store->Save(key, std::span<const uint8_t>()).ok());
  }
  std::map<std::string, std::string> errors = LsNotes(target_);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors["vol-a"], "");
  for (const std::string& key : strays) {
    EXPECT_EQ(errors[key.substr(volumes.size())],
              "unexpected file " + key + " above any volume's folder (backupstore/volumes/<2 hex>/<2 hex>/<volume>/): "
                                         "neither Longhorn nor hort reads it");
  }

  auto report = Verify();
  EXPECT_EQ(report.volumes, 1u);
  EXPECT_FALSE(report.Damaged());  // debris: no volume lies there
  std::set<std::string> named;
  for (const Finding& f : report.findings) {
    if (f.kind == "stray-file" && !f.damage) named.insert(f.message.substr(0, f.message.find(" above")));
  }
  EXPECT_EQ(named, (std::set<std::string>{"unexpected file " + strays[0], "unexpected file " + strays[1],
                                          "unexpected file " + strays[2]}));
}

// Finding 4: a store missing a block never touches an existing target.
TEST_F(VolumeOpsTest, MissingBlockLeavesAnExistingTargetUntouched) {
  const std::string b = Backup(Image("a.img", 3, 5));
  const std::string out = Image("out.img", 3, 99);
  const std::string before = ReadFile(out);
  auto cfg = *LoadBackupConfig(*target_.store, Keys(), b);
  ASSERT_TRUE(target_.store->Remove(Keys().Block(cfg.blocks[2].checksum)).ok());
  auto r = Restore(out);
  EXPECT_EQ(r.status().code(), Code::kCorruption);
  EXPECT_NE(r.status().message().find("is missing from the store; nothing was restored"), std::string::npos);
  EXPECT_EQ(ReadFile(out), before);
}

// Finding 5: Longhorn's compareLocks, and acquisition against other locks.
TEST(LockPriorityTest, AcquiredThenOlderThenName) {
  LockFile a{"lock-a", 2, false, 100}, b{"lock-b", 1, false, 100};
  EXPECT_TRUE(LockHasPriority(a, b));  // same time: the name
  EXPECT_FALSE(LockHasPriority(b, a));
  b.modified = 90;
  EXPECT_TRUE(LockHasPriority(b, a));  // older
  a.acquired = true;
  EXPECT_TRUE(LockHasPriority(a, b));  // acquired beats older
  LockFile unknown{"lock-z", 2, false, 0};
  EXPECT_TRUE(LockHasPriority(unknown, b));  // an unknown time counts as the oldest
}

void PlantLock(ObjectStore& store, const VolumeKeys& keys, const std::string& name, int type, bool acquired) {
  const std::string body = std::string("{\"Name\":\"") + name + "\",\"Type\":" + std::to_string(type) +
                           ",\"Acquired\":" + (acquired ? "true" : "false") + "}";
  ASSERT_TRUE(store.Save(keys.Lock(name), std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(body.data()), body.size()))
                  .ok());
}

TEST_F(VolumeOpsTest, LockGivesWayToALiveDeleteLockAndRemovesItsFile) {
  PlantLock(*target_.store, Keys(), "lock-0000000000000001", 2, true);
  auto lock = VolumeLock::Acquire(*target_.store, Keys(), LockType::kBackupRestore);
  EXPECT_EQ(lock.status().code(), Code::kLocked);
  EXPECT_EQ(Files(Keys().LocksPrefix()).size(), 1u);  // only the planted one
  // The same lock of the same type does not exclude.
  EXPECT_TRUE(VolumeLock::Acquire(*target_.store, Keys(), LockType::kDelete).ok());
}

TEST_F(VolumeOpsTest, LockExpiryFollowsTheStoresClockNotOurs) {
  SkewStore* skew = nullptr;
  target_ = Target(&skew);
  PlantLock(*target_.store, Keys(), "lock-0000000000000001", 2, true);
  // The store's clock is 1000 s behind ours: the delete lock was written
  // just now by the store's clock, so it is live, though 1000 s old by ours.
  skew->skew = -1000;
  EXPECT_EQ(VolumeLock::Acquire(*target_.store, Keys(), LockType::kBackupRestore).status().code(), Code::kLocked);
  // An expired lock (by the store's clock) is ignored.
  ::utimensat(AT_FDCWD, Path(Keys().Lock("lock-0000000000000001")).c_str(),
              std::array<timespec, 2>{timespec{::time(nullptr) - 300, 0}, timespec{::time(nullptr) - 300, 0}}.data(), 0);
  skew->skew = 0;
  EXPECT_TRUE(VolumeLock::Acquire(*target_.store, Keys(), LockType::kBackupRestore).ok());
}

TEST_F(VolumeOpsTest, LockOfUnknownAgeHasPriority) {
  SkewStore* skew = nullptr;
  target_ = Target(&skew);
  skew->no_times = true;
  // No times at all: the delete lock never expires, and being acquired it
  // has priority over ours.
  PlantLock(*target_.store, Keys(), "lock-ffffffffffffffff", 2, true);
  EXPECT_EQ(VolumeLock::Acquire(*target_.store, Keys(), LockType::kBackupRestore).status().code(), Code::kLocked);
}

TEST_F(VolumeOpsTest, OwnLockMissingFromTheListingFails) {
  SkewStore* skew = nullptr;
  target_ = Target(&skew);
  skew->hide = "/locks/";
  auto lock = VolumeLock::Acquire(*target_.store, Keys(), LockType::kBackupRestore);
  EXPECT_EQ(lock.status().code(), Code::kUnavailable);
  EXPECT_NE(lock.status().message().find("not listed"), std::string::npos);
  skew->hide.clear();
  EXPECT_TRUE(Files(Keys().LocksPrefix()).empty());  // removed on the failure path
}

TEST_F(VolumeOpsTest, FailedRefreshMarksTheLockLost) {
  SkewStore* skew = nullptr;
  target_ = Target(&skew);
  LockTiming t;
  t.settle = std::chrono::milliseconds(0);
  t.refresh = std::chrono::milliseconds(20);
  SetLockTimingForTests(t);
  auto lock = VolumeLock::Acquire(*target_.store, Keys(), LockType::kBackupRestore);
  ASSERT_TRUE(lock.ok());
  EXPECT_TRUE((*lock)->Check(nullptr).ok());
  skew->fail_saves = true;
  for (int i = 0; i < 100 && !(*lock)->Lost(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE((*lock)->Lost());
  EXPECT_EQ((*lock)->Check(nullptr).code(), Code::kUnavailable);
  std::atomic<bool> stop{true};
  EXPECT_EQ((*lock)->Check(&stop).code(), Code::kCancelled);
}

// Finding 6: a volume keeps its block size.
TEST_F(VolumeOpsTest, BlockSizeOfAVolumeCannotChange) {
  const std::string img = Image("a.img", 8, 6);
  Backup(img);
  VolumeBackupOptions o;
  o.source = img;
  o.volume = "vol-a";
  o.block_size = kLargeBlockSize;
  auto r = BackupVolume(target_, o);
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("would mix block sizes"), std::string::npos);
  o.block_size = kDefaultBlockSize;  // the same size is fine
  EXPECT_TRUE(BackupVolume(target_, o).ok());
}

// Finding 7: backups of one second are ordered by CreatedTime, then LastBackupName.
TEST_F(VolumeOpsTest, KeepLastOneKeepsTheNewestOfOneSecond) {
  const std::string img = Image("a.img", 1, 7);
  std::vector<std::string> names;
  for (int i = 0; i < 3; ++i) names.push_back(Backup(img));
  for (int i = 0; i < 3; ++i) {
    BackupConfig b = *LoadBackupConfig(*target_.store, Keys(), names[i]);
    b.snapshot_created_at = "2025-01-01T00:00:00Z";
    b.created_time = i == 0 ? "2025-01-01T00:00:01Z" : "2025-01-01T00:00:02Z";  // 1 and 2 tie
    ASSERT_TRUE(SaveBackupConfig(*target_.store, Keys(), b).ok());
  }
  VolumeConfig v = Volume();
  ASSERT_EQ(v.last_backup_name, names[2]);
  VolumeForgetOptions o;
  o.volume = "vol-a";
  o.policy.last = 1;
  o.dry_run = true;
  auto r = ForgetBackups(target_, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->removed, (std::vector<std::string>{std::min(names[0], names[1]), std::max(names[0], names[1])}));
  // With names[1] as LastBackupName, it is the one kept.
  v.last_backup_name = names[1];
  SaveVolume(v);
  r = ForgetBackups(target_, o);
  ASSERT_TRUE(r.ok());
  for (const auto& d : r->decisions) EXPECT_EQ(d.keep, d.backup == names[1]) << d.backup;
}

// GC skips while a cfg is unreadable or a backup unfinished.
TEST_F(VolumeOpsTest, GarbageCollectionSkipsOnPlaceholdersAndUnreadableCfgs) {
  const std::string b1 = Backup(Image("a.img", 2, 8));
  Backup(Image("a.img", 2, 9));
  BackupConfig ph;
  ph.name = "backup-00000000deadbeef";
  ph.volume_name = "vol-a";
  ph.compression_method = "lz4";
  ASSERT_TRUE(SaveBackupConfig(*target_.store, Keys(), ph).ok());
  VolumeForgetOptions o;
  o.volume = "vol-a";
  o.backups = {b1};
  auto r = ForgetBackups(target_, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->gc_skipped.find("unfinished"), std::string::npos) << r->gc_skipped;
  EXPECT_EQ(r->blocks_removed, 0u);
  ASSERT_TRUE(target_.store->Remove(Keys().BackupConfig(ph.name)).ok());
  const std::string junk = "{\"Name\":";
  ASSERT_TRUE(target_.store->Save(Keys().BackupConfig("backup-00000000badbad00"),
                                  std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(junk.data()), junk.size()))
                  .ok());
  o.backups = {};
  o.policy.last = 5;
  r = ForgetBackups(target_, o);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->gc_skipped.find("cannot be read"), std::string::npos) << r->gc_skipped;
}

// Finding 9: blocks decode with their backup's codec; sizes and names agree.
TEST_F(VolumeOpsTest, VerifyUsesEachBackupsCodecAndChecksSizeAndNames) {
  const std::string b = Backup(Image("a.img", 2, 10), "vol-a", 0, "none");
  VolumeConfig v = Volume();
  v.compression_method = "lz4";  // volume.cfg names another codec than the backup
  SaveVolume(v);
  auto report = Verify(/*read_data=*/true);
  EXPECT_FALSE(report.Damaged()) << (report.findings.empty() ? "" : report.findings[0].message);
  EXPECT_EQ(report.blocks_read, 2u);

  v.size += 4096;
  SaveVolume(v);
  EXPECT_TRUE(HasFinding(Verify(), "volume-size"));
  v.size -= 4096;
  v.name = "vol-b";
  SaveVolume(v);
  EXPECT_TRUE(HasFinding(Verify(), "name-mismatch"));
  v.name = "vol-a";
  SaveVolume(v);
  BackupConfig cfg = *LoadBackupConfig(*target_.store, Keys(), b);
  cfg.volume_name = "vol-other";
  ASSERT_TRUE(SaveBackupConfig(*target_.store, Keys(), cfg).ok());
  EXPECT_TRUE(HasFinding(Verify(), "name-mismatch"));
}

// Finding 11: --incremental zeroes only what is not zero already.
TEST_F(VolumeOpsTest, IncrementalRestoreZeroesOnlyNonZeroRanges) {
  Backup(Image("a.img", 4, 11, {1, 3}));  // blocks 1 and 3 are zero: not in the map
  const std::string out = Image("out.img", 4, 12);
  auto first = Restore(out, /*incremental=*/true);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->bytes_zeroed, 2 * kDefaultBlockSize);
  EXPECT_EQ(ReadFile(out), ReadFile(dir_ + "/a.img"));
  auto again = Restore(out, /*incremental=*/true);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->bytes_zeroed, 0u);
  EXPECT_EQ(again->blocks_written, 0u);
}

}  // namespace
}  // namespace hort::volumes
