#include "repository/pack_stream.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>

namespace hort {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> Pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  uint32_t x = seed;
  for (auto& b : v) b = static_cast<uint8_t>((x = x * 1103515245 + 12345) >> 16);
  return v;
}

// The real local backend in a fresh folder, removed afterwards.
class PackStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hort-pack-stream-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    backend_ = NewLocalBackend(dir_.string());
    ASSERT_TRUE(backend_->Create().ok());
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::vector<fs::path> Files() const {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir_)) {
      if (e.is_regular_file()) files.push_back(e.path());
    }
    return files;
  }
  fs::path dir_;
  std::unique_ptr<Backend> backend_;
};

// The upload of the real backend with its n-th append failing once (a disk
// error cannot be had on demand); appends after it succeed, so a pack with a
// hole in it would be committed unless the stream remembers the error.
class FailingUpload final : public BackendUpload {
 public:
  FailingUpload(std::unique_ptr<BackendUpload> inner, int ok_appends) : inner_(std::move(inner)), left_(ok_appends) {}
  Status Append(std::span<const uint8_t> data) override {
    if (left_-- == 0) return Status(Code::kIo, "write failed: No space left on device");
    return inner_->Append(data);
  }
  Status Commit(const Handle& h) override { return inner_->Commit(h); }

 private:
  std::unique_ptr<BackendUpload> inner_;
  int left_;
};

// Blobs reach the file in the order pushed, whatever their sizes against the
// queue's bound, and the pack is named by the hash of everything in it.
TEST_F(PackStreamTest, WritesBlobsInOrderAndNamesThePackByItsHash) {
  std::vector<uint8_t> expected;
  {
    PackStream stream(backend_->BeginUpload(FileType::kPack, false));
    for (uint32_t i = 0; i < 40; ++i) {
      size_t size = i == 7 ? PackStream::kMaxQueuedBytes + 4096 : (i * 7919) % 300000 + 1;
      auto blob = Pattern(size, i);
      expected.insert(expected.end(), blob.begin(), blob.end());
      ASSERT_TRUE(stream.Push(std::move(blob)).ok());
    }
    auto header = Pattern(999, 77);
    expected.insert(expected.end(), header.begin(), header.end());
    auto id = stream.Finish(header);
    ASSERT_TRUE(id.ok()) << id.status().message();
    EXPECT_EQ(id->Hex(), Id::Hash(expected).Hex());
    auto stored = backend_->Load({FileType::kPack, id->Hex()});
    ASSERT_TRUE(stored.ok());
    EXPECT_TRUE(*stored == expected);
  }
  EXPECT_EQ(Files().size(), 1u);
}

// The writer sleeps until kWakeBytes are queued. A blob too large for the
// room the sleeping queue leaves must wake it, or Push would wait forever;
// blobs below kWakeBytes in all are written when the pack finishes.
TEST_F(PackStreamTest, ABlobThatNeedsTheRoomWakesTheSleepingWriter) {
  static_assert(PackStream::kWakeBytes > 3 * 1000);
  std::vector<uint8_t> expected;
  auto pushed = std::async(std::launch::async, [&]() -> Result<Id> {
    PackStream stream(backend_->BeginUpload(FileType::kPack, false));
    for (uint32_t i = 0; i < 3; ++i) {
      auto small = Pattern(1000, i);
      expected.insert(expected.end(), small.begin(), small.end());
      HORT_RETURN_IF_ERROR(stream.Push(std::move(small)));
    }
    auto large = Pattern(PackStream::kMaxQueuedBytes, 9);  // needs the whole room
    expected.insert(expected.end(), large.begin(), large.end());
    HORT_RETURN_IF_ERROR(stream.Push(std::move(large)));
    return stream.Finish({});
  });
  ASSERT_EQ(pushed.wait_for(std::chrono::seconds(20)), std::future_status::ready) << "Push never returned";
  auto id = pushed.get();
  ASSERT_TRUE(id.ok()) << id.status().message();
  auto stored = backend_->Load({FileType::kPack, id->Hex()});
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(*stored == expected);
}

// A failed write fails the pack: later pushes or the finish report it, nothing
// is committed and the temporary file is gone.
TEST_F(PackStreamTest, AWriteErrorFailsThePackAndLeavesNoFile) {
  {
    PackStream stream(std::make_unique<FailingUpload>(backend_->BeginUpload(FileType::kPack, false), 3));
    Status first_error = Status::Ok();
    for (uint32_t i = 0; i < 20; ++i) {
      Status s = stream.Push(Pattern(200000, i));
      if (!s.ok() && first_error.ok()) first_error = s;
    }
    auto id = stream.Finish(Pattern(100, 1));
    ASSERT_FALSE(id.ok());
    EXPECT_NE(id.status().message().find("No space left"), std::string::npos);
    if (!first_error.ok()) {
      EXPECT_EQ(first_error.message(), id.status().message());
    }
  }
  EXPECT_TRUE(Files().empty());
}

TEST_F(PackStreamTest, AnAbandonedPackLeavesNoFile) {
  {
    PackStream stream(backend_->BeginUpload(FileType::kPack, false));
    for (uint32_t i = 0; i < 5; ++i) ASSERT_TRUE(stream.Push(Pattern(100000, i)).ok());
  }
  EXPECT_TRUE(Files().empty());
}

}  // namespace
}  // namespace hort
