#include "chunker/chunker.h"

#include <gtest/gtest.h>

#include <vector>

namespace hort::chunker {
namespace {

// restic's test polynomial (restic/chunker chunker_test.go).
constexpr Pol kTestPol = 0x3DA3358B4DC173ull;

TEST(Polynomial, Irreducibility) {
  EXPECT_TRUE(PolIrreducible(kTestPol));
  EXPECT_FALSE(PolIrreducible(0x3DA3358B4DC172ull));  // divisible by x
  EXPECT_FALSE(PolIrreducible(0b101));                 // x^2+1 = (x+1)^2
  EXPECT_TRUE(PolIrreducible(0b111));                  // x^2+x+1
  Pol r = RandomPolynomial();
  EXPECT_EQ(PolDeg(r), 53);
  EXPECT_TRUE(PolIrreducible(r));
}

TEST(Polynomial, ModAndMul) {
  EXPECT_EQ(PolMod(0b1011, 0b11), 1u);        // (x^3+x+1) mod (x+1) = 1
  // (x+1)^2 = x^2+1 ≡ x (mod x^2+x+1)
  EXPECT_EQ(PolMulMod(0b11, 0b11, 0b111), 0b10u);
}

std::vector<uint8_t> Lcg(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  uint64_t s = seed;
  for (auto& b : v) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    b = static_cast<uint8_t>(s >> 56);
  }
  return v;
}

std::vector<size_t> Cuts(Chunker& c, std::span<const uint8_t> data, size_t feed) {
  std::vector<size_t> lengths;
  c.Reset();
  size_t pos = 0, start = 0;
  while (pos < data.size()) {
    bool cut = false;
    size_t n = c.Scan(data.subspan(pos, std::min(feed, data.size() - pos)), &cut);
    pos += n;
    if (cut) {
      lengths.push_back(pos - start);
      start = pos;
    }
  }
  if (pos > start) lengths.push_back(pos - start);
  return lengths;
}

TEST(Chunker, CutsRespectBoundsAndDoNotDependOnFeedSize) {
  auto tables = std::make_shared<Tables>(kTestPol);
  Chunker c(tables);
  auto data = Lcg(24 << 20, 7);
  auto a = Cuts(c, data, 1 << 20);
  auto b = Cuts(c, data, 4093);
  EXPECT_EQ(a, b);
  ASSERT_GT(a.size(), 3u);
  size_t total = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    total += a[i];
    EXPECT_LE(a[i], kMaxSize);
    if (i + 1 < a.size()) {
      EXPECT_GE(a[i], kMinSize);
    }
  }
  EXPECT_EQ(total, data.size());
}

TEST(Chunker, ZerosCutAtMaxSize) {
  // A run of zeros keeps the digest constant and non-zero masked bits ⇒ max-size chunks,
  // or cuts right at min size; either way the chunking is deterministic.
  auto tables = std::make_shared<Tables>(kTestPol);
  Chunker c(tables);
  std::vector<uint8_t> zeros(20 << 20, 0);
  auto a = Cuts(c, zeros, 1 << 16);
  auto b = Cuts(c, zeros, 1 << 20);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace hort::chunker
