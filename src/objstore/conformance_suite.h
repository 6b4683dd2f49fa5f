// The one ObjectStore conformance suite: every store (mem, local, S3 on Ceph
// RGW path-style and virtual-hosted, Swift's s3api) passes the same tests.
// Included by exactly one test file per test binary, which defines
// MakeConformanceStore and instantiates the suite.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "objstore/object_store.h"
#include "util/hex.h"

namespace hort {

// Returns a store on fresh, empty storage of the given kind.
std::unique_ptr<ObjectStore> MakeConformanceStore(const std::string& kind);

class StoreConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    store_ = MakeConformanceStore(GetParam());
    ASSERT_NE(store_, nullptr);
    Status s = store_->Create({});
    ASSERT_TRUE(s.ok()) << s.message();
  }
  // key → size of everything listed under `prefix`.
  std::map<std::string, uint64_t> Listed(const std::string& prefix) {
    std::map<std::string, uint64_t> out;
    Status s = store_->List(prefix, [&](const std::string& key, uint64_t size) {
      EXPECT_TRUE(out.emplace(key, size).second) << "listed twice: " << key;
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return out;
  }
  void Put(const std::string& key, const std::string& data) {
    Status s = store_->Save(key, AsBytes(data));
    ASSERT_TRUE(s.ok()) << key << ": " << s.message();
  }
  std::unique_ptr<ObjectStore> store_;
};

TEST_P(StoreConformance, SaveLoadStatRemove) {
  Put("data/ab/abcdef", "0123456789");
  auto all = store_->Load("data/ab/abcdef");
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(AsChars(*all), "0123456789");
  EXPECT_EQ(*store_->Stat("data/ab/abcdef"), 10u);
  ASSERT_TRUE(store_->Remove("data/ab/abcdef").ok());
  EXPECT_EQ(store_->Load("data/ab/abcdef").status().code(), Code::kNotFound);
  EXPECT_EQ(store_->Stat("data/ab/abcdef").status().code(), Code::kNotFound);
  EXPECT_TRUE(Listed("data/").empty());
}

TEST_P(StoreConformance, RangeLoads) {
  Put("obj", "0123456789");
  EXPECT_EQ(AsChars(*store_->Load("obj", 3, 4)), "3456");
  EXPECT_EQ(AsChars(*store_->Load("obj", 7, 0)), "789");
  EXPECT_EQ(AsChars(*store_->Load("obj", 9, 1)), "9");
  EXPECT_FALSE(store_->Load("obj", 8, 5).ok());  // past the end: never a silent short read
  std::vector<uint8_t> buf(4, 'x');
  ASSERT_TRUE(store_->LoadInto("obj", 3, buf).ok());
  EXPECT_EQ(AsChars(buf), "3456");
  std::vector<uint8_t> whole(10);
  ASSERT_TRUE(store_->LoadInto("obj", 0, whole).ok());
  EXPECT_EQ(AsChars(whole), "0123456789");
  EXPECT_TRUE(store_->LoadInto("obj", 10, std::span<uint8_t>()).ok());
  std::vector<uint8_t> past(5);
  EXPECT_FALSE(store_->LoadInto("obj", 8, past).ok());
}

TEST_P(StoreConformance, MissingKeysAreNotFound) {
  EXPECT_EQ(store_->Load("nothing/here").status().code(), Code::kNotFound);
  EXPECT_EQ(store_->Load("nothing/here", 2, 3).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->Stat("nothing").status().code(), Code::kNotFound);
  // S3 answers a DELETE of a missing key with success: either is allowed.
  Status removed = store_->Remove("nothing");
  EXPECT_TRUE(removed.ok() || removed.code() == Code::kNotFound) << removed.message();
  std::vector<uint8_t> buf(3);
  EXPECT_EQ(store_->LoadInto("nothing", 0, buf).code(), Code::kNotFound);
  // A "folder" that holds objects is not an object itself.
  Put("dir/file", "x");
  EXPECT_EQ(store_->Stat("dir").status().code(), Code::kNotFound);
}

TEST_P(StoreConformance, ListsByPrefixAtEveryDepth) {
  Put("config", "c");
  Put("keys/k1", "k1");
  Put("data/ab/ab01", "pack1");
  Put("data/ab/ab02", "pack02");
  Put("data/cd/cd01", "p3");
  Put("backupstore/volumes/ab/cd/vol/volume.cfg", "{}");
  Put("backupstore/volumes/ab/cd/vol/backups/backup_1.cfg", "{\"b\":1}");
  Put("database", "not under data/");
  EXPECT_EQ(Listed("data/"), (std::map<std::string, uint64_t>{{"data/ab/ab01", 5}, {"data/ab/ab02", 6}, {"data/cd/cd01", 2}}));
  EXPECT_EQ(Listed("data/ab/"), (std::map<std::string, uint64_t>{{"data/ab/ab01", 5}, {"data/ab/ab02", 6}}));
  EXPECT_EQ(Listed("data/ab/ab0"), (std::map<std::string, uint64_t>{{"data/ab/ab01", 5}, {"data/ab/ab02", 6}}));
  EXPECT_EQ(Listed("data").size(), 4u);  // a plain string prefix: database too
  EXPECT_EQ(Listed("backupstore/volumes/").size(), 2u);
  EXPECT_EQ(Listed("backupstore/volumes/ab/cd/vol/backups/").size(), 1u);
  EXPECT_EQ(Listed("config"), (std::map<std::string, uint64_t>{{"config", 1}}));
  EXPECT_EQ(Listed("").size(), 8u);
  EXPECT_TRUE(Listed("index/").empty());
  EXPECT_TRUE(Listed("data/ef/").empty());
  EXPECT_TRUE(Listed("nowhere/at/all/").empty());
}

TEST_P(StoreConformance, SaveReplacesWholeObjects) {
  Put("locks/l1", "a much longer first version");
  Put("locks/l1", "short");
  EXPECT_EQ(AsChars(*store_->Load("locks/l1")), "short");
  EXPECT_EQ(*store_->Stat("locks/l1"), 5u);
  EXPECT_EQ(Listed("locks/"), (std::map<std::string, uint64_t>{{"locks/l1", 5}}));
  Put("empty", "");
  EXPECT_EQ(*store_->Stat("empty"), 0u);
  EXPECT_TRUE(store_->Load("empty")->empty());
}

TEST_P(StoreConformance, RejectsKeysOutsideTheStore) {
  for (const char* bad : {"", "/abs", "a//b", "a/../b", "..", "./a", "a/", "a/."}) {
    EXPECT_EQ(store_->Save(bad, AsBytes("x")).code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Load(bad).status().code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Stat(bad).status().code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Remove(bad).code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_EQ(store_->List("../", [](const std::string&, uint64_t) {}).code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->List("/data", [](const std::string&, uint64_t) {}).code(), Code::kInvalidArgument);
}

TEST_P(StoreConformance, LargeObjects) {
  std::vector<uint8_t> big(20u << 20);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 2654435761u >> 13);
  ASSERT_TRUE(store_->Save("data/99/big", big).ok());
  auto back = store_->Load("data/99/big");
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(*back == big);
  std::vector<uint8_t> mid(1 << 20);
  ASSERT_TRUE(store_->LoadInto("data/99/big", 10u << 20, mid).ok());
  EXPECT_TRUE(std::equal(mid.begin(), mid.end(), big.begin() + (10 << 20)));
  EXPECT_EQ(*store_->Stat("data/99/big"), big.size());
}

// Streaming uploads, where a store has them: nothing is visible before
// Commit, and a dropped upload leaves nothing behind.
TEST_P(StoreConformance, StreamingUploadIsNamedAtCommit) {
  auto up = store_->BeginUpload("data");
  if (!up) return;  // this store takes whole objects only (Save)
  std::string all;
  for (size_t piece : {size_t{1}, size_t{4095}, size_t{3 << 20}, size_t{7}}) {
    std::string d(piece, static_cast<char>('a' + piece % 26));
    ASSERT_TRUE(up->Append(AsBytes(d)).ok());
    all += d;
  }
  EXPECT_TRUE(Listed("").empty());
  ASSERT_TRUE(up->Commit("data/ee/streamed", std::nullopt).ok());
  EXPECT_EQ(AsChars(*store_->Load("data/ee/streamed")), all);
  {
    auto dropped = store_->BeginUpload("data");
    ASSERT_NE(dropped, nullptr);
    ASSERT_TRUE(dropped->Append(AsBytes(all)).ok());
  }
  EXPECT_EQ(Listed(""), (std::map<std::string, uint64_t>{{"data/ee/streamed", all.size()}}));
}

TEST_P(StoreConformance, ConcurrentSavesAndAPagedListing) {
  const int n = 1100;  // more than one S3 listing page
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < n; i += 8) {
        std::string key = "index/" + std::to_string(i);
        if (!store_->Save(key, AsBytes(key)).ok()) failures++;
        auto back = store_->Load(key);
        if (!back.ok() || AsChars(*back) != key) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  auto listed = Listed("index/");
  EXPECT_EQ(listed.size(), static_cast<size_t>(n));
  EXPECT_EQ(listed["index/1000"], 10u);
}

}  // namespace hort
