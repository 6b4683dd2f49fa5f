// Background pack uploads (S3, REST, memory): at most Connections() packs
// upload at once while SaveBlob goes on, Flush waits for all of them, and a
// failed upload fails the backup without the index pointing at its pack.
#include "repository/pack_uploads.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "backend/test_forwarding_backend.h"
#include "repository/repository.h"
#include "repository/test_init.h"
#include "util/hex.h"

namespace hort {
namespace {

// Pack saves wait until released, counting how many wait at once; one
// chosen pack save (by order) fails.
struct GatedPacks final : ForwardingBackend {
  std::unique_ptr<Backend> mem = NewMemBackend();
  std::mutex mu;
  std::condition_variable cv;
  bool held = true;
  int waiting = 0, most_waiting = 0, saves = 0, fail_save = -1;
  int connections;
  explicit GatedPacks(int c) : ForwardingBackend(nullptr), connections(c) { target_ = mem.get(); }
  int Connections() const override { return connections; }
  Status Save(const Handle& h, std::span<const uint8_t> data) override {
    if (h.type != FileType::kPack) return ForwardingBackend::Save(h, data);
    {
      std::unique_lock lock(mu);
      const int mine = saves++;
      most_waiting = std::max(most_waiting, ++waiting);
      cv.notify_all();
      cv.wait(lock, [&] { return !held; });
      --waiting;
      if (mine == fail_save) return Status(Code::kIo, "upload refused");
    }
    return ForwardingBackend::Save(h, data);
  }
  bool WaitUntilWaiting(int n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(30), [&] { return waiting >= n; });
  }
  void Release() {
    std::lock_guard lock(mu);
    held = false;
    cv.notify_all();
  }
};

std::string Blob(int i) { return std::string(3000, static_cast<char>('a' + i)) + std::to_string(i); }

TEST(PackUploads, AtMostTheBackendsConnectionsUploadWhileBlobsAreSaved) {
  auto owned = std::make_unique<GatedPacks>(3);
  GatedPacks* gate = owned.get();
  auto repo = std::move(Repository::Init(std::move(owned), "pw", CheapKdfForTests()).value());  // no pack yet
  repo->set_compression(CompressionMode::kOff);
  repo->set_pack_size(1000);  // every blob closes the pack before it
  std::atomic<int> saved{0};
  std::thread saver([&] {
    for (int i = 0; i < 10; ++i) {
      std::string b = Blob(i);
      ASSERT_TRUE(repo->SaveBlob(BlobType::kData, Id::Hash(AsBytes(b)), AsBytes(b)).ok());
      saved++;
    }
  });
  ASSERT_TRUE(gate->WaitUntilWaiting(3));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // room for a fourth upload, if it were allowed
  EXPECT_EQ(gate->most_waiting, 3);
  EXPECT_LT(saved.load(), 10);  // the saver waits for an upload slot: at most 3 finished packs in memory
  gate->Release();
  saver.join();
  ASSERT_TRUE(repo->Flush().ok());
  EXPECT_EQ(gate->most_waiting, 3);
  EXPECT_EQ(gate->saves, 10);
  for (int i = 0; i < 10; ++i) {
    std::string b = Blob(i);
    auto back = repo->LoadBlob(BlobType::kData, Id::Hash(AsBytes(b)));
    ASSERT_TRUE(back.ok()) << i;
    EXPECT_EQ(AsChars(*back), b);
  }
}

TEST(PackUploads, AFailedUploadFailsTheBackupAndStaysOutOfTheIndex) {
  auto owned = std::make_unique<GatedPacks>(1);  // one at a time: the first pack is stored before the second fails
  GatedPacks* gate = owned.get();
  gate->held = false;
  gate->fail_save = 1;
  auto repo = std::move(Repository::Init(std::move(owned), "pw", CheapKdfForTests()).value());
  repo->set_compression(CompressionMode::kOff);
  repo->set_pack_size(1000);
  Status failed = Status::Ok();
  for (int i = 0; i < 6 && failed.ok(); ++i) {
    std::string b = Blob(i);
    auto r = repo->SaveBlob(BlobType::kData, Id::Hash(AsBytes(b)), AsBytes(b));
    if (!r.ok()) failed = r.status();
  }
  if (failed.ok()) failed = repo->Flush();
  EXPECT_EQ(failed.code(), Code::kIo);
  EXPECT_NE(failed.message().find("upload refused"), std::string::npos) << failed.message();
  EXPECT_EQ(repo->Flush().code(), Code::kIo);  // and stays failed
  // The pack of the second save never reached storage, so no index entry points at it.
  std::string second = Blob(1);
  EXPECT_FALSE(repo->index().Has(Id::Hash(AsBytes(second)), BlobType::kData));
  std::string first = Blob(0);
  EXPECT_TRUE(repo->index().Has(Id::Hash(AsBytes(first)), BlobType::kData));
}

TEST(PackUploads, NothingQueuedAfterAFailureRuns) {
  PackUploads uploads(1);
  std::atomic<int> ran{0};
  ASSERT_TRUE(uploads.Start([&] { ran++; return Status(Code::kIo, "first fails"); }).ok());
  EXPECT_EQ(uploads.Wait().code(), Code::kIo);
  EXPECT_EQ(uploads.Start([&] { ran++; return Status::Ok(); }).code(), Code::kIo);
  EXPECT_EQ(uploads.Wait().code(), Code::kIo);
  EXPECT_EQ(ran.load(), 1);
}

}  // namespace
}  // namespace hort
