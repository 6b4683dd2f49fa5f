#include "volumes/codec.h"

#include <gtest/gtest.h>

#include <lz4frame.h>

#include "volumes/layout.h"

namespace hort::volumes {
namespace {

std::vector<uint8_t> Pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& b : v) {
    x = x * 1103515245u + 12345u;
    b = static_cast<uint8_t>((x >> 16) & 0x0f);  // compressible but not trivial
  }
  return v;
}

TEST(CodecTest, EveryCodecRoundTripsAndVerifies) {
  const auto block = Pattern(kDefaultBlockSize, 7);
  const std::string sum = LonghornChecksum(block);
  for (Codec c : {Codec::kLz4, Codec::kGzip, Codec::kNone}) {
    auto stored = CompressBlock(c, block);
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    std::vector<uint8_t> out(kDefaultBlockSize);
    Status s = DecodeAndVerifyBlock(c, *stored, out, sum, "b");
    EXPECT_TRUE(s.ok()) << CodecName(c) << ": " << s.ToString();
    EXPECT_EQ(out, block);
  }
}

TEST(CodecTest, Lz4FrameHasPierrecDefaults) {
  auto stored = CompressBlock(Codec::kLz4, Pattern(kDefaultBlockSize, 1));
  ASSERT_TRUE(stored.ok());
  ASSERT_GE(stored->size(), 7u);
  EXPECT_EQ((*stored)[0], 0x04);
  EXPECT_EQ((*stored)[3], 0x18);
  EXPECT_EQ((*stored)[4], 0x64);  // FLG: v01, independent blocks, content checksum
  EXPECT_EQ((*stored)[5], 0x70);  // BD: 4 MiB blocks
}

TEST(CodecTest, TheOtherCodecIsTriedAsLonghornDoes) {
  const auto block = Pattern(kDefaultBlockSize, 3);
  auto gz = CompressBlock(Codec::kGzip, block);
  auto lz = CompressBlock(Codec::kLz4, block);
  ASSERT_TRUE(gz.ok() && lz.ok());
  std::vector<uint8_t> out(kDefaultBlockSize);
  EXPECT_TRUE(DecompressBlock(Codec::kLz4, *gz, out, "b").ok());
  EXPECT_TRUE(DecompressBlock(Codec::kGzip, *lz, out, "b").ok());
}

TEST(CodecTest, ABlockLargerThanTheBlockSizeIsRefused) {
  const std::vector<uint8_t> big(kDefaultBlockSize + 1, 0);
  for (Codec c : {Codec::kLz4, Codec::kGzip, Codec::kNone}) {
    auto stored = CompressBlock(c, big);
    ASSERT_TRUE(stored.ok());
    std::vector<uint8_t> out(kDefaultBlockSize);
    Status s = DecompressBlock(c, *stored, out, "bomb");
    EXPECT_EQ(s.code(), Code::kCorruption) << CodecName(c);
  }
}

TEST(CodecTest, ShortTruncatedAndFlippedBlocksAreCorrupt) {
  const auto block = Pattern(kDefaultBlockSize, 9);
  const std::string sum = LonghornChecksum(block);
  std::vector<uint8_t> out(kDefaultBlockSize);
  auto short_block = CompressBlock(Codec::kLz4, std::vector<uint8_t>(1000, 1));
  EXPECT_EQ(DecompressBlock(Codec::kLz4, *short_block, out, "b").code(), Code::kCorruption);
  auto lz = CompressBlock(Codec::kLz4, block);
  auto truncated = *lz;
  truncated.resize(truncated.size() / 2);
  EXPECT_EQ(DecompressBlock(Codec::kLz4, truncated, out, "b").code(), Code::kCorruption);
  auto none = CompressBlock(Codec::kNone, block);
  (*none)[100] ^= 1;
  EXPECT_EQ(DecodeAndVerifyBlock(Codec::kNone, *none, out, sum, "b").code(), Code::kCorruption);
  EXPECT_EQ(DecompressBlock(Codec::kGzip, std::vector<uint8_t>{1, 2, 3}, out, "b").code(), Code::kCorruption);
}

// The backup compresses into pooled buffers of CompressBound bytes: random
// (incompressible) blocks of both block sizes fit for every codec.
TEST(CodecTest, IncompressibleBlocksFitTheBound) {
  for (size_t size : {kDefaultBlockSize, size_t{16} << 20}) {
    std::vector<uint8_t> block(size);
    uint64_t x = 88172645463325252ull;
    for (auto& b : block) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      b = static_cast<uint8_t>(x);
    }
    const std::string sum = LonghornChecksum(block);
    std::vector<uint8_t> buffer(CompressBound(size));
    for (Codec c : {Codec::kLz4, Codec::kGzip, Codec::kNone}) {
      auto n = CompressBlockInto(c, block, buffer);
      ASSERT_TRUE(n.ok()) << CodecName(c) << ": " << n.status().ToString();
      EXPECT_GE(*n, size) << CodecName(c);
      std::vector<uint8_t> out(size);
      EXPECT_TRUE(DecodeAndVerifyBlock(c, std::span<const uint8_t>(buffer.data(), *n), out, sum, "b").ok());
    }
    EXPECT_FALSE(CompressBlockInto(Codec::kNone, block, std::span<uint8_t>(buffer.data(), size - 1)).ok());
  }
}

TEST(CodecTest, UnknownMethodsAreUnsupportedAndEmptyIsGzip) {
  EXPECT_EQ(*ParseCodec(""), Codec::kGzip);
  EXPECT_EQ(*ParseCodec("lz4"), Codec::kLz4);
  EXPECT_EQ(ParseCodec("zstd").status().code(), Code::kUnsupported);
}

}  // namespace
}  // namespace hort::volumes
