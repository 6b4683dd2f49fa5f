#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "util/hex.h"
#include "volumes/config.h"
#include "volumes/layout.h"
#include "volumes/lock.h"
#include "volumes/store_io.h"
#include "volumes/target.h"

namespace hort::volumes {
namespace {

std::string FolderOf(const std::string& volume) {
  const std::string dir = VolumeKeys("", volume).dir();  // backupstore/volumes/xx/yy/<volume>/
  return dir.substr(std::string("backupstore/volumes/").size(), 5);
}

// The reference's vectors (longhorn-and-csi.md §2), taken from Longhorn's docs and issue logs.
TEST(LayoutTest, VolumeFoldersMatchLonghorns) {
  EXPECT_EQ(FolderOf("pvc-0123abcd-test"), "a7/9b");
  EXPECT_EQ(FolderOf("jellyfin-config"), "ca/ea");
  EXPECT_EQ(FolderOf("pvc-84dc3597-cc24-43da-843c-d6ea75d023b9"), "35/5f");
  EXPECT_EQ(FolderOf("pvc-2925f092-964d-4f62-9c4f-941f39605413"), "a7/51");
  EXPECT_EQ(FolderOf("pvc-325033b4-90c9-46b0-92c7-643d7199894a"), "9c/df");
  EXPECT_EQ(FolderOf("e2e-test-volume-0"), "76/f4");
}

TEST(LayoutTest, AllZeroBlockNamesMatchLonghorns) {
  EXPECT_EQ(LonghornChecksum(std::vector<uint8_t>(kDefaultBlockSize, 0)),
            "731859029215873fdac1c9f2f8bd25a334abf0f3a9e1b057cf2cacc2826d86b0");
  EXPECT_EQ(LonghornChecksum(std::vector<uint8_t>(kLargeBlockSize, 0)),
            "7e208b53e5c541b23906ef8ed8f5e12e4f1b470fbd0d3e907b1fc0c0b8d78eb1");
}

TEST(LayoutTest, NamesFollowValidateName) {
  EXPECT_TRUE(IsValidName("pvc-1.data_x"));
  EXPECT_TRUE(IsValidName("vol..1"));  // one path component, and a name Longhorn takes
  EXPECT_TRUE(IsValidVolumeName(std::string(64, 'a')));
  EXPECT_FALSE(IsValidVolumeName(std::string(65, 'a')));  // longhorn-engine's MaximumVolumeNameSize
  EXPECT_TRUE(IsValidName(std::string(65, 'a')));         // backup names: util.ValidateName has no limit
  for (const char* bad : {"", "a", "../x", "a/b", "..", "-ab", ".ab", "a b", "vol\n"}) {
    EXPECT_FALSE(IsValidName(bad)) << bad;
  }
  EXPECT_EQ(CheckVolumeName("a/b").code(), Code::kInvalidArgument);
  EXPECT_EQ(GenerateName("backup").size(), 7u + 16u);
}

TEST(LayoutTest, KeysAreParsedBack) {
  VolumeKeys k("p/", "vol-1");
  const std::string c(64, 'a');
  EXPECT_EQ(BlockChecksumOfKey(k.Block(c)), c);
  EXPECT_EQ(BackupNameOfKey(k.BackupConfig("backup-0123456789abcdef")), "backup-0123456789abcdef");
  EXPECT_EQ(LockNameOfKey(k.Lock("lock-1")), "lock-1");
  EXPECT_FALSE(BlockChecksumOfKey(k.BlocksPrefix() + "ab/cd/" + c + ".blk").has_value());  // wrong folders
  EXPECT_TRUE(IsTempLeftover(k.Config() + ".tmp.1733222222000000000"));
  EXPECT_FALSE(IsTempLeftover(k.Config()));
}

// hort's cfgs carry exactly the documented fields, in Go's order, with the
// documented JSON types.
void ExpectFields(const std::string& text, const std::vector<FieldSpec>& spec) {
  auto j = nlohmann::ordered_json::parse(text);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  std::vector<std::string> want;
  for (const FieldSpec& f : spec) {
    if (j.contains(f.name) || std::string(f.name) != "Blocks") want.push_back(f.name);
    if (!j.contains(f.name)) continue;
    const auto& v = j[f.name];
    const std::string t = v.is_string() ? "string" : v.is_object() ? "object" : v.is_boolean() ? "bool"
                          : v.is_array() ? "array" : v.is_null() ? "null" : "number";
    EXPECT_NE(std::string(f.json_type).find(t), std::string::npos) << f.name << " is " << t;
  }
  EXPECT_EQ(keys, want);
}

TEST(ConfigTest, CfgKeysAndTypesAreTheDocumentedOnes) {
  VolumeConfig v;
  v.name = "vol";
  v.size = 4 << 20;
  v.compression_method = "lz4";
  ExpectFields(VolumeConfigJson(v), VolumeConfigFields());
  BackupConfig b;
  b.name = "backup-0123456789abcdef";
  b.created_time = "2026-12-03T10:00:00Z";
  b.parameters = Labels{{"backup-block-size", "2097152"}};
  b.blocks = {{0, std::string(64, 'a')}};
  ExpectFields(BackupConfigJson(b), BackupConfigFields());
  b.blocks.clear();
  ExpectFields(BackupConfigJson(b), BackupConfigFields());  // Blocks omitted when empty
}

// docs/cli.md's field table ("Files hort writes") lists the same fields, in order, with the same types.
TEST(ConfigTest, DocumentedFieldTableMatches) {
  std::ifstream in(std::string(HORT_SOURCE_DIR) + "/docs/cli.md");
  ASSERT_TRUE(in.good());
  std::vector<std::string> vol, backup;
  for (std::string line; std::getline(in, line);) {
    for (auto [file, out] : {std::pair{"| volume.cfg | ", &vol}, std::pair{"| backup cfg | ", &backup}}) {
      if (line.rfind(file, 0) != 0) continue;
      std::string rest = line.substr(std::string(file).size());
      std::string type = rest.substr(rest.find(" | ") + 3);
      type = type.substr(0, type.find(" |"));
      for (size_t p; (p = type.find("\\|")) != std::string::npos;) type.replace(p, 2, "|");
      out->push_back(rest.substr(0, rest.find(' ')) + ":" + type);
    }
  }
  auto flat = [](const std::vector<FieldSpec>& spec) {
    std::vector<std::string> v;
    for (const FieldSpec& f : spec) v.push_back(std::string(f.name) + ":" + f.json_type);
    return v;
  };
  EXPECT_EQ(vol, flat(VolumeConfigFields()));
  EXPECT_EQ(backup, flat(BackupConfigFields()));
}

TEST(ConfigTest, VolumeCfgRoundTripsWithDoubleQuotesAndUnknownKeys) {
  const std::string text =
      R"({"Name":"v1","Size":"4194304","Labels":{"a":"b"},"CreatedTime":"","LastBackupName":"backup-1","LastBackupAt":"",)"
      R"("BlockCount":"3","BackingImageName":"\"\"","BackingImageChecksum":"\"\"","CompressionMethod":"\"gzip\"",)"
      R"("StorageClassName":"\"longhorn\"","DataEngine":"\"v1\"","LinkedCloneSourceVolume":"\"src\""})";
  auto v = ParseVolumeConfig(text, "volume.cfg");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->compression_method, "gzip");
  EXPECT_EQ(v->storage_class_name, "longhorn");
  EXPECT_EQ(v->block_count, 3u);
  EXPECT_EQ(VolumeConfigJson(*v), text);
}

TEST(ConfigTest, BadCfgsAreCorruptionNotCrashes) {
  for (const char* text : {R"({"Name":"b","Size":"12)", R"({"Size":"99999999999999999999"})", R"({"Size":"-1"})",
                           R"({"Blocks":[{"Offset":-2097152,"BlockChecksum":"aa"}]})",
                           R"({"Blocks":[{"Offset":1e30,"BlockChecksum":"aa"}]})", R"([1,2])",
                           R"({"Blocks":[{"Offset":0,"BlockChecksum":"../../etc/passwd"}]})"}) {
    EXPECT_EQ(ParseBackupConfig(text, "b").status().code(), Code::kCorruption) << text;
  }
  EXPECT_EQ(ParseVolumeConfig(R"({"Size":"2251799813685248"})", "v").status().code(), Code::kCorruption);
}

TEST(ConfigTest, BlockSizeReadsDecimalAndQuantities) {
  BackupConfig b;
  EXPECT_EQ(*BlockSizeOf(b), kDefaultBlockSize);
  for (auto [text, want] : std::vector<std::pair<std::string, uint64_t>>{
           {"2097152", kDefaultBlockSize}, {"16Mi", kLargeBlockSize}, {"0", kDefaultBlockSize}, {"", kDefaultBlockSize}}) {
    b.parameters = Labels{{"backup-block-size", text}};
    EXPECT_EQ(*BlockSizeOf(b), want) << text;
  }
  b.parameters = Labels{{"backup-block-size", "4Mi"}};
  EXPECT_FALSE(BlockSizeOf(b).ok());
}

TEST(StoreIoTest, BlockMapChecks) {
  BackupConfig b;
  const std::string c(64, 'a');
  b.blocks = {{0, c}, {2 << 20, c}};
  EXPECT_TRUE(CheckBlockMap(b, 2 << 20, 4 << 20).ok());
  EXPECT_FALSE(CheckBlockMap(b, 2 << 20, 2 << 20).ok());  // outside the volume
  b.blocks = {{2 << 20, c}, {0, c}};
  EXPECT_FALSE(CheckBlockMap(b, 2 << 20, 8 << 20).ok());  // unsorted
  b.blocks = {{4096, c}};
  EXPECT_FALSE(CheckBlockMap(b, 2 << 20, 8 << 20).ok());  // unaligned
}

// A lock whose Type is not a small integer is unreadable, not undefined
// behaviour ("Type": 1e300 was a float cast out of int's range).
TEST(LockTest, TypeThatIsNoSmallIntegerIsUnreadable) {
  auto store = NewMemStore();
  VolumeKeys keys("backupstore", "v1");
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {"lock-0000000000000001", R"({"Name":"a","Type":1e300,"Acquired":true})"},
      {"lock-0000000000000002", R"({"Name":"b","Type":-1,"Acquired":true})"},
      {"lock-0000000000000003", R"({"Name":"c","Type":4294967297,"Acquired":true})"},
      {"lock-0000000000000004", R"({"Name":"d","Type":2,"Acquired":true})"}};
  for (const auto& [name, body] : bodies) ASSERT_TRUE(store->Save(keys.Lock(name), AsBytes(body)).ok());
  auto locks = ListLocks(*store, keys);
  ASSERT_TRUE(locks.ok()) << locks.status().ToString();
  ASSERT_EQ(locks->size(), 4u);
  for (const LockFile& l : *locks) {
    EXPECT_EQ(l.readable, l.name == "lock-0000000000000004") << l.name;
    if (l.readable) {
      EXPECT_EQ(l.type, 2);
    }
  }
}

TEST(TargetTest, LonghornUrlsMapToStores) {
  ::setenv("AWS_ENDPOINTS", "http://127.0.0.1:7480", 1);
  auto s3 = ResolveTarget("s3://bucket@eu-west-1/some/path");
  ASSERT_TRUE(s3.ok()) << s3.status().ToString();
  EXPECT_EQ(s3->store_location, "s3:http://127.0.0.1:7480/bucket");
  EXPECT_EQ(s3->base, "some/path/");
  EXPECT_EQ(s3->options.extended.at("s3.region"), "eu-west-1");
  EXPECT_EQ(s3->options.extended.at("s3.bucket-lookup"), "path");
  ::unsetenv("AWS_ENDPOINTS");
  auto aws = ResolveTarget("s3://bucket@us-east-2/");
  ASSERT_TRUE(aws.ok());
  EXPECT_EQ(aws->store_location, "s3:https://s3.us-east-2.amazonaws.com/bucket");
  EXPECT_EQ(aws->options.extended.at("s3.bucket-lookup"), "dns");
  EXPECT_EQ(ResolveTarget("vfs:///srv/backups")->store_location, "/srv/backups");
  EXPECT_EQ(ResolveTarget("/srv/backups")->store_location, "/srv/backups");
  TargetEnv env;
  env.mount_point = "/mnt/nas";
  EXPECT_EQ(ResolveTarget("nfs://nas.lan:/export/lh?nfsOptions=soft", env)->store_location, "/mnt/nas");
  env.mount_point.clear();
  env.mounts_root = "/nonexistent";
  EXPECT_EQ(ResolveTarget("nfs://nas.lan:/export", env).status().code(), Code::kInvalidArgument);
  for (const char* bad : {"azblob://c@core.windows.net/p", "http://x/y", "s3://bucket", "vfs://relative"}) {
    EXPECT_EQ(ResolveTarget(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace hort::volumes
