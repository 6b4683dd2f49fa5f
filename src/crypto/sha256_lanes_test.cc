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

// Messages of every padding case and of very different sizes, each started
// as soon as a lane is free: every digest is the message's own, whichever
// lane it ran in and whatever ran beside it.
TEST(Sha256Lanes, LanePairKeepsBothLanesFullAndEveryDigestRight) {
  std::vector<std::vector<uint8_t>> messages;
  for (size_t len : kLengths) messages.push_back(SeededBytes(len, static_cast<uint32_t>(len + 11)));
  std::mt19937 rng(5);
  for (int i = 0; i < 40; ++i) messages.push_back(SeededBytes(rng() % 300000, static_cast<uint32_t>(i)));
  for (Sha256Kernel kernel : {Sha256Kernel::kBest, Sha256Kernel::kOpenSsl}) {
    Sha256LanePair pair(kernel);
    size_t next = 0;
    std::array<size_t, 2> in_lane{};
    auto start = [&](int lane) {
      if (next == messages.size()) return;
      in_lane[static_cast<size_t>(lane)] = next;
      pair.Start(lane, messages[next++]);
    };
    start(0);
    start(1);
    size_t finished = 0;
    while (auto done = pair.Run()) {
      const auto [lane, digest] = *done;
      ASSERT_EQ(digest, Sha256(messages[in_lane[static_cast<size_t>(lane)]])) << "message " << in_lane[lane];
      ++finished;
      start(lane);
    }
    EXPECT_EQ(finished, messages.size());
  }
}

// check's use: a pack's bytes go into a stream in one lane, in uneven
// pieces, while messages run through the other lane and then through both;
// the stream's digest is the whole's, every message's its own.
TEST(Sha256Lanes, LanePairTakesAStreamBesideMessages) {
  for (Sha256Kernel kernel : {Sha256Kernel::kBest, Sha256Kernel::kOpenSsl}) {
    for (uint32_t seed = 1; seed <= 30; ++seed) {
      std::mt19937 rng(seed);
      const auto whole = SeededBytes(rng() % 400000, seed);
      std::vector<std::vector<uint8_t>> messages;
      for (int i = 0; i < 12; ++i) messages.push_back(SeededBytes(rng() % (seed % 2 ? 300 : 90000), seed * 100 + i));
      Sha256Stream stream(kernel);
      Sha256LanePair pair(kernel);
      size_t taken = 0, next = 0;
      std::array<int, 2> holds{-1, -1};  // message index, or -2 for the stream
      auto fill = [&](int lane) {
        const bool stream_busy = holds[0] == -2 || holds[1] == -2;
        if (!stream_busy && taken < whole.size() && (next == messages.size() || rng() % 2 == 0)) {
          const size_t piece = std::min<size_t>(whole.size() - taken, 1 + rng() % 150000);
          pair.StartStream(lane, stream, std::span<const uint8_t>(whole.data() + taken, piece));
          taken += piece;
          holds[lane] = -2;
        } else if (next < messages.size()) {
          holds[lane] = static_cast<int>(next);
          pair.Start(lane, messages[next++]);
        } else {
          holds[lane] = -1;
        }
      };
      fill(0);
      fill(1);
      while (auto done = pair.Run()) {
        const auto [lane, digest] = *done;
        if (holds[lane] >= 0) {
          ASSERT_EQ(digest, Sha256(messages[holds[lane]])) << seed;
        }
        holds[lane] = -1;
        fill(lane);
      }
      ASSERT_EQ(next, messages.size());
      ASSERT_EQ(taken, whole.size()) << seed;
      ASSERT_EQ(stream.Final(), Sha256(whole)) << seed;
    }
  }
}

TEST(Sha256Lanes, LanePairWithOneLaneOrNone) {
  Sha256LanePair pair;
  EXPECT_FALSE(pair.Run().has_value());
  auto message = SeededBytes(5000, 8);
  pair.Start(1, message);
  auto done = pair.Run();
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->first, 1);
  EXPECT_EQ(done->second, Sha256(message));
  EXPECT_FALSE(pair.Run().has_value());
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
