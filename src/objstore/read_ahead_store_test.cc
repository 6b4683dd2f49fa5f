// The read-ahead wrapper (NewReadAheadStore): what it fetched ahead reaches
// the Load that asks for it, once, and never outlives a write of its key.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "objstore/forwarding_store.h"
#include "objstore/test_temp_folder.h"
#include "objstore/wrappers.h"
#include "util/hex.h"

namespace hort {
namespace {

// Counts the reads that reached the store, each once it has read; fails the
// first `fail_first` of them; holds each read, once it has the bytes, while
// `hold` is unset.
struct CountingStore final : ForwardingStore {
  explicit CountingStore(std::unique_ptr<ObjectStore> inner = NewMemStore()) : ForwardingStore(std::move(inner)) {}
  size_t Reads() {
    std::lock_guard lock(mu);
    return loads.size();
  }
  Result<std::vector<uint8_t>> Load(const std::string& key, uint64_t offset, uint64_t length) override {
    Result<std::vector<uint8_t>> bytes = ForwardingStore::Load(key, offset, length);
    ++have_bytes;
    if (hold.valid()) hold.wait();
    std::lock_guard lock(mu);
    loads.push_back(key + "@" + std::to_string(offset) + "+" + std::to_string(length));
    if (fail_first > 0) {
      --fail_first;
      return Status(Code::kUnavailable, "injected");
    }
    return bytes;
  }
  void Prefetch(const std::string& key, uint64_t, uint64_t) override {
    std::lock_guard lock(mu);
    hints.push_back(key);
  }
  std::mutex mu;
  std::vector<std::string> loads, hints;
  int fail_first = 0;
  std::shared_future<void> hold;
  std::atomic<size_t> have_bytes{0};  // reads that have their bytes (held or not)
};

struct ReadAhead : ::testing::Test {
  void SetUp() override {
    auto inner = std::make_unique<CountingStore>();
    counting = inner.get();
    ASSERT_TRUE(inner->Save("data/p1", AsBytes("0123456789")).ok());
    ASSERT_TRUE(inner->Save("data/p2", AsBytes("abcdefghij")).ok());
    store = NewReadAheadStore(std::move(inner), 2);
  }
  std::vector<std::string> Loads() {
    std::lock_guard lock(counting->mu);
    return counting->loads;
  }
  // Waits until `n` reads reached the store: a read ahead reads on a thread.
  void WaitForReads(size_t n) {
    for (int i = 0; i < 10000 && Loads().size() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_EQ(Loads().size(), n);
  }
  // Removes an object behind the wrapper's back: what it still serves, it
  // read ahead.
  void RemoveBehind(const std::string& key) { ASSERT_TRUE(counting->Remove(key).ok()); }
  static std::string Text(const Result<std::vector<uint8_t>>& r) {
    return r.ok() ? std::string(r->begin(), r->end()) : "error: " + r.status().message();
  }
  CountingStore* counting = nullptr;
  std::unique_ptr<ObjectStore> store;
};

// A hint is given freely (check gives one per pack): it reaches the store
// beneath, which may do what it can with it, and nothing is read or held.
TEST_F(ReadAhead, APrefetchPassesOnAndHoldsNothing) {
  store->Prefetch("data/p1", 0, 0);
  store->Prefetch("data/p2", 2, 6);
  {
    std::lock_guard lock(counting->mu);
    EXPECT_EQ(counting->hints, (std::vector<std::string>{"data/p1", "data/p2"}));
  }
  RemoveBehind("data/p1");
  EXPECT_EQ(store->Load("data/p1", 0, 0).status().code(), Code::kNotFound);
  EXPECT_EQ(Text(store->Load("data/p2", 2, 6)), "cdefgh");
  EXPECT_EQ(Loads(), (std::vector<std::string>{"data/p1@0+0", "data/p2@2+6"})) << "each read when asked, once";
}

TEST_F(ReadAhead, TheLoadOfARangeReadAheadTakesItsBytesWithoutAnotherRead) {
  store->ReadAhead("data/p1", 2, 6);
  WaitForReads(1);
  RemoveBehind("data/p1");
  EXPECT_EQ(Text(store->Load("data/p1", 2, 6)), "234567");
  EXPECT_EQ(Loads(), std::vector<std::string>{"data/p1@2+6"});
  // Taken once: the next Load of the range reads again (and finds nothing).
  EXPECT_EQ(store->Load("data/p1", 2, 6).status().code(), Code::kNotFound);
  EXPECT_EQ(Loads().size(), 2u);
}

TEST_F(ReadAhead, ARangeInsideAReadAheadIsCutFromItAndOneOutsideIsRead) {
  store->ReadAhead("data/p1", 0, 0);  // the whole object
  WaitForReads(1);
  RemoveBehind("data/p1");
  store->ReadAhead("data/p2", 2, 6);
  EXPECT_EQ(Text(store->Load("data/p1", 3, 4)), "3456");
  EXPECT_EQ(Text(store->Load("data/p2", 1, 4)), "bcde");  // starts before the range read ahead
  EXPECT_EQ(Text(store->Load("data/p2", 4, 3)), "efg");   // inside it
  const auto loads = Loads();
  EXPECT_EQ(std::count(loads.begin(), loads.end(), "data/p1@0+0"), 1);
  EXPECT_EQ(std::count(loads.begin(), loads.end(), "data/p2@2+6"), 1);
  EXPECT_EQ(std::count(loads.begin(), loads.end(), "data/p2@1+4"), 1);
  EXPECT_EQ(loads.size(), 3u);
}

TEST_F(ReadAhead, ReadsAheadBeyondTheLimitAreDroppedUntilTheHeldOnesAreTaken) {
  store->ReadAhead("data/p1", 0, 5);
  store->ReadAhead("data/p2", 0, 5);
  WaitForReads(2);
  store->ReadAhead("data/p1", 5, 5);  // a third: no room
  RemoveBehind("data/p1");
  EXPECT_EQ(store->Load("data/p1", 5, 5).status().code(), Code::kNotFound);  // not read ahead
  EXPECT_EQ(Text(store->Load("data/p1", 0, 5)), "01234");                   // read ahead
  EXPECT_EQ(Text(store->Load("data/p2", 0, 5)), "abcde");
  ASSERT_TRUE(counting->Save("data/p1", AsBytes("0123456789")).ok());
  store->ReadAhead("data/p1", 5, 5);  // room again
  WaitForReads(4);
  RemoveBehind("data/p1");
  EXPECT_EQ(Text(store->Load("data/p1", 5, 5)), "56789");
}

TEST_F(ReadAhead, AWriteOfTheKeyDropsWhatWasReadAheadOfIt) {
  store->ReadAhead("data/p1", 0, 0);
  WaitForReads(1);  // the old bytes are held
  ASSERT_TRUE(store->Save("data/p1", AsBytes("new")).ok());
  EXPECT_EQ(Text(store->Load("data/p1", 0, 0)), "new");
  store->ReadAhead("data/p2", 0, 0);
  WaitForReads(3);
  ASSERT_TRUE(store->Remove("data/p2").ok());
  EXPECT_EQ(store->Load("data/p2", 0, 0).status().code(), Code::kNotFound);
}

TEST_F(ReadAhead, AWriteWhileAReadAheadIsUnderWayDropsItsBytes) {
  std::promise<void> go;
  counting->hold = go.get_future().share();
  store->ReadAhead("data/p1", 0, 0);  // reads the old bytes, then is held
  for (int i = 0; i < 10000 && counting->have_bytes < 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_EQ(counting->have_bytes.load(), 1u);
  ASSERT_TRUE(store->Save("data/p1", AsBytes("new")).ok());
  go.set_value();                    // and returns them
  WaitForReads(1);
  EXPECT_EQ(Text(store->Load("data/p1", 0, 0)), "new");
}

TEST_F(ReadAhead, AStreamedUploadOfTheKeyDropsWhatWasReadAheadOfIt) {
  // A local folder streams uploads (the memory store does not).
  auto folder = std::make_unique<CountingStore>(std::make_unique<TempFolderStore>("read-ahead"));
  CountingStore* reads = folder.get();
  auto local = NewReadAheadStore(std::move(folder), 2);
  ASSERT_TRUE(local->Create(std::vector<std::string>{"data"}).ok());
  ASSERT_TRUE(local->Save("data/p1", AsBytes("old")).ok());
  local->ReadAhead("data/p1", 0, 0);
  for (int i = 0; i < 10000 && reads->Reads() < 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_EQ(reads->Reads(), 1u);  // "old" is held
  auto upload = local->BeginUpload("data");
  ASSERT_NE(upload, nullptr);
  ASSERT_TRUE(upload->Append(AsBytes("streamed")).ok());
  ASSERT_TRUE(upload->Commit("data/p1", {}).ok());
  EXPECT_EQ(Text(local->Load("data/p1", 0, 0)), "streamed");
}

TEST_F(ReadAhead, AReadThatFailedAheadIsMadeAgainWhenAskedFor) {
  counting->fail_first = 1;
  store->ReadAhead("data/p1", 0, 4);
  EXPECT_EQ(Text(store->Load("data/p1", 0, 4)), "0123");
  EXPECT_EQ(Loads(), (std::vector<std::string>{"data/p1@0+4", "data/p1@0+4"}));
}

TEST_F(ReadAhead, ReadsNobodyTookEndWithTheStore) {
  store->ReadAhead("data/p1", 0, 0);
  store->ReadAhead("data/p2", 0, 0);
  store.reset();  // waits for both fetches; leaks nothing (ASan)
  SUCCEED();
}

}  // namespace
}  // namespace hort
