#include "checker/checker.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "backend/test_forwarding_backend.h"
#include "util/hex.h"

namespace hort {
namespace {

// Records which packs are asked for; stores what the test puts in.
struct PackShelf final : ForwardingBackend {
  std::unique_ptr<Backend> mem = NewMemBackend();
  std::vector<std::string> prefetched;
  PackShelf() : ForwardingBackend(nullptr) { target_ = mem.get(); }
  void Prefetch(const Handle& h, uint64_t, uint64_t) override {
    EXPECT_EQ(h.type, FileType::kPack);
    prefetched.push_back(h.name);
  }
};

// A full --read-data reads packs in ID order, one per worker at first: those
// are the ones asked for while the key is derived. Nothing otherwise.
TEST(Checker, PrefetchesThePacksReadFirst) {
  PackShelf shelf;
  std::vector<std::string> names;
  for (int i = 0; i < 6; ++i) {
    const std::string name = Id::Hash(AsBytes(std::string(1, static_cast<char>('a' + i)))).Hex();
    names.push_back(name);
    ASSERT_TRUE(shelf.Save({FileType::kPack, name}, AsBytes(name)).ok());
  }
  std::sort(names.begin(), names.end());

  CheckOptions full;
  full.read_data = true;
  full.workers = 3;
  PrefetchFirstPacks(shelf, full);
  EXPECT_EQ(shelf.prefetched, std::vector<std::string>(names.begin(), names.begin() + 3));

  shelf.prefetched.clear();
  CheckOptions subset = full;
  subset.read_data_subset = "1/2";
  PrefetchFirstPacks(shelf, subset);
  CheckOptions structure_only;
  PrefetchFirstPacks(shelf, structure_only);
  EXPECT_TRUE(shelf.prefetched.empty());

  CheckOptions many = full;
  many.workers = 10;
  PrefetchFirstPacks(shelf, many);
  EXPECT_EQ(shelf.prefetched, names);
}

}  // namespace
}  // namespace hort
