#include "repository/pack_reader.h"

#include <gtest/gtest.h>

namespace hort {
namespace {

std::vector<uint8_t> Pattern(size_t n) {
  std::vector<uint8_t> v(n);
  uint32_t x = 12345;
  for (auto& b : v) b = static_cast<uint8_t>((x = x * 1103515245 + 12345) >> 16);
  return v;
}

// A streamed read hashes every byte exactly once and serves each blob's
// bytes, whatever the blob sizes against the window, gaps included.
TEST(PackReader, StreamingServesBlobsAndHashesTheWholeFile) {
  auto backend = NewMemBackend();
  const auto data = Pattern(3 * kStreamSegment + 12345);
  const Id name = Id::Hash(data);
  const Handle h{FileType::kPack, name.Hex()};
  ASSERT_TRUE(backend->Save(h, data).ok());
  // Tiny blobs, one larger than a window, and a gap the header skips.
  const std::vector<std::pair<uint64_t, uint64_t>> blobs = {
      {0, 10}, {10, 1000}, {1010, kStreamSegment + 77}, {kStreamSegment + 2000, 5}, {2 * kStreamSegment + 1, 300000}};
  for (bool stream : {true, false}) {
    PackReader reader(*backend, h, {0, stream ? data.size() : 0, stream});
    if (!stream) {
      ASSERT_TRUE(reader.ReadAll().ok());
    }
    EXPECT_EQ(reader.size(), data.size());
    for (auto [off, len] : blobs) {
      auto bytes = reader.Bytes(off, len);
      ASSERT_TRUE(bytes.ok()) << off;
      EXPECT_TRUE(std::equal(bytes->begin(), bytes->end(), data.begin() + static_cast<long>(off))) << off;
      // What check does with each blob's content: hash it together with the
      // pack's bytes read so far (here content twice the stored size, as
      // compressed text has, so the pack's hash catches up with the reads).
      const std::vector<uint8_t> content = Pattern(off % 2 ? len / 2 : 2 * len + 1);
      EXPECT_EQ(reader.HashAlongside(content), crypto::Sha256(content)) << off;
    }
    // An earlier offset after later ones (a damaged header) is still served.
    auto again = reader.Bytes(10, 1000);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(std::equal(again->begin(), again->end(), data.begin() + 10));
    EXPECT_FALSE(reader.Bytes(data.size() - 10, 11).ok());
    ASSERT_TRUE(reader.Finish().ok());
    EXPECT_TRUE(reader.HashMatches(name)) << stream;
  }
}

TEST(PackReader, DamageChangesTheHashAndShortFilesFail) {
  auto backend = NewMemBackend();
  auto data = Pattern(2 * kStreamSegment);
  const Id name = Id::Hash(data);
  const Handle h{FileType::kPack, name.Hex()};
  data[kStreamSegment + 3] ^= 1;
  ASSERT_TRUE(backend->Save(h, data).ok());
  PackReader damaged(*backend, h, {0, data.size(), true});
  ASSERT_TRUE(damaged.Bytes(0, 100).ok());
  (void)damaged.HashAlongside(data);
  ASSERT_TRUE(damaged.Finish().ok());
  EXPECT_FALSE(damaged.HashMatches(name));
  // The listing said the pack is bigger than it is now (truncated).
  PackReader truncated(*backend, h, {0, data.size() + 100, true});
  EXPECT_FALSE(truncated.Finish().ok());
  EXPECT_FALSE(truncated.HashMatches(name));
}

// Restore reads only the range its blobs cover and hashes nothing.
TEST(PackReader, ARangeWithoutHashing) {
  auto backend = NewMemBackend();
  const auto data = Pattern(kStreamSegment * 2 + 99);
  const Handle h{FileType::kPack, Id::Hash(data).Hex()};
  ASSERT_TRUE(backend->Save(h, data).ok());
  for (bool stream : {true, false}) {
    PackReader reader(*backend, h, {1000, kStreamSegment + 5000, stream, false});
    if (!stream) {
      ASSERT_TRUE(reader.ReadAll().ok());
    }
    for (uint64_t off : {uint64_t{1000}, uint64_t{5000}, kStreamSegment + 10}) {
      auto bytes = reader.Bytes(off, 4000);
      ASSERT_TRUE(bytes.ok()) << off;
      EXPECT_TRUE(std::equal(bytes->begin(), bytes->end(), data.begin() + static_cast<long>(off))) << off;
    }
    EXPECT_FALSE(reader.Bytes(kStreamSegment + 4000, 2000).ok());  // beyond the range
  }
}

}  // namespace
}  // namespace hort
