#include "crypto/secrets.h"

#include <gtest/gtest.h>

#include "util/hex.h"

namespace hort::crypto {
namespace {

TEST(HmacSha256, MatchesRfc4231Case2) {
  auto mac = HmacSha256(AsBytes("Jefe"), AsBytes("what do ya want for nothing?"));
  EXPECT_EQ(HexEncode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(ConstantTimeEqual, ComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEqual("s3cret-token", "s3cret-token"));
  EXPECT_FALSE(ConstantTimeEqual("s3cret-token", "s3cret-tokeN"));
  EXPECT_FALSE(ConstantTimeEqual("s3cret-token", "s3cret-token2"));
  EXPECT_FALSE(ConstantTimeEqual("", "x"));
  EXPECT_TRUE(ConstantTimeEqual("", ""));
}

TEST(Bcrypt, VerifiesItsOwnAndHtpasswdHashes) {
  auto hash = HashBcrypt("correct horse", 4);
  ASSERT_TRUE(hash.ok()) << hash.status().message();
  EXPECT_TRUE(hash->starts_with("$2b$04$"));
  EXPECT_TRUE(*VerifyBcrypt("correct horse", *hash));
  EXPECT_FALSE(*VerifyBcrypt("correct horsE", *hash));
  EXPECT_FALSE(*VerifyBcrypt(std::string("correct horse\0x", 15), *hash));
  // The $2y$ prefix `htpasswd -B` writes (this one from Python's crypt module
  // with a fixed salt).
  const std::string y = "$2y$04$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e";
  EXPECT_TRUE(*VerifyBcrypt("correct horse", y));
  EXPECT_FALSE(*VerifyBcrypt("wrong horse", y));
}

TEST(Bcrypt, RefusesWhatIsNotBcrypt) {
  EXPECT_EQ(VerifyBcrypt("pw", "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(VerifyBcrypt("pw", "$apr1$abc$def").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(VerifyBcrypt("pw", "plain").status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace hort::crypto
