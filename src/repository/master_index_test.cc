#include "repository/master_index.h"

#include <gtest/gtest.h>

#include <string>

namespace hort {
namespace {

Id Numbered(uint32_t n, uint8_t fill = 0) {
  Id id;
  id.bytes.fill(fill);
  for (int i = 0; i < 4; ++i) id.bytes[28 + i] = static_cast<uint8_t>(n >> (8 * i));
  return id;
}

Id Hashed(uint32_t n) {
  const Id plain = Numbered(n);
  return Id::Hash(plain.bytes);
}

// Each of the 256 shards grows by half through sizes that are not powers of
// two (8, 12, 18, 27, ...); every blob must stay findable at each size.
TEST(MasterIndex, FindsEveryBlobThroughEveryGrowth) {
  MasterIndex index;
  constexpr uint32_t kBlobs = 6000, kPerPack = 100;
  for (uint32_t p = 0; p < kBlobs / kPerPack; ++p) {
    std::vector<IndexBlob> blobs;
    for (uint32_t i = p * kPerPack; i < (p + 1) * kPerPack; ++i) {
      blobs.push_back({Hashed(i), i % 3 ? BlobType::kData : BlobType::kTree, i * 10, 100 + i, i % 2 ? 0 : 50 + i});
    }
    index.AddPack(Numbered(p, 0xee), blobs);
  }
  EXPECT_EQ(index.BlobCount(), kBlobs);
  EXPECT_EQ(index.Packs().size(), kBlobs / kPerPack);
  for (uint32_t i = 0; i < kBlobs; ++i) {
    const BlobType type = i % 3 ? BlobType::kData : BlobType::kTree;
    auto loc = index.Lookup(Hashed(i), type);
    ASSERT_TRUE(loc.has_value()) << i;
    EXPECT_EQ(loc->pack, Numbered(i / kPerPack, 0xee));
    EXPECT_EQ(loc->offset, i * 10);
    EXPECT_EQ(loc->length, 100 + i);
    EXPECT_EQ(loc->uncompressed_length, i % 2 ? 0 : 50 + i);
    // The same ID as the other type is not there.
    EXPECT_FALSE(index.Lookup(Hashed(i), type == BlobType::kData ? BlobType::kTree : BlobType::kData));
  }
  for (uint32_t i = kBlobs; i < kBlobs + 2000; ++i) EXPECT_FALSE(index.Has(Hashed(i), BlobType::kData));
}

// IDs whose first bytes are all ones land in the last slot of their shard
// (all of these in the same one): probing must wrap to the start, and a blob
// indexed twice is kept for check.
TEST(MasterIndex, ProbingWrapsAroundAndDuplicatesAreKept) {
  MasterIndex index;
  std::vector<IndexBlob> blobs;
  for (uint32_t i = 0; i < 50; ++i) blobs.push_back({Numbered(i, 0xff), BlobType::kData, i, 40, 0});
  index.AddPack(Numbered(1, 0xaa), blobs);
  index.AddPack(Numbered(2, 0xaa), {blobs[7]});
  EXPECT_EQ(index.BlobCount(), 50u);
  for (uint32_t i = 0; i < 50; ++i) {
    auto loc = index.Lookup(Numbered(i, 0xff), BlobType::kData);
    ASSERT_TRUE(loc.has_value()) << i;
    EXPECT_EQ(loc->offset, i);
    EXPECT_EQ(loc->pack, Numbered(1, 0xaa));
  }
  EXPECT_FALSE(index.Has(Numbered(50, 0xff), BlobType::kData));
  auto by_pack = index.BlobsByPack();
  EXPECT_EQ(by_pack[Numbered(1, 0xaa)].size(), 50u);
  ASSERT_EQ(by_pack[Numbered(2, 0xaa)].size(), 1u);
  EXPECT_EQ(by_pack[Numbered(2, 0xaa)][0].id, Numbered(7, 0xff));
}

// The same pack indexed again (an index loaded twice, or one pack in two
// index files) adds no copies: prune took every blob for a duplicate and
// repacked every pack of the repository after each job's retention.
TEST(MasterIndex, TheSameEntryAgainIsNoDuplicate) {
  MasterIndex index;
  std::vector<IndexBlob> blobs;
  for (uint32_t i = 0; i < 20; ++i) blobs.push_back({Hashed(i), BlobType::kData, i * 40, 40, 0});
  index.AddPack(Numbered(1, 0xaa), blobs);
  index.AddPack(Numbered(1, 0xaa), blobs);
  index.AddPack(Numbered(2, 0xaa), {blobs[3]});  // a real copy, elsewhere
  index.AddPack(Numbered(2, 0xaa), {blobs[3]});  // and that copy indexed again
  auto by_pack = index.BlobsByPack();
  EXPECT_EQ(by_pack[Numbered(1, 0xaa)].size(), 20u);
  EXPECT_EQ(index.BlobCount(), 20u);
  EXPECT_EQ(by_pack[Numbered(2, 0xaa)].size(), 1u);
}

}  // namespace
}  // namespace hort
