#include "crypto/crypto.h"
#include "crypto/scrypt_romix.h"

#include <gtest/gtest.h>


#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <set>
#include <thread>

#include "util/hex.h"

namespace hort::crypto {
namespace {

std::vector<uint8_t> H(std::string_view hex) { return *HexDecode(hex); }

template <size_t N>
std::span<const uint8_t, N> S(const std::vector<uint8_t>& v) {
  return std::span<const uint8_t, N>(v.data(), N);
}

// Vectors from D. J. Bernstein, "The Poly1305-AES message-authentication code", appendix B.
TEST(Poly1305Aes, PaperVectors) {
  auto k = H("ec074c835580741701425b623235add6");
  auto r = H("851fc40c3467ac0be05cc20404f3f700");
  auto n = H("fb447350c4e868c52ac3275cf9d4327e");
  auto m = H("f3f6");
  EXPECT_EQ(HexEncode(Poly1305Aes(m, S<16>(n), S<16>(k), S<16>(r))),
            "f4c633c3044fc145f84f335cb81953de");

  auto k2 = H("75deaa25c09f208e1dc4ce6b5cad3fbf");
  auto r2 = H("a0f3080000f46400d0c7e9076c834403");
  auto n2 = H("61ee09218d29b0aaed7e154a2c5509cc");
  EXPECT_EQ(HexEncode(Poly1305Aes({}, S<16>(n2), S<16>(k2), S<16>(r2))),
            "dd3fab2251f11ac759f0887129cc2ee7");
}

TEST(Sha256, KnownVector) {
  EXPECT_EQ(HexEncode(Sha256(AsBytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256Hasher h;
  h.Update(AsBytes("a"));
  h.Update(AsBytes("bc"));
  EXPECT_EQ(HexEncode(h.Final()), HexEncode(Sha256(AsBytes("abc"))));
}

TEST(Key, EncryptDecryptRoundTrip) {
  Key key = Key::Random();
  std::string msg = "hello restic world";
  auto ct = key.Encrypt(AsBytes(msg));
  ASSERT_EQ(ct.size(), msg.size() + kOverhead);
  auto pt = key.Decrypt(ct);
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(std::string(AsChars(*pt)), msg);
}

TEST(Key, SealInPlaceMatchesDecrypt) {
  Key key = Key::Random();
  std::string msg = "sealed without a copy";
  std::vector<uint8_t> buf(kIvSize + msg.size() + kMacSize);
  std::memcpy(buf.data() + kIvSize, msg.data(), msg.size());
  key.SealInPlace(&buf);
  auto pt = key.Decrypt(buf);
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(std::string(AsChars(*pt)), msg);
}

// AES-CTR under one key must never see an IV twice. IVs come from a block
// of random bytes per thread; a forked child that kept its parent's block
// would draw the very IVs the parent draws next.
TEST(Key, IvsNeverRepeatAcrossCallsThreadsOrAFork) {
  Key key = Key::Random();
  auto next_iv = [&] {
    std::vector<uint8_t> buf(kOverhead + 1);
    key.SealInPlace(&buf);
    return std::string(buf.begin(), buf.begin() + kIvSize);
  };
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.insert(next_iv()).second) << "repeated at " << i;
  std::vector<std::string> other_thread;
  std::thread([&] {
    for (int i = 0; i < 300; ++i) other_thread.push_back(next_iv());
  }).join();
  for (const std::string& iv : other_thread) EXPECT_TRUE(seen.insert(iv).second) << "another thread repeated one";

  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string iv = next_iv();
    _exit(::write(fds[1], iv.data(), iv.size()) == static_cast<ssize_t>(iv.size()) ? 0 : 1);
  }
  std::string from_child(kIvSize, '\0');
  ASSERT_EQ(::read(fds[0], from_child.data(), from_child.size()), static_cast<ssize_t>(kIvSize));
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_EQ(from_child.size(), kIvSize);
  EXPECT_NE(from_child, next_iv()) << "the child drew the IV its parent drew next";
  EXPECT_TRUE(seen.insert(from_child).second);
}

TEST(Key, TamperingIsDetected) {
  Key key = Key::Random();
  auto ct = key.Encrypt(AsBytes("payload"));
  ct[20] ^= 1;
  EXPECT_EQ(key.Decrypt(ct).status().code(), Code::kCorruption);
  EXPECT_EQ(key.Decrypt(std::vector<uint8_t>(10)).status().code(), Code::kCorruption);
  Key other = Key::Random();
  EXPECT_FALSE(other.Decrypt(key.Encrypt(AsBytes("x"))).ok());
}

// RFC 7914 test vector 2 (N=1024, r=8, p=16).
TEST(Scrypt, Rfc7914Vector) {
  auto out = Scrypt("password", AsBytes("NaCl"), {1024, 8, 16}, 64);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(HexEncode(*out),
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
            "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
  EXPECT_FALSE(Scrypt("x", AsBytes("s"), {1000, 8, 1}, 64).ok());
  // Vector 1 (N=16, r=1, p=1, empty password and salt) and 3 (N=16384, r=8, p=1).
  auto v1 = Scrypt("", {}, {16, 1, 1}, 64);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(HexEncode(*v1),
            "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
            "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
  auto v3 = Scrypt("pleaseletmein", AsBytes("SodiumChloride"), {16384, 8, 1}, 64);
  ASSERT_TRUE(v3.ok());
  EXPECT_EQ(HexEncode(*v3),
            "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
            "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887");
}

// The SIMD derivation equals OpenSSL's for the parameter shapes keys use.
TEST(Scrypt, MatchesOpenSsl) {
  const ScryptParams cases[] = {{2, 1, 1}, {1024, 1, 3}, {4096, 8, 2}, {32768, 8, 1}, {256, 3, 5}};
  for (const ScryptParams& p : cases) {
    std::string salt = "salt-" + std::to_string(p.n);
    auto ours = Scrypt("correct horse", AsBytes(salt), p, 64);
    auto ref = ReferenceScrypt("correct horse", AsBytes(salt), p, 64);
    ASSERT_TRUE(ours.ok() && ref.ok());
    EXPECT_EQ(HexEncode(*ours), HexEncode(*ref)) << p.n << " " << p.r << " " << p.p;
  }
}

// Lanes run in parallel with every m-th V entry kept (m = lanes at once) and
// the missing ones recomputed; every split must give the sequential result
// (one lane on one core keeps every entry).
void ExpectSplitsMatchSequential(ScryptKernel kernel) {
  for (uint32_t p : {1u, 2u, 3u, 4u, 5u, 7u, 9u}) {
    std::vector<uint8_t> input(128ull * 8 * p);
    for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<uint8_t>(i * 131 + p);
    std::vector<uint8_t> sequential = input;
    ASSERT_TRUE(ScryptMixLanes(sequential, 1024, 8, p, 1, ScryptKernel::kOneLanePerCore));
    for (uint32_t parallel : {1u, 2u, 3u, 4u}) {
      std::vector<uint8_t> mixed = input;
      ASSERT_TRUE(ScryptMixLanes(mixed, 1024, 8, p, parallel, kernel));
      EXPECT_EQ(HexEncode(mixed), HexEncode(sequential)) << "p=" << p << " parallel=" << parallel;
    }
    EXPECT_NE(HexEncode(sequential), HexEncode(input));
  }
}

TEST(Scrypt, ParallelLanesMatchSequential) { ExpectSplitsMatchSequential(ScryptKernel::kOneLanePerCore); }

// Two lanes per core (AVX2): lanes of a pair usually need different numbers
// of recomputed steps, which every stride from 2 to 8 exercises; N=2 and
// r=1 check the smallest shapes.
TEST(Scrypt, PairedLanesMatchSequential) {
  if (!ScryptAvx2Available()) GTEST_SKIP() << "this CPU has no AVX2: the paired kernel cannot run here";
  ExpectSplitsMatchSequential(ScryptKernel::kBest);
  for (uint64_t n : {2ull, 4ull, 16ull}) {
    std::vector<uint8_t> input(128ull * 1 * 6, 0x5a), sequential = input, paired = input;
    for (size_t i = 0; i < input.size(); ++i) input[i] = sequential[i] = paired[i] = static_cast<uint8_t>(i * 7 + n);
    ASSERT_TRUE(ScryptMixLanes(sequential, n, 1, 6, 1, ScryptKernel::kOneLanePerCore));
    ASSERT_TRUE(ScryptMixLanes(paired, n, 1, 6, 3, ScryptKernel::kBest));
    EXPECT_EQ(HexEncode(paired), HexEncode(sequential)) << "n=" << n;
  }
}

// One lane is timed at N=2^14 and counted twice for the 2^15 of the key; a
// scripted clock keeps this independent of the machine's load.
TEST(Scrypt, CalibrationScalesOneHalfLane) {
  size_t calls = 0;
  ScryptParams p = CalibrateScrypt(500, [&](const ScryptParams& at) {
    EXPECT_EQ(at.n, 16384u);
    EXPECT_EQ(at.r, 8u);
    EXPECT_EQ(at.p, 1u);
    ++calls;
    return 36.0;
  });
  EXPECT_EQ(p.n, 32768u);
  EXPECT_EQ(p.r, 8u);
  EXPECT_EQ(p.p, 7u) << "500 ms / (2 x 36 ms) = 6.9 lanes; unscaled it would be 14";
  EXPECT_EQ(calls, 1u);
  EXPECT_EQ(CalibrateScrypt(500, [](const ScryptParams&) { return 45.0; }).p, 6u);
}

TEST(Scrypt, CalibrationClampsP) {
  EXPECT_EQ(CalibrateScrypt(500, [](const ScryptParams&) { return 0.0; }).p, 64u);
  EXPECT_EQ(CalibrateScrypt(500, [](const ScryptParams&) { return 5000.0; }).p, 1u);
}

// The real measurement yields restic's memory and a usable p.
TEST(Scrypt, CalibrationOnThisMachine) {
  ScryptParams p = CalibrateScrypt(500);
  EXPECT_EQ(p.n, 32768u);
  EXPECT_EQ(p.r, 8u);
  EXPECT_GE(p.p, 1u);
  EXPECT_LE(p.p, 64u);
}

}  // namespace
}  // namespace hort::crypto
