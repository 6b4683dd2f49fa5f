// Streamed S3 uploads (s3_upload.h) against real servers: Ceph RGW
// path-style and virtual-hosted, and Swift's s3api. Parts of 5 MiB (S3's
// smallest), so a 13 MiB object takes the multipart path.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <map>
#include <thread>

#include "crypto/crypto.h"
#include "objstore/s3_upload.h"
#include "objstore/test_servers.h"
#include "objstore/test_temp_folder.h"
#include "objstore/wrappers.h"
#include "util/hex.h"
#include "util/test_env.h"

namespace hort {
namespace {

constexpr uint64_t kPart = 5u << 20;

std::vector<uint8_t> Pattern(size_t size, uint8_t seed) {
  std::vector<uint8_t> out(size);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>(seed + i * 131 + (i >> 12));
  return out;
}

class S3UploadTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { store_ = Open(5); }

  std::unique_ptr<ObjectStore> Open(int connections, int list_page = 1000) {
    auto config = TestS3Config(GetParam());
    if (!config) return nullptr;
    if (!prefix_.empty()) config->prefix = prefix_;
    prefix_ = config->prefix;
    config->part_size = kPart;
    config->connections = connections;
    config->list_page = list_page;
    auto store = NewRetryStore(NewLimitStore(NewS3Store(std::move(*config)), connections));
    EXPECT_TRUE(store->Create({}).ok());
    return store;
  }
  std::map<std::string, uint64_t> Listed() {
    std::map<std::string, uint64_t> out;
    EXPECT_TRUE(store_->List("", [&](const std::string& key, uint64_t size) { out[key] = size; }).ok());
    return out;
  }
  std::vector<StagedFile> Staged() {
    std::vector<StagedFile> out;
    EXPECT_TRUE(store_->ListStaged([&](const StagedFile& f) { out.push_back(f); }).ok());
    return out;
  }

  std::string prefix_;
  std::unique_ptr<ObjectStore> store_;
};

// Larger than a part: sent in parts while written, invisible until Commit,
// then under its key and nowhere else.
TEST_P(S3UploadTest, ALargeObjectGoesInPartsAndIsNamedAtCommit) {
  ASSERT_NE(store_, nullptr);
  auto up = store_->BeginUpload("data");
  ASSERT_NE(up, nullptr);
  std::vector<uint8_t> all;
  for (uint8_t i = 0; i < 4; ++i) {
    auto piece = Pattern(3u << 20, i);
    ASSERT_TRUE(up->Append(piece).ok());
    all.insert(all.end(), piece.begin(), piece.end());
  }
  ASSERT_TRUE(up->Append(Pattern(1u << 20, 9)).ok());
  auto tail = Pattern(1u << 20, 9);
  all.insert(all.end(), tail.begin(), tail.end());
  EXPECT_TRUE(Listed().empty());  // parts are sent, no object yet
  auto staged = Staged();
  ASSERT_EQ(staged.size(), 1u);   // the upload under way is what a kill would leave
  EXPECT_EQ(staged[0].name.rfind(".hort-staging/", 0), 0u) << staged[0].name;
  EXPECT_NE(staged[0].name.find("?uploadId="), std::string::npos) << staged[0].name;

  ASSERT_TRUE(up->Commit("data/ab/large", std::nullopt).ok());
  EXPECT_EQ(Listed(), (std::map<std::string, uint64_t>{{"data/ab/large", all.size()}}));
  auto back = store_->Load("data/ab/large");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_TRUE(*back == all);
  EXPECT_TRUE(Staged().empty());
}

// A dropped upload that sent parts is aborted: nothing listed, nothing staged.
TEST_P(S3UploadTest, ADroppedUploadIsAborted) {
  ASSERT_NE(store_, nullptr);
  {
    auto up = store_->BeginUpload("data");
    ASSERT_TRUE(up->Append(Pattern(kPart, 1)).ok());
    ASSERT_TRUE(up->Append(Pattern(10, 2)).ok());  // sends the first part
    ASSERT_EQ(Staged().size(), 1u);
  }
  EXPECT_TRUE(Listed().empty());
  EXPECT_TRUE(Staged().empty());
}

// An object up to a part is one PUT whose signed payload hash is the one the
// writer knows (a pack's name): the server checks the bytes against it.
TEST_P(S3UploadTest, ASmallObjectIsOnePutCheckedAgainstItsKnownHash) {
  ASSERT_NE(store_, nullptr);
  const auto bytes = Pattern(1u << 20, 5);
  {
    auto up = store_->BeginUpload("data");
    ASSERT_TRUE(up->Append(bytes).ok());
    EXPECT_TRUE(Staged().empty());  // nothing sent before Commit
    ASSERT_TRUE(up->Commit("data/cd/right", crypto::Sha256(bytes)).ok());
  }
  EXPECT_EQ(Listed(), (std::map<std::string, uint64_t>{{"data/cd/right", bytes.size()}}));
  auto up = store_->BeginUpload("data");
  ASSERT_TRUE(up->Append(bytes).ok());
  auto wrong = crypto::Sha256(AsBytes("other bytes"));
  Status refused = up->Commit("data/cd/wrong", wrong);
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(Listed().count("data/cd/wrong"), 0u);
}

// A writer killed mid-upload (a child that exits without cleaning up)
// leaves an incomplete multipart upload: ListStaged names it, RemoveStaged
// aborts it.
TEST_P(S3UploadTest, AKilledWritersUploadIsListedAndRemoved) {
  ASSERT_NE(store_, nullptr);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto up = store_->BeginUpload("data");
    bool sent = up && up->Append(Pattern(kPart, 3)).ok() && up->Append(Pattern(10, 4)).ok();
    ::_exit(sent ? 0 : 1);  // no destructors: as if killed
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto staged = Staged();
  ASSERT_EQ(staged.size(), 1u);
  EXPECT_GT(staged[0].modified, 0);
  EXPECT_TRUE(Listed().empty());
  EXPECT_EQ(store_->RemoveStaged("data/ab/not-staged").code(), Code::kInvalidArgument);
  ASSERT_TRUE(store_->RemoveStaged(staged[0].name).ok());
  EXPECT_TRUE(Staged().empty());
}

// Uploads never completed are listed page by page: with pages of two, three
// killed writers' uploads are all found.
TEST_P(S3UploadTest, EveryPageOfUploadsNeverCompletedIsListed) {
  store_ = Open(5, /*list_page=*/2);
  ASSERT_NE(store_, nullptr);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    bool sent = true;
    std::vector<std::unique_ptr<ObjectUpload>> ups;
    for (uint8_t i = 0; i < 3 && sent; ++i) {
      ups.push_back(store_->BeginUpload("data"));
      sent = ups.back() && ups.back()->Append(Pattern(kPart, i)).ok() && ups.back()->Append(Pattern(10, i)).ok();
    }
    ::_exit(sent ? 0 : 1);  // no destructors: as if killed
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto staged = Staged();
  EXPECT_EQ(staged.size(), 3u) << "one page of two, then the next";
  for (const StagedFile& f : staged) EXPECT_TRUE(store_->RemoveStaged(f.name).ok()) << f.name;
  EXPECT_TRUE(Staged().empty());
}

// The uploads of one store hold at most max(connections, 3) parts: a fourth
// waits in BeginUpload until one of the three is committed.
TEST_P(S3UploadTest, UploadsWaitForARoomOfParts) {
  store_ = Open(1);
  ASSERT_NE(store_, nullptr);
  std::vector<std::unique_ptr<ObjectUpload>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(store_->BeginUpload("data"));
    ASSERT_TRUE(open.back()->Append(Pattern(1000, static_cast<uint8_t>(i))).ok());
  }
  std::atomic<bool> begun{false};
  std::thread fourth([&] {
    auto up = store_->BeginUpload("data");
    begun = true;
    EXPECT_TRUE(up->Append(Pattern(1000, 7)).ok());
    EXPECT_TRUE(up->Commit("data/ef/fourth", std::nullopt).ok());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(begun.load());
  ASSERT_TRUE(open[0]->Commit("data/ef/first", std::nullopt).ok());
  fourth.join();
  EXPECT_TRUE(begun.load());
  EXPECT_EQ(Listed().size(), 2u);
}

// Parts are spooled to an unnamed file in TMPDIR (part_spool.h); with no
// such folder they are held in memory, and a large object (in parts) and a
// small one (one PUT) are stored the same.
TEST_P(S3UploadTest, WithoutATemporaryFolderPartsAreHeldInMemoryAndStoredTheSame) {
  ASSERT_NE(store_, nullptr);
  const std::string writable = std::filesystem::temp_directory_path().string();
  const size_t open_at_start = OpenFilesUnder(writable);
  for (const std::string& tmpdir : {writable, std::string("/nonexistent/hort-tmp")}) {
    ScopedEnv env;
    env.Set("TMPDIR", tmpdir);
    const bool file = tmpdir == writable;
    const std::string tag = file ? "file" : "memory";
    const size_t open_before = OpenFilesUnder(writable);
    const auto large = Pattern(kPart * 2 + 12345, 4), small = Pattern(70000, 5);
    auto up = store_->BeginUpload("data");
    ASSERT_TRUE(up->Append({large.data(), kPart + 1}).ok());
    EXPECT_EQ(OpenFilesUnder(writable), open_before + (file ? 1 : 0)) << tag;  // the spool's unnamed file
    ASSERT_TRUE(up->Append({large.data() + kPart + 1, large.size() - kPart - 1}).ok());
    ASSERT_TRUE(up->Commit("data/ab/large-" + tag, std::nullopt).ok());
    auto one = store_->BeginUpload("data");
    ASSERT_TRUE(one->Append(small).ok());
    ASSERT_TRUE(one->Commit("data/ab/small-" + tag, crypto::Sha256(small)).ok());
    EXPECT_TRUE(*store_->Load("data/ab/large-" + tag) == large) << tag;
    EXPECT_TRUE(*store_->Load("data/ab/small-" + tag) == small) << tag;
  }
  EXPECT_EQ(OpenFilesUnder(writable), open_at_start) << "no upload holds a place: the spools are closed";
  EXPECT_TRUE(Staged().empty());
}

INSTANTIATE_TEST_SUITE_P(Remote, S3UploadTest, ::testing::Values("s3", "s3-vhost", "swift"));

}  // namespace
}  // namespace hort
