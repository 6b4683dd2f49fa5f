#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "backend/backend.h"
#include "backend/test_forwarding_backend.h"
#include "crypto/crypto.h"
#include "util/hex.h"

namespace hort {
namespace {

// Counts the reads that reach the store; while `held`, every read waits for release().
struct Counting final : ForwardingBackend {
  std::unique_ptr<Backend> mem = NewMemBackend();
  std::mutex mu;
  std::condition_variable cv;
  int loads = 0;
  bool held = false;
  Counting() : ForwardingBackend(nullptr) { target_ = mem.get(); }
  bool CheapRangeReads() const override { return false; }
  Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t o, uint64_t l) override {
    {
      std::unique_lock lock(mu);
      ++loads;
      cv.notify_all();
      cv.wait(lock, [&] { return !held; });
    }
    return ForwardingBackend::Load(h, o, l);
  }
  void WaitForLoads(int n) {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return loads >= n; })) << loads << " of " << n;
  }
  int Loads() {
    std::lock_guard lock(mu);
    return loads;
  }
  void Release() {
    std::lock_guard lock(mu);
    held = false;
    cv.notify_all();
  }
};

Handle PackNamed(const std::string& content) { return {FileType::kPack, HexEncode(crypto::Sha256(AsBytes(content)))}; }

struct ReadAhead : ::testing::Test {
  std::unique_ptr<Counting> owned = std::make_unique<Counting>();
  Counting* store = owned.get();
  Handle Put(const std::string& content) {
    Handle h = PackNamed(content);
    EXPECT_TRUE(store->mem->Save(h, AsBytes(content)).ok());
    return h;
  }
};

TEST_F(ReadAhead, AHintedRangeIsReadOnceBeforeItIsAskedFor) {
  Handle a = Put("pack a bytes"), b = Put("pack b bytes");
  auto be = NewReadAheadBackend(std::move(owned), 4);
  be->Prefetch(a, 0, 0);
  be->Prefetch(b, 5, 1);
  store->WaitForLoads(2);  // both read without anyone asking yet
  EXPECT_EQ(AsChars(*be->Load(a, 0, 0)), "pack a bytes");
  std::vector<uint8_t> one(1);
  ASSERT_TRUE(be->LoadInto(b, 5, one).ok());
  EXPECT_EQ(one[0], 'b');
  EXPECT_EQ(store->Loads(), 2);
  // Taken once: the same range again, and any other range, is a read of its own.
  EXPECT_EQ(AsChars(*be->Load(a, 0, 0)), "pack a bytes");
  EXPECT_EQ(AsChars(*be->Load(a, 5, 1)), "a");
  EXPECT_EQ(store->Loads(), 4);
}

TEST_F(ReadAhead, KeepsAtMostItsSlotsAndDropsHintsBeyondThem) {
  Handle h[4] = {Put("zero"), Put("one"), Put("two"), Put("three")};
  store->held = true;
  auto be = NewReadAheadBackend(std::move(owned), 2);
  for (const Handle& x : h) be->Prefetch(x, 0, 0);  // two start and wait; two are dropped
  store->WaitForLoads(2);
  store->Release();
  EXPECT_EQ(AsChars(*be->Load(h[0], 0, 0)), "zero");
  EXPECT_EQ(AsChars(*be->Load(h[1], 0, 0)), "one");
  EXPECT_EQ(store->Loads(), 2);
  EXPECT_EQ(AsChars(*be->Load(h[3], 0, 0)), "three");
  EXPECT_EQ(store->Loads(), 3);
}

TEST_F(ReadAhead, AFinishedRangeNobodyTakesMakesRoomForTheNextHint) {
  Handle a = Put("first"), b = Put("second");
  auto be = NewReadAheadBackend(std::move(owned), 1);
  be->Prefetch(a, 0, 0);
  // b's hint is dropped while a is in flight, and evicts a once a is read.
  for (int tries = 0; store->Loads() < 2 && tries < 3000; ++tries) {
    be->Prefetch(b, 0, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(store->Loads(), 2);
  EXPECT_EQ(AsChars(*be->Load(b, 0, 0)), "second");
  EXPECT_EQ(AsChars(*be->Load(a, 0, 0)), "first");
  EXPECT_EQ(store->Loads(), 3);  // a was evicted: read again
}

TEST_F(ReadAhead, AHintedReadsErrorReachesTheCaller) {
  Handle missing = PackNamed("never saved");
  auto be = NewReadAheadBackend(std::move(owned), 2);
  be->Prefetch(missing, 0, 0);
  EXPECT_EQ(be->Load(missing, 0, 0).status().code(), Code::kNotFound);
  std::vector<uint8_t> out(3);
  Handle a = Put("abc");
  be->Prefetch(a, 0, 3);
  ASSERT_TRUE(be->LoadInto(a, 0, out).ok());
  EXPECT_EQ(AsChars(out), "abc");
}

TEST_F(ReadAhead, ARemovedFileTakesItsKeptRangesAlong) {
  Handle a = Put("to be removed");
  auto be = NewReadAheadBackend(std::move(owned), 2);
  be->Prefetch(a, 0, 0);
  store->WaitForLoads(1);
  ASSERT_TRUE(be->Remove(a).ok());
  EXPECT_EQ(be->Load(a, 0, 0).status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace hort
