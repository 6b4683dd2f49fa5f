// Conformance tests every backend must pass (S3 and REST join in later).
#include <gtest/gtest.h>

#include <filesystem>

#include "backend/backend.h"
#include "util/hex.h"

namespace hort {
namespace {

class BackendConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "mem") {
      be_ = NewMemBackend();
    } else {
      dir_ = std::filesystem::temp_directory_path() / ("hort-be-" + std::to_string(::getpid()));
      std::filesystem::remove_all(dir_);
      be_ = NewLocalBackend(dir_.string());
    }
    ASSERT_TRUE(be_->Create().ok());
  }
  void TearDown() override {
    if (!dir_.empty()) {
      std::filesystem::permissions(dir_, std::filesystem::perms::owner_all);
      std::filesystem::remove_all(dir_);
    }
  }
  std::unique_ptr<Backend> be_;
  std::filesystem::path dir_;
};

std::string Name(int i) {
  char buf[65];
  std::snprintf(buf, sizeof(buf), "%064x", i);
  return buf;
}

TEST_P(BackendConformance, SaveLoadStatListRemove) {
  std::string payload = "0123456789";
  Handle h{FileType::kPack, Name(42)};
  ASSERT_TRUE(be_->Save(h, AsBytes(payload)).ok());
  auto all = be_->Load(h);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(AsChars(*all), payload);
  auto part = be_->Load(h, 3, 4);
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(AsChars(*part), "3456");
  EXPECT_EQ(be_->Load(h, 8, 5).status().code(), Code::kCorruption);
  EXPECT_EQ(*be_->Stat(h), 10u);
  int count = 0;
  ASSERT_TRUE(be_->List(FileType::kPack, [&](const std::string& n, uint64_t s) {
    EXPECT_EQ(n, h.name);
    EXPECT_EQ(s, 10u);
    ++count;
  }).ok());
  EXPECT_EQ(count, 1);
  ASSERT_TRUE(be_->Remove(h).ok());
  EXPECT_EQ(be_->Load(h).status().code(), Code::kNotFound);
  EXPECT_EQ(be_->Stat(h).status().code(), Code::kNotFound);
}

TEST_P(BackendConformance, ListsManyNamesPerType) {
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(be_->Save({FileType::kSnapshot, Name(i)}, AsBytes("x")).ok());
  }
  ASSERT_TRUE(be_->Save({FileType::kIndex, Name(1)}, AsBytes("y")).ok());
  int count = 0;
  ASSERT_TRUE(be_->List(FileType::kSnapshot, [&](const std::string&, uint64_t) { ++count; }).ok());
  EXPECT_EQ(count, 300);
  EXPECT_EQ(be_->Create().code(), Code::kOk);  // no config yet: creating again is fine
  ASSERT_TRUE(be_->Save({FileType::kConfig, ""}, AsBytes("c")).ok());
  EXPECT_EQ(be_->Create().code(), Code::kAlreadyExists);
}

INSTANTIATE_TEST_SUITE_P(All, BackendConformance, ::testing::Values("mem", "local"));

}  // namespace
}  // namespace hort
