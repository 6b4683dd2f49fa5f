// Backups and restores of a volume whose LastBackupName is empty (Longhorn
// leaves it so), whose stored blocks are damaged, or which lies on a backing
// image: the findings of the probe of 2026-12-07.
#include "volumes/ops_test_fixture.h"

namespace hort::volumes {
namespace {

class VolumeBackupTest : public VolumeOpsTest {
 protected:
  // What Longhorn's DeleteDeltaBlockBackup leaves when it deletes the
  // latest backup and skips garbage collection.
  void EmptyLastBackupName() {
    VolumeConfig v = Volume();
    v.last_backup_name.clear();
    v.last_backup_at.clear();
    SaveVolume(v);
  }
  void SetSnapshotTime(const std::string& backup, const std::string& time) {
    BackupConfig b = *LoadBackupConfig(*target_.store, Keys(), backup);
    b.snapshot_created_at = time;
    ASSERT_TRUE(SaveBackupConfig(*target_.store, Keys(), b).ok());
  }
  Result<VolumeBackupResult> BackupWith(const std::string& image, uint64_t block_size, const std::string& cache = "") {
    VolumeBackupOptions o;
    o.source = image;
    o.volume = "vol-a";
    o.block_size = block_size;
    o.cache_dir = cache;
    return BackupVolume(target_, o);
  }
};

TEST_F(VolumeBackupTest, WithoutLastBackupNameTheBlockSizeIsTheNewestFinishedBackups) {
  const std::string img = Image("a.img", 16, 31);  // 32 MiB: two 16 MiB blocks
  auto first = BackupWith(img, kLargeBlockSize);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EmptyLastBackupName();
  auto second = BackupWith(img, 0);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->block_size, kLargeBlockSize);
  EXPECT_EQ(second->blocks_new, 0u);  // the same 16 MiB blocks
  EmptyLastBackupName();
  auto mixed = BackupWith(img, kDefaultBlockSize);  // as with LastBackupName set: refused
  EXPECT_EQ(mixed.status().code(), Code::kInvalidArgument);
  EXPECT_NE(mixed.status().message().find("would mix block sizes"), std::string::npos) << mixed.status().message();
  EXPECT_FALSE(Verify(/*read_data=*/true).Damaged());
}

TEST_F(VolumeBackupTest, VerifyReportsAVolumeWhoseBackupsMixBlockSizes) {
  ASSERT_TRUE(BackupWith(Image("a.img", 16, 32), kLargeBlockSize).ok());
  auto listed = ListBackups(*target_.store, Keys());
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->names.size(), 1u);
  // A backup of 2 MiB blocks beside it (an all-zero volume: an empty map),
  // as a backup without --block-size wrote while LastBackupName was empty.
  BackupConfig small = *LoadBackupConfig(*target_.store, Keys(), listed->names[0]);
  small.name = "backup-00000000000000aa";
  small.blocks.clear();
  small.size = 0;
  small.parameters = Labels{{"backup-block-size", std::to_string(kDefaultBlockSize)}, {"backup-mode", "full"}};
  ASSERT_TRUE(SaveBackupConfig(*target_.store, Keys(), small).ok());
  auto report = Verify();
  EXPECT_TRUE(HasFinding(report, "block-size-mix"));
  EXPECT_TRUE(report.Damaged());
}

TEST_F(VolumeBackupTest, RestoreWithoutLastBackupNameTakesTheNewestFinishedBackup) {
  const std::string old_backup = Backup(Image("a.img", 2, 33));
  const std::string new_backup = Backup(Image("b.img", 2, 34));
  SetSnapshotTime(old_backup, "2026-01-01T00:00:00Z");
  SetSnapshotTime(new_backup, "2026-01-02T00:00:00Z");
  EmptyLastBackupName();
  auto r = Restore(dir_ + "/out.img");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->backup, new_backup);
  EXPECT_NE(r->picked.find("LastBackupName is empty; took the newest finished backup, " + new_backup), std::string::npos)
      << r->picked;
  EXPECT_EQ(ReadFile(dir_ + "/out.img"), ReadFile(dir_ + "/b.img"));

  // LastBackupName naming a removed backup: the same.
  VolumeConfig v = Volume();
  v.last_backup_name = "backup-ffffffffffffffff";
  SaveVolume(v);
  fs::remove(dir_ + "/out.img");
  r = Restore(dir_ + "/out.img");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->backup, new_backup);
  EXPECT_NE(r->picked.find("backup-ffffffffffffffff is gone"), std::string::npos) << r->picked;

  // The newest cfg cannot be read (a 503): an error, never the older backup in its place.
  SkewStore* skew = nullptr;
  target_ = Target(&skew);
  skew->fail_load = "backup_" + new_backup + ".cfg";
  fs::remove(dir_ + "/out.img");
  r = Restore(dir_ + "/out.img");
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << (r.ok() ? r->backup : r.status().ToString());
  skew->fail_load.clear();

  // No finished backup at all: one line saying so.
  for (const std::string& b : {old_backup, new_backup}) ASSERT_TRUE(target_.store->Remove(Keys().BackupConfig(b)).ok());
  EmptyLastBackupName();
  r = Restore(dir_ + "/none.img");
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(r.status().message(), "volume vol-a has no finished backup (LastBackupName is empty)");
}

// LastBackupName naming an unfinished placeholder (Longhorn writes one when
// a backup starts; another tool may leave volume.cfg naming it): the newest
// finished backup stands in, as for an empty name (restore failed "never
// finished" before 2026-12-07).
TEST_F(VolumeBackupTest, RestoreWithLastBackupNameOnAPlaceholderTakesTheNewestFinishedBackup) {
  const std::string old_backup = Backup(Image("a.img", 2, 35));
  const std::string new_backup = Backup(Image("b.img", 2, 36));
  SetSnapshotTime(old_backup, "2026-01-01T00:00:00Z");
  SetSnapshotTime(new_backup, "2026-01-02T00:00:00Z");
  BackupConfig placeholder;
  placeholder.name = "backup-00000000deadbeef";
  placeholder.volume_name = "vol-a";
  placeholder.compression_method = "lz4";
  ASSERT_TRUE(SaveBackupConfig(*target_.store, Keys(), placeholder).ok());
  VolumeConfig v = Volume();
  v.last_backup_name = placeholder.name;
  SaveVolume(v);
  auto r = Restore(dir_ + "/out.img");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->backup, new_backup);
  EXPECT_NE(r->picked.find("LastBackupName backup-00000000deadbeef is unfinished (a placeholder cfg); took the newest "
                           "finished backup, " + new_backup),
            std::string::npos)
      << r->picked;
  EXPECT_EQ(ReadFile(dir_ + "/out.img"), ReadFile(dir_ + "/b.img"));

  // Named, the placeholder is still refused: the user asked for it.
  VolumeRestoreOptions o;
  o.volume = "vol-a";
  o.backup = placeholder.name;
  o.to = dir_ + "/named.img";
  EXPECT_EQ(RestoreVolume(target_, o).status().code(), Code::kInvalidArgument);
}

// The newest finished backup's cfg under another key than its Name says (by
// hand or another tool; verify calls it damage, name-mismatch): a restore
// falling back to it names it by its key, the name --backup takes (up to
// a8e3819 it reported the cfg's Name, which names no backup there).
TEST_F(VolumeBackupTest, AFallbackRestoreNamesTheBackupItReadByItsCfgsKey) {
  const std::string old_backup = Backup(Image("a.img", 2, 37));
  const std::string new_backup = Backup(Image("b.img", 2, 38));
  SetSnapshotTime(old_backup, "2026-01-01T00:00:00Z");
  SetSnapshotTime(new_backup, "2026-01-02T00:00:00Z");
  const std::string moved = "backup-00000000c0ffee00";
  auto cfg = target_.store->Load(Keys().BackupConfig(new_backup));
  ASSERT_TRUE(cfg.ok());
  ASSERT_TRUE(target_.store->Save(Keys().BackupConfig(moved), *cfg).ok());
  ASSERT_TRUE(target_.store->Remove(Keys().BackupConfig(new_backup)).ok());
  EmptyLastBackupName();
  auto r = Restore(dir_ + "/out.img");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->backup, moved);
  EXPECT_NE(r->picked.find("took the newest finished backup, " + moved + " (2026-01-02T00:00:00Z)"), std::string::npos)
      << r->picked;
  EXPECT_EQ(ReadFile(dir_ + "/out.img"), ReadFile(dir_ + "/b.img"));

  // The name reported restores the same backup when passed back.
  VolumeRestoreOptions o;
  o.volume = "vol-a";
  o.backup = r->backup;
  o.to = dir_ + "/named.img";
  ASSERT_TRUE(RestoreVolume(target_, o).ok());
  EXPECT_EQ(ReadFile(dir_ + "/named.img"), ReadFile(dir_ + "/b.img"));
  EXPECT_TRUE(HasFinding(Verify(), "name-mismatch"));
}

// A block in the store of an impossible size (empty, or larger than a
// stored block can be) is uploaded again, not referenced: the new backup restores.
TEST_F(VolumeBackupTest, BlocksOfImpossibleSizeAreUploadedAgain) {
  const std::string img = Image("a.img", 3, 35);
  const std::string cache = dir_ + "/cache";
  const std::string first = BackupWith(img, 0, cache)->backup_name;
  const BackupConfig cfg = *LoadBackupConfig(*target_.store, Keys(), first);
  ASSERT_EQ(cfg.blocks.size(), 3u);
  const std::string empty_blk = Path(Keys().Block(cfg.blocks[0].checksum));
  const std::string huge_blk = Path(Keys().Block(cfg.blocks[1].checksum));
  for (const auto& p : {empty_blk, huge_blk}) fs::permissions(p, fs::perms::owner_write, fs::perm_options::add);
  fs::resize_file(empty_blk, 0);
  fs::resize_file(huge_blk, MaxStoredBlockSize(Codec::kLz4, kDefaultBlockSize) + 1);

  auto second = BackupWith(img, 0, cache);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->blocks_new, 2u);
  EXPECT_EQ(second->blocks_reused, 1u);
  EXPECT_EQ(second->blocks_from_cache, 1u);  // the cache names only the intact block
  EXPECT_GT(fs::file_size(empty_blk), 0u);
  auto r = Restore(dir_ + "/out.img");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(ReadFile(dir_ + "/out.img"), ReadFile(img));
  EXPECT_FALSE(Verify(/*read_data=*/true).Damaged());
}

// hort's restore and verify refuse a volume on a backing image, so its backup does too.
TEST_F(VolumeBackupTest, AVolumeOnABackingImageIsNotBackedUp) {
  const std::string img = Image("a.img", 2, 36);
  Backup(img);
  VolumeConfig v = Volume();
  v.backing_image_name = "bi-ubuntu";
  SaveVolume(v);
  auto r = BackupWith(img, 0);
  EXPECT_EQ(r.status().code(), Code::kUnsupported);
  EXPECT_EQ(r.status().message(), "volume vol-a is based on backing image bi-ubuntu: backing images are not supported "
                                  "(its backups hold only the layers above it)");
  EXPECT_EQ(Files(Keys().BackupsPrefix()).size(), 1u);
  EXPECT_TRUE(Files(Keys().LocksPrefix()).empty());
}

}  // namespace
}  // namespace hort::volumes
