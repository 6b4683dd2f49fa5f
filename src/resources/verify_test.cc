#include "resources/verify.h"
#include "resources/verify_location.h"

#include <gtest/gtest.h>

#include "archive/gzip.h"
#include "resources/test_backup.h"
#include "resources/velero_bucket.h"

namespace hort::resources {
namespace {

const std::string kName = "nightly-20261203020000";

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ExportBackup(*store_, TestBackup(kName)).ok());
    options_.now_unix = *UnixSeconds("2026-12-03T12:00:00Z");
  }
  void Put(const std::string& key, std::string_view data) {
    ASSERT_TRUE(store_->Save(key, {reinterpret_cast<const uint8_t*>(data.data()), data.size()}).ok());
  }
  void PutGzip(const std::string& key, std::string_view data) { Put(key, *GzipCompress(data)); }
  void EditCr(const std::function<void(Json&)>& edit) {
    Json cr = Json::parse(*LoadString(*store_, MetadataKey(kName)));
    edit(cr);
    Put(MetadataKey(kName), cr.dump(2));
  }
  // The level reached and the first problem, which must be of the next level.
  void ExpectStopsAt(int reached, const std::string& problem) {
    BackupCheck c = VerifyBucketBackup(*store_, kName, options_);
    EXPECT_EQ(c.level_reached, reached);
    ASSERT_FALSE(c.problems.empty());
    EXPECT_EQ(c.problems[0].level, reached + 1);
    EXPECT_NE(c.problems[0].message.find(problem), std::string::npos) << c.problems[0].message;
  }

  std::unique_ptr<ObjectStore> store_ = NewMemStore();
  VerifyOptions options_;
};

TEST_F(VerifyTest, AnExportedBackupPassesL4) {
  BackupCheck c = VerifyBucketBackup(*store_, kName, options_);
  EXPECT_EQ(c.level_reached, 4);
  EXPECT_TRUE(c.problems.empty()) << c.problems[0].message;
  EXPECT_EQ(c.items, 5u);
  EXPECT_EQ(c.phase, "Completed");
  EXPECT_TRUE(VerifyBucketLayout(*store_).empty());
}

TEST_F(VerifyTest, TruncatedTarballFailsL2) {
  std::string tar = *LoadString(*store_, ArtifactKey(kName, ".tar.gz"));
  Put(ArtifactKey(kName, ".tar.gz"), tar.substr(0, tar.size() / 2));
  ExpectStopsAt(1, ".tar.gz: opening: truncated gzip input");
}

TEST_F(VerifyTest, MissingTarballFailsL2) {
  ASSERT_TRUE(store_->Remove(ArtifactKey(kName, ".tar.gz")).ok());
  ExpectStopsAt(1, ".tar.gz missing");
}

TEST_F(VerifyTest, NonGzipResourceListFailsL2) {
  Put(ArtifactKey(kName, "-resource-list.json.gz"), "<html>502 Bad Gateway</html>");
  ExpectStopsAt(1, "not gzip (invalid header)");
}

TEST_F(VerifyTest, PartiallyFailedIsReportedAtL1) {
  EditCr([](Json& cr) { cr["status"]["phase"] = "PartiallyFailed"; });
  ExpectStopsAt(0, "phase PartiallyFailed");
}

TEST_F(VerifyTest, NonTerminalPhaseFailsL1) {
  EditCr([](Json& cr) {
    cr["status"]["phase"] = "FinalizingPartiallyFailed";
    cr["status"].erase("completionTimestamp");
  });
  ExpectStopsAt(0, "not terminal");
  // Not expired: Velero may still be at it. A location walk does not count it.
  EXPECT_TRUE(VerifyBucketBackup(*store_, kName, options_).transient);
  auto lc = VerifyLocation(*store_, options_);
  ASSERT_TRUE(lc.ok());
  EXPECT_EQ(lc->failed, 0u);
  EXPECT_EQ(lc->transient, 1u);
  EXPECT_EQ(lc->newest_completed_unix, 0);  // and it is no recovery point
  // Expired and still not terminal: Velero died during it.
  options_.now_unix = *UnixSeconds("2027-01-02T02:00:01Z");
  EXPECT_FALSE(VerifyBucketBackup(*store_, kName, options_).transient);
}

TEST_F(VerifyTest, ExpiredBackupFailsL1) {
  options_.now_unix = *UnixSeconds("2027-01-02T02:00:01Z");
  ExpectStopsAt(0, "expired at 2027-01-02T02:00:00Z");
  // Velero's GC removes it within the hour: transient for two hours, then a failure.
  EXPECT_TRUE(VerifyBucketBackup(*store_, kName, options_).transient);
  options_.now_unix = *UnixSeconds("2027-01-02T04:00:01Z");
  EXPECT_FALSE(VerifyBucketBackup(*store_, kName, options_).transient);
}

TEST_F(VerifyTest, ALocationWithoutBackupsIsAnL0Problem) {
  std::unique_ptr<ObjectStore> empty = NewMemStore();
  auto lc = VerifyLocation(*empty, options_);
  ASSERT_TRUE(lc.ok());
  ASSERT_EQ(lc->layout.size(), 1u);
  EXPECT_NE(lc->layout[0].message.find("no Velero backups at"), std::string::npos) << lc->layout[0].message;
}

TEST_F(VerifyTest, OlderThanTheRpoFailsL1) {
  options_.rpo_seconds = 3600;
  ExpectStopsAt(0, "older than the RPO of 60 min");
  EXPECT_FALSE(VerifyBucketBackup(*store_, kName, options_).transient);
}

TEST_F(VerifyTest, NameOtherThanItsFolderFailsL1) {
  EditCr([](Json& cr) { cr["metadata"]["name"] = "other"; });
  ExpectStopsAt(0, "its folder is " + kName);
}

TEST_F(VerifyTest, UnknownTopLevelDirectoryFailsL0) {
  Put("junk/file", "x");
  Put("README", "objects at the top are ignored, as Velero ignores them");
  ExpectStopsAt(-1, "invalid top-level directories (Velero marks the location Unavailable): junk");
  EXPECT_EQ(VerifyBucketLayout(*store_).size(), 1u);
}

TEST_F(VerifyTest, ItemMissingFromResourceListFailsL4) {
  PutGzip(ArtifactKey(kName, "-resource-list.json.gz"),
          R"({"apps/v1/Deployment":["web/site"],"rbac.authorization.k8s.io/v1/ClusterRole":["reader"],)"
          R"("v1/Namespace":["web"],"v1/Pod":["default/nginx"]})");
  ExpectStopsAt(3, "v1/Pod default/a: in the tarball, missing from the resource list");
}

TEST_F(VerifyTest, CountsThatDisagreeFailL4) {
  EditCr([](Json& cr) {
    cr["status"]["progress"]["itemsBackedUp"] = 4;
    cr["status"]["errors"] = 2;
  });
  BackupCheck c = VerifyBucketBackup(*store_, kName, options_);
  EXPECT_EQ(c.level_reached, 3);
  ASSERT_EQ(c.problems.size(), 2u);
  EXPECT_NE(c.problems[0].message.find("itemsBackedUp is 4, the tarball holds 5"), std::string::npos);
  EXPECT_NE(c.problems[1].message.find("status counts 2 errors/0 warnings, the results hold 0/0"), std::string::npos);
}

TEST_F(VerifyTest, TarballStructureFailsL3) {
  ResourceBackup b = TestBackup(kName);
  b.items[0].object["metadata"]["name"] = "renamed";  // object and path disagree
  Put(ArtifactKey(kName, ".tar.gz"), *WriteTarball(b));
  ExpectStopsAt(2, "resources/pods/namespaces/default/nginx.json: metadata.name/namespace");
}

TEST_F(VerifyTest, ReplayHookIsL5) {
  options_.replay = [](const ResourceBackup& b) {
    EXPECT_EQ(b.meta.name, kName);
    return std::vector<std::string>{"pods default/nginx: admission webhook denied"};
  };
  ExpectStopsAt(4, "admission webhook denied");
  options_.replay = [](const ResourceBackup&) { return std::vector<std::string>{}; };
  EXPECT_EQ(VerifyBucketBackup(*store_, kName, options_).level_reached, 5);
}

TEST_F(VerifyTest, NoSuchBackupFailsL1) {
  BackupCheck c = VerifyBucketBackup(*store_, "absent", options_);
  EXPECT_EQ(c.level_reached, 0);
  ASSERT_FALSE(c.problems.empty());
  EXPECT_NE(c.problems[0].message.find("no such backup"), std::string::npos);
}

TEST_F(VerifyTest, MaxLevelEndsTheWalkEarly) {
  // A damaged tarball is an L2 problem: a walk that stops at L1 never sees it.
  ASSERT_TRUE(store_->Remove(ArtifactKey(kName, ".tar.gz")).ok());
  options_.max_level = 1;
  BackupCheck c = VerifyBucketBackup(*store_, kName, options_);
  EXPECT_EQ(c.level_reached, 1);
  EXPECT_TRUE(c.problems.empty());
}

TEST_F(VerifyTest, ALocationCountsFailuresAndFindsTheNewestCompletedBackup) {
  ASSERT_TRUE(ExportBackup(*store_, TestBackup("older-20261201020000")).ok());
  Json older = Json::parse(*LoadString(*store_, MetadataKey("older-20261201020000")));
  older["status"]["completionTimestamp"] = "2026-12-01T02:01:00Z";
  Put(MetadataKey("older-20261201020000"), older.dump(2));
  ASSERT_TRUE(ExportBackup(*store_, TestBackup("broken-20261203030000")).ok());
  ASSERT_TRUE(store_->Remove(ArtifactKey("broken-20261203030000", ".tar.gz")).ok());
  auto lc = VerifyLocation(*store_, options_);
  ASSERT_TRUE(lc.ok()) << lc.status().ToString();
  EXPECT_EQ(lc->target_level, 4);
  ASSERT_EQ(lc->backups.size(), 3u);
  EXPECT_EQ(lc->failed, 1u);
  EXPECT_TRUE(lc->Failed(lc->backups[0])) << lc->backups[0].name;  // broken-…, name order
  // The broken one says Completed as late as kName, but would not restore: not a recovery point.
  EXPECT_EQ(lc->newest_completed, kName);
  Json cr = Json::parse(*LoadString(*store_, MetadataKey(kName)));
  EXPECT_EQ(lc->newest_completed_unix, *UnixSeconds(cr["status"]["completionTimestamp"].get<std::string>()));
  EXPECT_TRUE(lc->layout.empty());

  // One backup by name; a location that cannot be listed is an error.
  auto one = VerifyLocation(*store_, options_, kName);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->backups.size(), 1u);
  EXPECT_EQ(one->failed, 0u);
}

TEST(VerifyResourceBackup, ChecksABackupHeldInMemory) {
  VerifyOptions o{.now_unix = *UnixSeconds("2026-12-03T12:00:00Z")};
  ResourceBackup b = TestBackup();
  BackupCheck c = VerifyResourceBackup(b, o);
  EXPECT_EQ(c.level_reached, 4);
  EXPECT_TRUE(c.problems.empty());

  b.items[2].object["apiVersion"] = "apps/v1beta1";
  c = VerifyResourceBackup(b, o);
  EXPECT_EQ(c.level_reached, 2);
  ASSERT_FALSE(c.problems.empty());
  EXPECT_EQ(c.problems[0].level, 3);

  b = TestBackup();
  b.meta.errors.velero = {"x"};
  c = VerifyResourceBackup(b, o);
  EXPECT_EQ(c.level_reached, 3);
  ASSERT_FALSE(c.problems.empty());
  EXPECT_NE(c.problems[0].message.find("Completed with 1 errors"), std::string::npos);

  b = TestBackup();
  b.meta.phase = "InProgress";
  EXPECT_EQ(VerifyResourceBackup(b, o).level_reached, 0);
}

}  // namespace
}  // namespace hort::resources
