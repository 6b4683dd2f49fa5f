#include "chunker/chunker.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "util/hex.h"

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

// Feeds `data` to the chunker in pieces of the given sizes, cycled.
std::vector<size_t> Cuts(Chunker& c, std::span<const uint8_t> data, const std::vector<size_t>& feeds) {
  std::vector<size_t> lengths;
  c.Reset();
  size_t pos = 0, start = 0;
  for (size_t call = 0; pos < data.size(); ++call) {
    bool cut = false;
    size_t feed = feeds[call % feeds.size()];
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

std::vector<size_t> Cuts(Chunker& c, std::span<const uint8_t> data, size_t feed) {
  return Cuts(c, data, std::vector<size_t>{feed});
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

// restic's chunker as written: every byte through the window from the reset
// on, no skipped prefix, one stream. hort's Scan skips and searches in lanes.
std::vector<size_t> ReferenceCuts(const Tables& t, std::span<const uint8_t> data) {
  std::vector<size_t> lengths;
  std::array<uint8_t, kWindowSize> window{};
  size_t wpos = 0, count = 0;
  uint64_t digest = 0;
  auto slide = [&](uint8_t b) {
    uint8_t out = window[wpos];
    window[wpos] = b;
    wpos = (wpos + 1) % kWindowSize;
    digest ^= t.out[out];
    digest = ((digest << 8) | b) ^ t.mod[static_cast<uint8_t>(digest >> t.pol_shift)];
  };
  auto reset = [&] {
    window.fill(0);
    wpos = count = 0;
    digest = 0;
    slide(1);
  };
  reset();
  for (uint8_t b : data) {
    slide(b);
    ++count;
    if (count >= kMinSize && ((digest & kSplitMask) == 0 || count >= kMaxSize)) {
      lengths.push_back(count);
      reset();
    }
  }
  if (count > 0) lengths.push_back(count);
  return lengths;
}

// Random stretches (content cuts), a long run of zeros (max-size cuts) and
// short repeating text, fed in sizes around the window, the lanes' stretch
// and the backup's 1 MiB reads.
TEST(Chunker, LanesMatchTheSerialAlgorithmForAnyFeed) {
  auto tables = std::make_shared<Tables>(kTestPol);
  Chunker c(tables);
  std::vector<uint8_t> data = Lcg(13 << 20, 3);
  data.insert(data.end(), 19 << 20, 0);
  for (int i = 0; data.size() < (44u << 20); ++i) {
    std::string line = "line " + std::to_string(i % 977) + " of some text\n";
    data.insert(data.end(), line.begin(), line.end());
  }
  auto more = Lcg(9 << 20, 11);
  data.insert(data.end(), more.begin(), more.end());
  auto expected = ReferenceCuts(*tables, data);
  ASSERT_GT(expected.size(), 10u);
  for (size_t feed : {size_t{63}, size_t{64}, size_t{65}, size_t{4095}, size_t{4097}, size_t{65553}, size_t{1} << 20,
                      (size_t{1} << 20) + 4160, data.size()}) {
    EXPECT_EQ(Cuts(c, data, feed), expected) << "feed " << feed;
  }
  // Long pieces searched in lanes followed by runs of short ones scanned byte
  // by byte: the window carried out of a lane search must be restic's.
  std::vector<size_t> mixed = {200000};
  mixed.insert(mixed.end(), 300, 3000);
  mixed.push_back(70001);
  mixed.insert(mixed.end(), 200, 65);
  EXPECT_EQ(Cuts(c, data, mixed), expected) << "mixed feeds";
  std::span<const uint8_t> head(data.data(), 3 << 20);
  EXPECT_EQ(Cuts(c, head, 1), ReferenceCuts(*tables, head));
}

// Cut points restic 0.14 produced for the same data and polynomial: restic
// backed up Lcg(24 MiB, seed 7) into a repository with polynomial
// 0x243acab33e5839 and these are its data blobs in file order (length, ID).
TEST(Chunker, MatchesResticCutPoints) {
  struct Cut {
    size_t length;
    const char* id;
  };
  static const Cut kResticCuts[] = {
      {2471529, "642a41b91672271bab2e41b0430fe0909fdc313946a86795808893608135bc71"},
      {1688413, "6069aeb23a1ecf5e25b6a6ea30a9e3efd9e1da24336adb5c51ae22c4ec26ced5"},
      {1290210, "1a05c2c6616bc3f2718a326b42d18153a112ff73a83547cce8696d51cfcc5f5d"},
      {2553808, "bab85766a69d8fb45cd0b25a5f397ff2a54d4bd0c4bdc3d364659a36964691af"},
      {3706221, "cb6a3c84164f85102f1df23bd267a9f3e00f8989fe14bd0ccfa1a3c2327144ae"},
      {1582012, "c0af4d2d6babfdef24c65ab382108f002957427124d21cc3a5eae57cc73a440e"},
      {878836, "f90310414abc02912259bb31df3e96e10ba79c7412288d0b1c92a8c63b3c8b20"},
      {591936, "a55841b1a1f8b4b54258fe08a9535a4787ca0165fd8b11214891407c574ceded"},
      {1322740, "31352f304023c53b5e90f400d69bdf7ba61ca0b42b37318ba67496869bfe29b5"},
      {3107112, "fa0a58b0550f874da4a4eafc30f23223d8adcc5cfa319a52b720ca9bb69ee558"},
      {1838523, "7407557552d7f8fd126fe3a5059ca83d3a982312bbc17bcd141176faa313c576"},
      {662670, "531c0acfb4ad457cfe94eeccd8488b46aa5ce1b5bb6d6e56a518e9fbfdd29cfe"},
      {811378, "0ec6a135aae44dd44edee07c2ca06d00e8ec3a1c4c436d0eefbaeb6f1eddd9b4"},
      {1397909, "aaa72f710470fb45141b5daae621daa7883dfc377fb20f17de3d0f29004426fe"},
      {672729, "7c84a91a7cbab9ef6d09ef8601f9e96258d6421e2676ab18f73c0709cc343c33"},
      {589798, "d461b243740921b907560e11d215bc1c1a21da2f1bbe5660f6293f51f97c8c2a"},
  };
  ASSERT_TRUE(PolIrreducible(0x243acab33e5839ull));
  Chunker c(std::make_shared<Tables>(0x243acab33e5839ull));
  auto data = Lcg(24 << 20, 7);
  auto cuts = Cuts(c, data, 1 << 20);
  ASSERT_EQ(cuts.size(), std::size(kResticCuts));
  size_t offset = 0;
  for (size_t i = 0; i < cuts.size(); ++i) {
    EXPECT_EQ(cuts[i], kResticCuts[i].length) << "chunk " << i;
    auto digest = crypto::Sha256(std::span<const uint8_t>(data).subspan(offset, cuts[i]));
    EXPECT_EQ(HexEncode(digest), kResticCuts[i].id) << "chunk " << i;
    offset += cuts[i];
  }
}

}  // namespace
}  // namespace hort::chunker
