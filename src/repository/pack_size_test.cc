// PackSizeFromIndex against packs as written: restic's prune compares the
// same figure with the stored size to find damaged packs.
#include <gtest/gtest.h>

#include "repository/pack.h"
#include "repository/repository.h"
#include "repository/test_init.h"
#include "util/test_bytes.h"

namespace hort {
namespace {

// Compressible and incompressible blobs, data and trees, in both formats
// (format 1 stores 37-byte header entries, format 2 compressed ones of 41).
TEST(PackSizeFromIndex, IsTheStoredSizeOfEveryPackWritten) {
  for (int version : {1, 2}) {
    InitOptions init = CheapKdfForTests();
    init.version = version;
    auto backend = NewMemBackend();
    Backend* store = backend.get();
    auto repo = Repository::Init(std::move(backend), "pw", init);
    ASSERT_TRUE(repo.ok()) << repo.status().message();
    for (uint32_t i = 0; i < 40; ++i) {
      std::vector<uint8_t> blob = i % 2 ? SeededBytes(200'000 + i, i) : std::vector<uint8_t>(300'000 + i, 'a');
      const BlobType type = i % 5 == 0 ? BlobType::kTree : BlobType::kData;
      ASSERT_TRUE((*repo)->SaveBlob(type, Id::Hash(blob), blob).ok());
    }
    ASSERT_TRUE((*repo)->Flush().ok());
    auto by_pack = (*repo)->index().BlobsByPack();
    size_t packs = 0;
    ASSERT_TRUE(store->List(FileType::kPack, [&](const std::string& name, uint64_t size) {
      ++packs;
      auto id = Id::Parse(name);
      ASSERT_TRUE(id.has_value());
      EXPECT_EQ(PackSizeFromIndex(by_pack[*id]), size) << "format " << version << ", pack " << name;
    }).ok());
    EXPECT_GT(packs, 1u) << "format " << version;
  }
}

// One pack named by two index files lists its blobs twice: they count once.
TEST(PackSizeFromIndex, AnEntryListedTwiceCountsOnce) {
  IndexBlob a{Id::Hash(std::vector<uint8_t>{1}), BlobType::kData, 0, 100, 0};
  IndexBlob b{Id::Hash(std::vector<uint8_t>{2}), BlobType::kTree, 100, 50, 80};
  const uint64_t once = PackSizeFromIndex(std::vector<IndexBlob>{a, b});
  EXPECT_EQ(once, 100u + 50u + 37u + 41u + 32u + 4u);
  EXPECT_EQ(PackSizeFromIndex(std::vector<IndexBlob>{a, b, a, b}), once);
}

}  // namespace
}  // namespace hort
