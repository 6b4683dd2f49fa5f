// The one backend conformance suite (restic's idea: every backend passes the
// same tests). Included by exactly one test file per test binary, which
// defines MakeConformanceBackend and instantiates the suite.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "backend/backend.h"
#include "util/hex.h"

namespace hort {

// Returns a backend on fresh, empty storage for the given kind.
std::unique_ptr<Backend> MakeConformanceBackend(const std::string& kind);

class BackendConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    be_ = MakeConformanceBackend(GetParam());
    ASSERT_NE(be_, nullptr);
    Status s = be_->Create();
    ASSERT_TRUE(s.ok()) << s.message();
  }
  static std::string Name(int i) {
    char buf[65];
    std::snprintf(buf, sizeof(buf), "%064x", i);
    return buf;
  }
  std::unique_ptr<Backend> be_;
};

TEST_P(BackendConformance, SaveLoadStatListRemove) {
  std::string payload = "0123456789";
  Handle h{FileType::kPack, Name(42)};
  ASSERT_TRUE(be_->Save(h, AsBytes(payload)).ok());
  auto all = be_->Load(h);
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(AsChars(*all), payload);
  auto part = be_->Load(h, 3, 4);
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(AsChars(*part), "3456");
  auto tail = be_->Load(h, 7, 0);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(AsChars(*tail), "789");
  EXPECT_FALSE(be_->Load(h, 8, 5).ok());
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

// LoadInto fills the caller's buffer with exactly the bytes Load returns,
// and fails (never fills part silently) past the end or for a missing object.
TEST_P(BackendConformance, LoadIntoReadsExactRanges) {
  std::string payload = "0123456789";
  Handle h{FileType::kPack, Name(43)};
  ASSERT_TRUE(be_->Save(h, AsBytes(payload)).ok());
  std::vector<uint8_t> buf(4, 'x');
  Status s = be_->LoadInto(h, 3, buf);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(AsChars(buf), "3456");
  std::vector<uint8_t> all(10);
  ASSERT_TRUE(be_->LoadInto(h, 0, all).ok());
  EXPECT_EQ(AsChars(all), payload);
  EXPECT_TRUE(be_->LoadInto(h, 10, std::span<uint8_t>()).ok());
  std::vector<uint8_t> past(5);
  EXPECT_FALSE(be_->LoadInto(h, 8, past).ok());
  EXPECT_FALSE(be_->LoadInto({FileType::kPack, Name(44)}, 0, buf).ok());
}

TEST_P(BackendConformance, MissingObjects) {
  Handle h{FileType::kSnapshot, Name(7)};
  EXPECT_EQ(be_->Load(h).status().code(), Code::kNotFound);
  EXPECT_EQ(be_->Stat(h).status().code(), Code::kNotFound);
  EXPECT_EQ(be_->Stat({FileType::kConfig, ""}).status().code(), Code::kNotFound);
  int count = 0;
  ASSERT_TRUE(be_->List(FileType::kLock, [&](const std::string&, uint64_t) { ++count; }).ok());
  EXPECT_EQ(count, 0);
}

TEST_P(BackendConformance, ConfigAndLargeObjects) {
  ASSERT_TRUE(be_->Save({FileType::kConfig, ""}, AsBytes("cfg")).ok());
  EXPECT_EQ(AsChars(*be_->Load({FileType::kConfig, ""})), "cfg");
  EXPECT_EQ(be_->Create().code(), Code::kAlreadyExists);
  std::vector<uint8_t> big(20u << 20);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 2654435761u >> 13);
  Handle h{FileType::kPack, Name(99)};
  ASSERT_TRUE(be_->Save(h, big).ok());
  auto back = be_->Load(h);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(*back == big);
  auto mid = be_->Load(h, 10u << 20, 1000);
  ASSERT_TRUE(mid.ok());
  EXPECT_TRUE(std::equal(mid->begin(), mid->end(), big.begin() + (10 << 20)));
}

TEST_P(BackendConformance, ListsThousandsOfNames) {
  const int n = 2500;  // more than one S3 listing page
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < n; i += 8) {
        if (!be_->Save({FileType::kIndex, Name(i)}, AsBytes(Name(i))).ok()) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  std::set<std::string> seen;
  ASSERT_TRUE(be_->List(FileType::kIndex, [&](const std::string& name, uint64_t size) {
    seen.insert(name);
    EXPECT_EQ(size, 64u);
  }).ok());
  EXPECT_EQ(seen.size(), static_cast<size_t>(n));
}

TEST_P(BackendConformance, ConcurrentLoadsAndSaves) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        Handle h{FileType::kPack, Name(1000 + t * 100 + i)};
        std::string data(1000 + i * 37, static_cast<char>('a' + t));
        if (!be_->Save(h, AsBytes(data)).ok()) failures++;
        auto back = be_->Load(h);
        if (!back.ok() || AsChars(*back) != data) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace hort
