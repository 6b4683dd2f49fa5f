// The volume block cache: what it reuses, and every way a cache file is
// refused (another last backup, block size, key; damaged bytes), and a
// backup with the cache mapping the same blocks as one without.
#include "volumes/block_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "util/test_temp_folder.h"
#include "volumes/backup.h"
#include "volumes/layout.h"
#include "volumes/lock.h"

namespace hort::volumes {
namespace {

namespace fs = std::filesystem;
constexpr uint64_t kBlock = kDefaultBlockSize;

class BlockCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = {"/srv/store", "vol-a", "/dev/vg/lv", kBlock};
    LockTiming t;  // one process: no other writer's lock to wait for
    t.settle = std::chrono::milliseconds(0);
    SetLockTimingForTests(t);
  }
  void TearDown() override {
    SetLockTimingForTests(LockTiming{});
  }

  static std::vector<uint8_t> Bytes(uint32_t seed, size_t n = 4096) {
    std::vector<uint8_t> d(n);
    std::mt19937 rng(seed);
    for (auto& b : d) b = static_cast<uint8_t>(rng());
    return d;
  }
  static CachedBlock Entry(uint64_t offset, const std::vector<uint8_t>& data) {
    return {offset, FastBlockHash(data), ChecksumFromHex(LonghornChecksum(data))};
  }
  std::string Cache() const { return dir_ + "/cache"; }
  BlockCache Load(const std::string& last, std::string* why, const BlockCacheKey* key = nullptr) const {
    return BlockCache::Load(Cache(), key ? *key : key_, last, why);
  }

  TempFolder folder_{"blockcache"};
  const std::string dir_ = folder_.path();
  BlockCacheKey key_;
};

TEST_F(BlockCacheTest, ReusesTheNameOfAnUnchangedBlockAtItsOffset) {
  const auto a = Bytes(1), b = Bytes(2);
  ASSERT_TRUE(BlockCache::Save(Cache(), key_, "backup-1", {Entry(2 * kBlock, b), Entry(0, a)}).ok());
  std::string why;
  BlockCache cache = Load("backup-1", &why);
  ASSERT_EQ(cache.size(), 2u) << why;
  ASSERT_NE(cache.Find(0, FastBlockHash(a)), nullptr);
  EXPECT_EQ(*cache.Find(0, FastBlockHash(a)), ChecksumFromHex(LonghornChecksum(a)));
  EXPECT_EQ(cache.Find(kBlock, FastBlockHash(a)), nullptr);      // no entry at that offset
  EXPECT_EQ(cache.Find(2 * kBlock, FastBlockHash(a)), nullptr);  // another block's bytes there
}

TEST_F(BlockCacheTest, TheNamerTrustsACachedNameOnlyForStoredBlocks) {
  const auto a = Bytes(1), b = Bytes(2);
  // The cache claims b's name for a's bytes: a namer that used it without
  // SHA-512 shows it; one that hashed would name a by its own bytes.
  const CachedBlock claim{0, FastBlockHash(a), ChecksumFromHex(LonghornChecksum(b))};
  ASSERT_TRUE(BlockCache::Save(Cache(), key_, "backup-1", {claim}).ok());
  std::string why;
  BlockCache cache = Load("backup-1", &why);
  ASSERT_EQ(cache.size(), 1u) << why;

  BlockSet with_b;
  with_b.Add(claim.name);
  with_b.Seal();
  BlockNamer stored(cache, with_b, true);
  const auto n = stored.Name(0, a);
  EXPECT_EQ(n.checksum, LonghornChecksum(b));  // from the cache
  EXPECT_TRUE(n.stored);
  EXPECT_EQ(stored.from_cache(), 1u);

  // Not in the store: the block would be uploaded, so it is hashed.
  BlockSet empty;
  empty.Seal();
  BlockNamer upload(cache, empty, true);
  const auto u = upload.Name(0, a);
  EXPECT_EQ(u.checksum, LonghornChecksum(a));
  EXPECT_FALSE(u.stored);
  EXPECT_EQ(upload.from_cache(), 0u);
  // What it records for the next cache is the hashed name.
  const auto seen = upload.Take();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].name, ChecksumFromHex(LonghornChecksum(a)));
}

TEST_F(BlockCacheTest, AChangedBlockIsHashed) {
  const auto a = Bytes(1), changed = Bytes(3);
  ASSERT_TRUE(BlockCache::Save(Cache(), key_, "backup-1", {Entry(0, a)}).ok());
  std::string why;
  BlockCache cache = Load("backup-1", &why);
  BlockSet present;
  present.Add(ChecksumFromHex(LonghornChecksum(a)));
  present.Seal();
  BlockNamer namer(cache, present, true);
  EXPECT_EQ(namer.Name(0, changed).checksum, LonghornChecksum(changed));
  EXPECT_EQ(namer.Name(kBlock, a).checksum, LonghornChecksum(a));  // a's bytes at another offset: hashed too
  EXPECT_EQ(namer.from_cache(), 0u);
  EXPECT_EQ(namer.Name(0, a).checksum, LonghornChecksum(a));
  EXPECT_EQ(namer.from_cache(), 1u);
}

TEST_F(BlockCacheTest, IgnoredUnlessWrittenByTheVolumesLastBackup) {
  ASSERT_TRUE(BlockCache::Save(Cache(), key_, "backup-1", {Entry(0, Bytes(1))}).ok());
  std::string why;
  EXPECT_EQ(Load("backup-2", &why).size(), 0u);
  EXPECT_NE(why.find("backup-1"), std::string::npos) << why;
  EXPECT_EQ(Load("", &why).size(), 0u);  // no finished last backup
  EXPECT_EQ(Load("backup-1", &why).size(), 1u) << why;
}

TEST_F(BlockCacheTest, IgnoredForAnotherBlockSizeOrKey) {
  ASSERT_TRUE(BlockCache::Save(Cache(), key_, "backup-1", {Entry(0, Bytes(1))}).ok());
  std::string why;
  BlockCacheKey other = key_;
  other.block_size = 8 * kBlock;
  EXPECT_EQ(Load("backup-1", &why, &other).size(), 0u);
  // The same file under another key's name (copied, or a name collision):
  // the key inside it decides.
  for (auto change : {&BlockCacheKey::store, &BlockCacheKey::volume, &BlockCacheKey::source}) {
    other = key_;
    other.*change += "x";
    fs::copy_file(BlockCache::PathFor(Cache(), key_), BlockCache::PathFor(Cache(), other));
    EXPECT_EQ(Load("backup-1", &why, &other).size(), 0u);
    EXPECT_NE(why.find("another store"), std::string::npos) << why;
  }
  other = key_;
  other.block_size = 8 * kBlock;
  fs::copy_file(BlockCache::PathFor(Cache(), key_), BlockCache::PathFor(Cache(), other));
  EXPECT_EQ(Load("backup-1", &why, &other).size(), 0u);
  EXPECT_NE(why.find("block size"), std::string::npos) << why;
}

TEST_F(BlockCacheTest, ADamagedFileIsIgnored) {
  ASSERT_TRUE(BlockCache::Save(Cache(), key_, "backup-1", {Entry(0, Bytes(1)), Entry(kBlock, Bytes(2))}).ok());
  const std::string path = BlockCache::PathFor(Cache(), key_);
  std::string good;
  {
    std::ifstream in(path, std::ios::binary);
    good.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto write = [&](const std::string& bytes) { std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes; };
  std::string why;
  // Every single flipped byte, and every truncation, is refused.
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    write(bad);
    ASSERT_EQ(Load("backup-1", &why).size(), 0u) << "byte " << i;
  }
  for (size_t n = 0; n < good.size(); n += 7) {
    write(good.substr(0, n));
    ASSERT_EQ(Load("backup-1", &why).size(), 0u) << "truncated to " << n;
  }
  write("garbage");
  EXPECT_EQ(Load("backup-1", &why).size(), 0u);
  write(good);
  EXPECT_EQ(Load("backup-1", &why).size(), 2u) << why;
}

// A backup of a changed image with the cache maps exactly what one without
// it maps, and uploads the same blocks.
TEST_F(BlockCacheTest, ABackupWithTheCacheMapsWhatOneWithoutMaps) {
  const std::string image = dir_ + "/disk.img";
  auto data = Bytes(7, 6 * kBlock);
  std::fill_n(data.begin() + 3 * kBlock, kBlock, 0);  // a zero block
  auto write_image = [&] { std::ofstream(image, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data.data()), data.size()); };
  write_image();
  auto backup = [&](const std::string& store, bool cached) {
    BackupTarget t;
    t.store = NewLocalStore(store);
    t.url = store;
    VolumeBackupOptions o;
    o.source = image;
    o.volume = "vol-a";
    if (cached) o.cache_dir = Cache();
    auto r = BackupVolume(t, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    auto cfg = LoadBackupConfig(*t.store, VolumeKeys("", "vol-a"), r->backup_name, data.size());
    EXPECT_TRUE(cfg.ok());
    return std::make_pair(*r, cfg->blocks);
  };
  const auto [first, map1] = backup(dir_ + "/cached", true);
  EXPECT_EQ(first.blocks_from_cache, 0u);
  EXPECT_NE(first.cache.find("not used"), std::string::npos) << first.cache;
  (void)backup(dir_ + "/plain", false);
  // Two blocks change, one of them to another block's bytes.
  std::copy_n(Bytes(8, kBlock).begin(), kBlock, data.begin() + kBlock);
  std::copy_n(data.begin(), kBlock, data.begin() + 4 * kBlock);
  write_image();
  const auto [cached, map_cached] = backup(dir_ + "/cached", true);
  const auto [plain, map_plain] = backup(dir_ + "/plain", false);
  EXPECT_EQ(cached.cache, "used");
  EXPECT_EQ(plain.cache, "off");
  EXPECT_EQ(cached.blocks_from_cache, 3u);  // blocks 0, 2, 5
  ASSERT_EQ(map_cached.size(), map_plain.size());
  for (size_t i = 0; i < map_plain.size(); ++i) {
    EXPECT_EQ(map_cached[i].offset, map_plain[i].offset);
    EXPECT_EQ(map_cached[i].checksum, map_plain[i].checksum);
    EXPECT_EQ(map_cached[i].checksum,
              LonghornChecksum(std::span<const uint8_t>(data.data() + map_cached[i].offset, kBlock)));
  }
  EXPECT_EQ(cached.blocks_new, plain.blocks_new);
  EXPECT_EQ(cached.blocks_new, 1u);
}

}  // namespace
}  // namespace hort::volumes
