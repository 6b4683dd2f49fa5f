// kube::QuantitySign against what apimachinery's resource.ParseQuantity
// accepts and refuses (its quantity_test.go cases and the grammar in
// quantity.go's doc comment).
#include "kube/quantity.h"

#include <gtest/gtest.h>

namespace hort::kube {
namespace {

TEST(Quantity, WhatKubeAcceptsAndItsSign) {
  for (const char* q : {"10Gi", "1", "1.5G", "500m", "1e3", "1E3", "1e+3", "1e-3", "+1Ki", ".5", "5.", "1.G",
                        "100n", "100u", "7k", "3M", "2T", "1P", "1E", "1Ei", "1e00000000000000000009"}) {
    auto s = QuantitySign(q);
    ASSERT_TRUE(s.ok()) << q << ": " << s.status().message();
    EXPECT_EQ(*s, 1) << q;
  }
  for (const char* q : {"0", "0Gi", "-0", "00.000", "-", "+", ".", "Gi"}) {
    auto s = QuantitySign(q);
    ASSERT_TRUE(s.ok()) << q << ": " << s.status().message();
    EXPECT_EQ(*s, 0) << q;
  }
  for (const char* q : {"-1Gi", "-.5", "-1e3"}) {
    auto s = QuantitySign(q);
    ASSERT_TRUE(s.ok()) << q << ": " << s.status().message();
    EXPECT_EQ(*s, -1) << q;
  }
}

TEST(Quantity, WhatKubeRefusesWithItsOwnWords) {
  // Not of the form: ErrFormatWrong.
  for (const char* q : {"", "10XB", "10 Gi", " 10Gi", "1Gb", "1GB", "1.5.5", "1e3.5", "1Gi1Gi"}) {
    auto s = QuantitySign(q);
    ASSERT_FALSE(s.ok()) << q;
    EXPECT_NE(s.status().message().find("quantities must match the regular expression"), std::string::npos) << q;
  }
  // Of the form, but no suffix kube knows: ErrSuffix ("1+" and "--1" too: the sign and digits after the
  // suffix letters are read as an exponent, then refused as a suffix).
  for (const char* q : {"1Ki3", "1K", "1e", "1ee3", "1i", "1mi", "1e99999999999999999999", "1e+",
                        "1+", "--1"}) {
    auto s = QuantitySign(q);
    ASSERT_FALSE(s.ok()) << q;
    EXPECT_EQ(s.status().message(), "unable to parse quantity's suffix") << q;
  }
}

TEST(Quantity, AStorageSizeIsAQuantityAboveZero) {
  EXPECT_EQ(StorageSizeProblem("10Gi"), "");
  EXPECT_EQ(StorageSizeProblem("1.5G"), "");
  EXPECT_EQ(StorageSizeProblem("0"), "must be greater than zero");
  EXPECT_EQ(StorageSizeProblem("-1Gi"), "must be greater than zero");
  EXPECT_EQ(StorageSizeProblem("1K"), "unable to parse quantity's suffix");
}

}  // namespace
}  // namespace hort::kube
