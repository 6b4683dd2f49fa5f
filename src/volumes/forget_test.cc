// forget's garbage collection never removes a block a backup in the store
// may use: backups with names longer than 64 characters (Longhorn allows
// them) count, and any other file among the backups stops it.
#include "volumes/listing.h"
#include "volumes/ops_test_fixture.h"

namespace hort::volumes {
namespace {

class VolumeForgetTest : public VolumeOpsTest {
 protected:
  // Renames backup `from` to `to`: its cfg file and the Name inside.
  void RenameBackup(const std::string& from, const std::string& to) {
    BackupConfig b = *LoadBackupConfig(*target_.store, Keys(), from);
    b.name = to;
    ASSERT_TRUE(SaveBackupConfig(*target_.store, Keys(), b).ok());
    ASSERT_TRUE(target_.store->Remove(Keys().BackupConfig(from)).ok());
  }
  void Plant(const std::string& key) {
    const std::string body = "{}";
    ASSERT_TRUE(target_.store->Save(key, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(body.data()), body.size()))
                    .ok());
  }
  Result<VolumeForgetResult> Forget(const std::string& backup) {
    VolumeForgetOptions o;
    o.volume = "vol-a";
    o.backups = {backup};
    return ForgetBackups(target_, o);
  }
  Result<VolumeRestoreResult> RestoreBackup(const std::string& backup, const std::string& to) {
    VolumeRestoreOptions o;
    o.volume = "vol-a";
    o.backup = backup;
    o.to = to;
    return RestoreVolume(target_, o);
  }
};

TEST(LayoutNamesTest, BackupNamesHaveNoLengthLimitVolumeNamesDo) {
  const std::string long_name = "daily-backup-of-the-photo-library-volume-of-the-household-nas-" + std::string(20, '7');
  ASSERT_GT(long_name.size(), 64u);
  EXPECT_TRUE(IsValidName(long_name));  // Longhorn's util.ValidateName
  EXPECT_TRUE(CheckBackupName(long_name).ok());
  EXPECT_FALSE(IsValidVolumeName(long_name));  // longhorn-engine's ValidVolumeName
  EXPECT_EQ(CheckVolumeName(long_name).code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckBackupName("a/b").code(), Code::kInvalidArgument);
}

// The data loss of 2026-12-07: the blocks of a backup named longer than 64
// characters were removed as unreferenced when another backup was forgotten.
TEST_F(VolumeForgetTest, BlocksOfABackupWithALongNameAreKept) {
  const std::string long_name = "backup-" + std::string(70, 'a');
  const std::string kept = Backup(Image("a.img", 3, 21));
  RenameBackup(kept, long_name);
  const std::string other = Backup(Image("b.img", 3, 22));  // no block in common with a.img
  auto r = Forget(other);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->gc_skipped, "");
  EXPECT_EQ(r->blocks_removed, 3u);  // only the forgotten backup's own blocks
  EXPECT_EQ(r->blocks_kept, 3u);
  EXPECT_EQ(r->last_backup, long_name);  // the newest remaining
  auto restored = RestoreBackup(long_name, dir_ + "/out.img");
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(ReadFile(dir_ + "/out.img"), ReadFile(dir_ + "/a.img"));
  EXPECT_FALSE(Verify(/*read_data=*/true).Damaged());

  auto listed = ListTarget(target_, "vol-a");  // `volumes ls` shows it
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->at(0).backups.size(), 1u);
  EXPECT_EQ(listed->at(0).backups[0].name, long_name);
  EXPECT_EQ(listed->at(0).backups[0].error, "");
}

// A cfg whose name hort refuses, or any other file among the backups, may
// hold a backup's map: no block is removed while one is there.
TEST_F(VolumeForgetTest, AFileAmongTheBackupsHortCannotReadStopsGarbageCollection) {
  const std::string first = Backup(Image("a.img", 2, 23));
  const std::string second = Backup(Image("b.img", 2, 24));
  RenameBackup(first, "-starts-with-a-dash");  // Longhorn would drop the name; hort cannot take it
  auto r = Forget(second);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->gc_skipped.find(Keys().BackupConfig("-starts-with-a-dash") + " is a backup cfg whose name "
                                "\"-starts-with-a-dash\" is no Longhorn name"),
            std::string::npos)
      << r->gc_skipped;
  EXPECT_NE(r->gc_skipped.find("`hort volumes forget --store " + target_.url + " --volume vol-a -- -starts-with-a-dash` "
                                "removes it"),
            std::string::npos)
      << r->gc_skipped;
  EXPECT_EQ(r->blocks_removed, 0u);
  EXPECT_EQ(Files(Keys().BlocksPrefix()).size(), 4u);
  auto listed = ListTarget(target_, "vol-a");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->at(0).backups.size(), 1u);
  EXPECT_EQ(listed->at(0).backups[0].name, "-starts-with-a-dash");  // the name forget takes
  EXPECT_NE(listed->at(0).backups[0].error.find("forget removes no block"), std::string::npos);
  // A file in a subfolder stops it too; a temp leftover does not.
  ASSERT_TRUE(target_.store->Remove(Keys().BackupConfig("-starts-with-a-dash")).ok());
  Plant(Keys().BackupsPrefix() + "old/backup_backup-0123456789abcdef.cfg");
  const std::string third = Backup(Image("c.img", 2, 25));
  r = Forget(third);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->gc_skipped.find("old/backup_backup-0123456789abcdef.cfg is no backup cfg"), std::string::npos)
      << r->gc_skipped;
  EXPECT_NE(r->gc_skipped.find("move it out of backups/ by hand"), std::string::npos) << r->gc_skipped;
  auto report = Verify();  // a stray among the backups: no block is called an orphan, as it may be a backup's
  EXPECT_FALSE(HasFinding(report, "orphan-block", /*damage=*/false));
  EXPECT_TRUE(HasFinding(report, "stray-file", /*damage=*/false));
  ASSERT_TRUE(target_.store->Remove(Keys().BackupsPrefix() + "old/backup_backup-0123456789abcdef.cfg").ok());
  Plant(Keys().BackupConfig("backup-0123456789abcdef") + ".tmp.1733222222000000000");
  const std::string fourth = Backup(Image("d.img", 2, 26));
  r = Forget(fourth);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->gc_skipped, "");
  EXPECT_EQ(Files(Keys().BlocksPrefix()).size(), 0u);  // nothing references any block any more
}

// A backup cfg in a folder below backups/ is none forget finds by its name:
// the hint says to move it by hand, not a forget that would fail.
TEST_F(VolumeForgetTest, ANestedBackupCfgIsMovedByHandNotForgotten) {
  const std::string first = Backup(Image("a.img", 1, 31));
  Plant(Keys().BackupsPrefix() + "backups/backup_-nested.cfg");
  auto r = Forget(first);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->gc_skipped.find("backups/backups/backup_-nested.cfg is no backup cfg"), std::string::npos) << r->gc_skipped;
  EXPECT_NE(r->gc_skipped.find("move it out of backups/ by hand"), std::string::npos) << r->gc_skipped;
  EXPECT_EQ(r->gc_skipped.find("-- -nested"), std::string::npos) << r->gc_skipped;
}

// A LastBackupName hort refuses whose cfg is there names the latest backup
// (made by hand or another tool): restore refuses rather than quietly taking
// an older one; once that cfg is gone, the newest finished backup is taken.
TEST_F(VolumeForgetTest, ALastBackupNameHortRefusesWhoseCfgIsThereIsNotPassedOver) {
  const std::string first = Backup(Image("a.img", 1, 32));
  const std::string second = Backup(Image("b.img", 1, 33));
  RenameBackup(second, "-newest");
  VolumeConfig v = Volume();
  v.last_backup_name = "-newest";
  SaveVolume(v);
  auto r = Restore(dir_ + "/out.img");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnsupported);
  EXPECT_NE(r.status().message().find("LastBackupName \"-newest\" names " + Keys().BackupConfig("-newest") +
                                      ", a backup whose name hort refuses"),
            std::string::npos)
      << r.status().message();
  ASSERT_TRUE(target_.store->Remove(Keys().BackupConfig("-newest")).ok());
  r = Restore(dir_ + "/out.img");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->backup, first);
  EXPECT_NE(r->picked.find("LastBackupName \"-newest\" is no Longhorn backup name"), std::string::npos) << r->picked;
}

// The way out of the refusal above without touching the store by hand
// (2026-12-07): forget removes a backup cfg by the exact name the store
// holds, though it is no Longhorn name, and garbage collection runs again.
// Only a name the store holds, and one path component.
TEST_F(VolumeForgetTest, ABackupWhoseNameHortRefusesIsForgottenByItsExactName) {
  const std::string first = Backup(Image("a.img", 2, 29));
  const std::string second = Backup(Image("b.img", 2, 30));  // no block in common with a.img
  RenameBackup(first, "-starts-with-a-dash");
  {  // verify checks it as a backup, and says that it stops garbage collection and what removes it
    const VolumeVerifyReport v = Verify();
    EXPECT_FALSE(v.Damaged());
    const auto f = std::find_if(v.findings.begin(), v.findings.end(), [](const auto& x) {
      return x.kind == "stray-file" && x.message.find("backup_-starts-with-a-dash.cfg was checked as a backup") != std::string::npos;
    });
    ASSERT_NE(f, v.findings.end());
    EXPECT_NE(f->message.find("garbage collection removes no block while it is there"), std::string::npos) << f->message;
    EXPECT_NE(f->message.find("-- -starts-with-a-dash` removes it"), std::string::npos) << f->message;
  }
  for (const std::string bad : {"..", ".", "-x/../../y", "a/b", ""}) {
    EXPECT_EQ(Forget(bad).status().code(), Code::kInvalidArgument) << bad;
  }
  auto r = Forget("-not-in-the-store");
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(r.status().message(), "volume vol-a has no backup -not-in-the-store");
  EXPECT_EQ(Files(Keys().BackupsPrefix()).size(), 2u);

  r = Forget("-starts-with-a-dash");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->removed, std::vector<std::string>{"-starts-with-a-dash"});
  EXPECT_EQ(r->gc_skipped, "");
  EXPECT_EQ(r->blocks_removed, 2u);  // its own blocks, now that nothing else stops the count
  EXPECT_EQ(r->last_backup, second);
  EXPECT_EQ(Files(Keys().BackupsPrefix()), std::vector<std::string>{Keys().BackupConfig(second)});
  auto restored = RestoreBackup(second, dir_ + "/out.img");
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(ReadFile(dir_ + "/out.img"), ReadFile(dir_ + "/b.img"));
}

// restic removes every snapshot when only --keep-tag is given and none has
// the tag; a volume's backups are kept then, the command refused.
TEST_F(VolumeForgetTest, TagRulesThatKeepNothingRemoveNothing) {
  const std::string first = Backup(Image("a.img", 1, 27));
  const std::string second = Backup(Image("b.img", 1, 28));
  VolumeForgetOptions o;
  o.volume = "vol-a";
  o.policy.tags = {{"pre-upgrade"}};
  auto r = ForgetBackups(target_, o);
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("would remove every backup, the latest too; nothing was removed"),
            std::string::npos)
      << r.status().message();
  EXPECT_EQ(ListBackups(*target_.store, Keys())->names.size(), 2u);
  EXPECT_EQ(Files(Keys().BlocksPrefix()).size(), 2u);

  BackupConfig b = *LoadBackupConfig(*target_.store, Keys(), first);  // one tagged backup: the other goes
  b.labels[std::string(kTagLabelPrefix) + "pre-upgrade"] = "";
  ASSERT_TRUE(SaveBackupConfig(*target_.store, Keys(), b).ok());
  r = ForgetBackups(target_, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->removed, std::vector<std::string>{second});
  EXPECT_EQ(r->last_backup, first);
}

}  // namespace
}  // namespace hort::volumes
