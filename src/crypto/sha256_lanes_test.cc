#include "crypto/sha256_lanes.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "util/test_bytes.h"

namespace hort::crypto {
namespace {

// Lengths around every padding case (55/56/63/64 bytes into a block) and
// runs of whole blocks where one lane ends long before the other.
const std::vector<size_t> kLengths = {0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096, 100003};

TEST(Sha256Lanes, ThisMachineInterleaves) {
  // The benchmark figures assume SHA-NI; without it kBest is OpenSSL's
  // one-at-a-time path and every other test here checks that path.
  std::cout << "SHA-NI lanes: " << (Sha256LanesAccelerated() ? "yes" : "no (OpenSSL fallback)") << "\n";
  EXPECT_EQ(Sha256Pair({}, {}).first, Sha256({}));
}

TEST(Sha256Lanes, PairMatchesOpenSslForEveryLengthCombination) {
  for (size_t la : kLengths) {
    for (size_t lb : kLengths) {
      auto a = SeededBytes(la, static_cast<uint32_t>(la));
      auto b = SeededBytes(lb, static_cast<uint32_t>(lb + 7));
      auto [da, db] = Sha256Pair(a, b);
      ASSERT_EQ(da, Sha256(a)) << la << "/" << lb;
      ASSERT_EQ(db, Sha256(b)) << la << "/" << lb;
    }
  }
}

TEST(Sha256Lanes, KnownVector) {
  const std::string abc = "abc";
  auto [d, empty] = Sha256Pair(std::span(reinterpret_cast<const uint8_t*>(abc.data()), abc.size()), {});
  EXPECT_EQ(d[0], 0xba);
  EXPECT_EQ(d[31], 0xad);
  EXPECT_EQ(empty[0], 0xe3);  // SHA-256("") = e3b0c442...
  EXPECT_EQ(empty[31], 0x55);
}

// A stream fed in uneven pieces, each piece taken in alongside a separate
// message, equals the hash of the whole; every message hashes on its own.
TEST(Sha256Lanes, StreamAlongsideMessages) {
  const auto pool = SeededBytes(200000, 99);
  for (Sha256Kernel kernel : {Sha256Kernel::kBest, Sha256Kernel::kOpenSsl}) {
    for (uint32_t seed = 1; seed <= 40; ++seed) {
      std::mt19937 rng(seed);
      auto whole = SeededBytes(rng() % (seed % 2 ? 30000 : 300000), seed);
      Sha256Stream stream(kernel);
      size_t at = 0;
      while (at < whole.size()) {
        const size_t piece = std::min<size_t>(whole.size() - at, rng() % (seed % 2 ? 200 : 70000));
        const std::span<const uint8_t> more(whole.data() + at, piece);
        at += piece;
        if (rng() % 3 == 0) {
          stream.Update(more);
          continue;
        }
        const size_t from = rng() % 100000;
        const std::span<const uint8_t> message(pool.data() + from, rng() % 90000);
        ASSERT_EQ(stream.UpdateAlongside(more, message), Sha256(message)) << seed << " at " << at;
      }
      ASSERT_EQ(stream.Final(), Sha256(whole)) << seed;
    }
  }
}

TEST(Sha256Lanes, StreamWithNothingTakenIn) {
  Sha256Stream stream;
  auto message = SeededBytes(777, 3);
  EXPECT_EQ(stream.UpdateAlongside({}, message), Sha256(message));
  EXPECT_EQ(stream.UpdateAlongside({}, {}), Sha256({}));
  EXPECT_EQ(stream.Final(), Sha256({}));
}

}  // namespace
}  // namespace hort::crypto
