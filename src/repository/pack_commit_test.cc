// Packs closed by SaveBlob are stored in the background (background_commits.h).
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <mutex>

#include "backend/test_forwarding_backend.h"
#include "crypto/crypto.h"
#include "repository/lock.h"
#include "repository/repository.h"
#include "repository/test_init.h"

namespace hort {
namespace {

using namespace std::chrono_literals;

// Streams packs into memory; each Commit waits until the test opens the
// gate, then stores the pack, or fails with `fail` when that is set.
class GatedUploads final : public ForwardingBackend {
 public:
  explicit GatedUploads(std::unique_ptr<Backend> target) : ForwardingBackend(std::move(target)) {}

  Status fail;
  // Idempotent, so a test that stops early still lets its commits end.
  void Open() {
    std::call_once(opening_, [&] { gate_.set_value(); });
  }

  // Tree packs are held in memory, as the local cache's backend has them.
  std::unique_ptr<BackendUpload> BeginUpload(FileType, bool tree_pack) override {
    if (tree_pack) return nullptr;
    return std::make_unique<Upload>(this);
  }

 private:
  struct Upload final : BackendUpload {
    explicit Upload(GatedUploads* b) : backend(b) {}
    Status Append(std::span<const uint8_t> data) override {
      bytes.insert(bytes.end(), data.begin(), data.end());
      return Status::Ok();
    }
    Status Commit(const Handle& h) override {
      backend->opened_.wait();
      if (!backend->fail.ok()) return backend->fail;
      return backend->Save(h, bytes);
    }
    GatedUploads* backend;
    std::vector<uint8_t> bytes;
  };
  std::once_flag opening_;
  std::promise<void> gate_;
  std::shared_future<void> opened_ = gate_.get_future().share();
};

// Opens the gate when a test ends, however it ends, before its repository
// waits for the commits at the gate.
struct OpenAtEnd {
  GatedUploads* backend;
  ~OpenAtEnd() { backend->Open(); }
};

std::vector<uint8_t> RandomBlob() {
  std::vector<uint8_t> b(4000);
  crypto::RandomBytes(b);
  return b;
}

struct TwoBlobs {
  std::unique_ptr<Repository> repo;
  GatedUploads* backend;
  std::vector<uint8_t> a = RandomBlob(), b = RandomBlob();
  Id a_id = Id::Hash(a), b_id = Id::Hash(b);
};

// A repository whose packs close after one blob: saving `b` closes the pack
// that holds `a`.
TwoBlobs OpenWithPacksOfOneBlob() {
  TwoBlobs t;
  auto gated = std::make_unique<GatedUploads>(NewMemBackend());
  t.backend = gated.get();
  t.repo = std::move(Repository::Init(std::move(gated), "pw", CheapKdfForTests()).value());
  t.repo->set_pack_size(1000);
  return t;
}

TEST(PackCommit, SaveBlobClosesAFullPackWithoutWaitingForItsUpload) {
  TwoBlobs t = OpenWithPacksOfOneBlob();
  OpenAtEnd open_at_end{t.backend};
  ASSERT_TRUE(t.repo->SaveBlob(BlobType::kData, t.a_id, t.a).ok());
  auto closing = std::async(std::launch::async, [&] { return t.repo->SaveBlob(BlobType::kData, t.b_id, t.b); });
  const bool returned_before_upload = closing.wait_for(10s) == std::future_status::ready;
  // Until its upload is done, nothing points at the pack.
  EXPECT_FALSE(t.repo->index().Has(t.a_id, BlobType::kData));
  t.backend->Open();
  EXPECT_TRUE(returned_before_upload) << "SaveBlob waited for the upload of the pack it closed";
  auto saved = closing.get();
  ASSERT_TRUE(saved.ok()) << saved.status().message();
  ASSERT_TRUE(t.repo->Flush().ok());
  for (const auto& [id, bytes] : {std::pair{t.a_id, t.a}, std::pair{t.b_id, t.b}}) {
    auto loaded = t.repo->LoadBlob(BlobType::kData, id);
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    EXPECT_EQ(*loaded, bytes);
  }
  auto packs = 0;
  ASSERT_TRUE(t.backend->List(FileType::kPack, [&](const std::string&, uint64_t) { ++packs; }).ok());
  EXPECT_EQ(packs, 2);
}

TEST(PackCommit, AFailedBackgroundUploadFailsFlushAndEveryLaterCloseAndIndexesNothing) {
  TwoBlobs t = OpenWithPacksOfOneBlob();
  OpenAtEnd open_at_end{t.backend};
  t.backend->fail = Status(Code::kIo, "upload refused");
  t.backend->Open();
  ASSERT_TRUE(t.repo->SaveBlob(BlobType::kData, t.a_id, t.a).ok());
  ASSERT_TRUE(t.repo->SaveBlob(BlobType::kData, t.b_id, t.b).ok());  // the pack of `a` fails behind it
  t.repo->WaitForPackCommits();
  // Nothing is stored after it, not even a pack held in memory.
  std::vector<uint8_t> tree1 = RandomBlob(), tree2 = RandomBlob();
  ASSERT_TRUE(t.repo->SaveBlob(BlobType::kTree, Id::Hash(tree1), tree1).ok());
  EXPECT_EQ(t.repo->SaveBlob(BlobType::kTree, Id::Hash(tree2), tree2).status().code(), Code::kIo);
  int packs = 0;
  ASSERT_TRUE(t.backend->List(FileType::kPack, [&](const std::string&, uint64_t) { ++packs; }).ok());
  EXPECT_EQ(packs, 0);
  Status flushed = t.repo->Flush();
  EXPECT_EQ(flushed.code(), Code::kIo);
  EXPECT_EQ(flushed.message(), "upload refused");
  EXPECT_FALSE(t.repo->index().Has(t.a_id, BlobType::kData));
  std::vector<std::string> index_files;
  ASSERT_TRUE(t.backend->List(FileType::kIndex, [&](const std::string& n, uint64_t) { index_files.push_back(n); }).ok());
  EXPECT_TRUE(index_files.empty());
}

TEST(PackCommit, TheLockIsRemovedOnlyOncePacksStillBeingStoredAreDone) {
  TwoBlobs t = OpenWithPacksOfOneBlob();
  OpenAtEnd open_at_end{t.backend};
  auto lock = AcquireLock(*t.repo, /*exclusive=*/false);
  ASSERT_TRUE(lock.ok()) << lock.status().message();
  auto locks = [&] {
    int n = 0;
    EXPECT_TRUE(t.backend->List(FileType::kLock, [&](const std::string&, uint64_t) { ++n; }).ok());
    return n;
  };
  ASSERT_TRUE(t.repo->SaveBlob(BlobType::kData, t.a_id, t.a).ok());
  ASSERT_TRUE(t.repo->SaveBlob(BlobType::kData, t.b_id, t.b).ok());  // the pack of `a` waits at the gate
  // The command fails here, before Flush: its lock goes.
  auto release = std::async(std::launch::async, [&] { lock->reset(); });
  EXPECT_EQ(release.wait_for(300ms), std::future_status::timeout) << "the lock went while a pack was being stored";
  EXPECT_EQ(locks(), 1);
  t.backend->Open();
  ASSERT_EQ(release.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(locks(), 0);
  int packs = 0;
  ASSERT_TRUE(t.backend->List(FileType::kPack, [&](const std::string&, uint64_t) { ++packs; }).ok());
  EXPECT_EQ(packs, 1);
}

}  // namespace
}  // namespace hort
