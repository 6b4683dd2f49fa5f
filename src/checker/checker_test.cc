#include "checker/checker.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "util/hex.h"

namespace hort {
namespace {

// Records which packs are asked for; lists what the test put in.
struct PackShelf final : Backend {
  std::unique_ptr<Backend> mem = NewMemBackend();
  std::vector<std::string> prefetched;
  std::string Location() const override { return "shelf"; }
  Status Create() override { return mem->Create(); }
  Status Save(const Handle& h, std::span<const uint8_t> d) override { return mem->Save(h, d); }
  Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t o, uint64_t l) override { return mem->Load(h, o, l); }
  Result<uint64_t> Stat(const Handle& h) override { return mem->Stat(h); }
  Status List(FileType t, const std::function<void(const std::string&, uint64_t)>& f) override { return mem->List(t, f); }
  Status Remove(const Handle& h) override { return mem->Remove(h); }
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
