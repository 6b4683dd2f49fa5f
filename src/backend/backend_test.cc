// Conformance of the storage-free backends (mem, local); S3 and REST run the
// same suite against real servers in backend_remote_test.cc.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "backend/test_forwarding_backend.h"
#include "crypto/crypto.h"
#include "util/hex.h"

#include "backend/conformance_suite.h"

namespace hort {

namespace {
// A local folder that is removed with its backend, so the suite leaves
// nothing in the temporary directory.
class TempFolderBackend : public ForwardingBackend {
 public:
  TempFolderBackend(std::unique_ptr<Backend> owned, std::filesystem::path dir)
      : ForwardingBackend(owned.get()), owned_(std::move(owned)), dir_(std::move(dir)) {}
  ~TempFolderBackend() override {
    owned_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

 private:
  std::unique_ptr<Backend> owned_;
  std::filesystem::path dir_;
};
}  // namespace

std::unique_ptr<Backend> MakeConformanceBackend(const std::string& kind) {
  if (kind == "mem") return NewMemBackend();
  static int counter = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("hort-be-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  return std::make_unique<TempFolderBackend>(NewLocalBackend(dir.string()), dir);
}

INSTANTIATE_TEST_SUITE_P(Local, BackendConformance, ::testing::Values("mem", "local"));

TEST(Retry, TransientFaultsAreRetriedPermanentOnesAreNot) {
  RetryPolicy fast;
  fast.first_delay = std::chrono::milliseconds(1);
  fast.max_delay = std::chrono::milliseconds(2);
  fast.max_attempts = 50;
  auto be = NewRetryBackend(NewFaultBackend(NewMemBackend(), 0.3, 7), fast);
  for (int i = 0; i < 200; ++i) {
    char name[65];
    std::snprintf(name, sizeof(name), "%064x", i);
    Status s = be->Save({FileType::kSnapshot, name}, AsBytes("x"));
    // A save that landed but whose answer was lost is retried and finds the object there.
    ASSERT_TRUE(s.ok() || s.code() == Code::kAlreadyExists) << s.message();
    ASSERT_TRUE(be->Load({FileType::kSnapshot, name}).ok());
  }
  EXPECT_EQ(be->Load({FileType::kSnapshot, std::string(64, 'f')}).status().code(), Code::kNotFound);
}

TEST(Limit, BoundsConcurrencyAndMetricsCount) {
  // A backend that records how many calls overlap.
  struct Probe final : Backend {
    std::atomic<int> now{0}, peak{0};
    std::string Location() const override { return "probe"; }
    Status Create() override { return Status::Ok(); }
    Status Save(const Handle&, std::span<const uint8_t>) override {
      int n = ++now;
      int p = peak.load();
      while (n > p && !peak.compare_exchange_weak(p, n)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      --now;
      return Status::Ok();
    }
    Result<std::vector<uint8_t>> Load(const Handle&, uint64_t, uint64_t) override { return std::vector<uint8_t>(3); }
    Result<uint64_t> Stat(const Handle&) override { return Status(Code::kNotFound, "x"); }
    Status List(FileType, const std::function<void(const std::string&, uint64_t)>&) override { return Status::Ok(); }
    Status Remove(const Handle&) override { return Status(Code::kIo, "boom"); }
  };
  auto probe = std::make_unique<Probe>();
  Probe* raw = probe.get();
  BackendMetrics m;
  auto be = NewMetricsBackend(NewLimitBackend(std::move(probe), 3), &m);
  std::vector<std::thread> threads;
  for (int t = 0; t < 10; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) EXPECT_TRUE(be->Save({FileType::kPack, "x"}, AsBytes("abcd")).ok());
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(raw->peak.load(), 3);
  EXPECT_GE(raw->peak.load(), 2);
  EXPECT_TRUE(be->Load({FileType::kPack, "x"}).ok());
  EXPECT_FALSE(be->Stat({FileType::kPack, "x"}).ok());
  EXPECT_FALSE(be->Remove({FileType::kPack, "x"}).ok());
  EXPECT_EQ(m.requests.load(), 53u);
  EXPECT_EQ(m.bytes_written.load(), 200u);
  EXPECT_EQ(m.bytes_read.load(), 3u);
  EXPECT_EQ(m.errors.load(), 1u);  // not-found is an answer, not an error
  EXPECT_GT(m.latency_ns_total.load(), 0u);
}

}  // namespace hort

namespace hort {

TEST(Cache, ServesIndexSnapshotsAndTreePacksLocally) {
  struct Counting final : ForwardingBackend {
    std::unique_ptr<Backend> mem = NewMemBackend();
    int loads = 0;
    Counting() : ForwardingBackend(nullptr) { target_ = mem.get(); }
    std::string Location() const override { return "counting"; }
    Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t o, uint64_t l) override {
      ++loads;
      return ForwardingBackend::Load(h, o, l);
    }
  };
  auto inner = std::make_unique<Counting>();
  Counting* raw = inner.get();
  auto dir = std::filesystem::temp_directory_path() / ("hort-cache-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto be = NewCacheBackend(std::move(inner), dir.string());
  std::string payload = "index content";
  std::string name = HexEncode(crypto::Sha256(AsBytes(payload)));
  ASSERT_TRUE(be->Save({FileType::kIndex, name}, AsBytes(payload)).ok());
  EXPECT_EQ(AsChars(*be->Load({FileType::kIndex, name}, 0, 0)), payload);
  EXPECT_EQ(raw->loads, 0);  // written through, served locally
  std::string pack = "tree pack bytes";
  std::string pack_name = HexEncode(crypto::Sha256(AsBytes(pack)));
  ASSERT_TRUE(raw->mem->Save({FileType::kPack, pack_name}, AsBytes(pack)).ok());
  EXPECT_EQ(AsChars(*be->LoadCached({FileType::kPack, pack_name}, 5, 4)), "pack");
  EXPECT_EQ(AsChars(*be->LoadCached({FileType::kPack, pack_name}, 0, 4)), "tree");
  EXPECT_EQ(raw->loads, 1);  // fetched whole once
  // A damaged cache entry is not trusted.
  auto cached = dir / "data" / pack_name.substr(0, 2) / pack_name;
  ASSERT_TRUE(std::filesystem::exists(cached));
  { std::ofstream(cached, std::ios::binary) << "garbage"; }
  EXPECT_EQ(AsChars(*be->LoadCached({FileType::kPack, pack_name}, 0, 4)), "tree");
  EXPECT_EQ(raw->loads, 2);
  // Files removed remotely leave the cache when listed.
  ASSERT_TRUE(raw->mem->Remove({FileType::kIndex, name}).ok());
  ASSERT_TRUE(be->List(FileType::kIndex, [](const std::string&, uint64_t) {}).ok());
  EXPECT_FALSE(std::filesystem::exists(dir / "index" / name));
  std::filesystem::remove_all(dir);
}

// Streamed packs: pieces of odd sizes (so O_DIRECT's aligned blocks and the
// buffered tail both occur) arrive intact under their final name; an upload
// dropped before Commit leaves no file behind; neither is ever listed early.
TEST(LocalUpload, StreamsCommitsAndCleansUp) {
  auto dir = std::filesystem::temp_directory_path() / ("hort-upload-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto be = NewLocalBackend(dir.string());
  ASSERT_TRUE(be->Create().ok());
  auto count_files = [&] {
    size_t n = 0;
    for (auto& e : std::filesystem::recursive_directory_iterator(dir / "data")) n += e.is_regular_file();
    return n;
  };
  std::vector<uint8_t> all;
  {
    auto up = be->BeginUpload(FileType::kPack);
    ASSERT_NE(up, nullptr);
    for (size_t piece : {size_t{1}, size_t{4095}, size_t{3 << 20}, size_t{12345}, size_t{1 << 20}, size_t{7}}) {
      std::vector<uint8_t> d(piece);
      crypto::RandomBytes(d);
      ASSERT_TRUE(up->Append(d).ok());
      all.insert(all.end(), d.begin(), d.end());
    }
    size_t listed = 0;
    ASSERT_TRUE(be->List(FileType::kPack, [&](const std::string&, uint64_t) { listed++; }).ok());
    EXPECT_EQ(listed, 0u);  // not visible before Commit
    std::string name = HexEncode(crypto::Sha256(all));
    ASSERT_TRUE(up->Commit({FileType::kPack, name}).ok());
    auto back = be->Load({FileType::kPack, name});
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(*back == all);
    EXPECT_EQ(count_files(), 1u);
  }
  {
    auto up = be->BeginUpload(FileType::kPack);
    ASSERT_NE(up, nullptr);
    ASSERT_TRUE(up->Append(all).ok());
    EXPECT_EQ(count_files(), 2u);  // the temporary file
  }  // dropped without Commit
  EXPECT_EQ(count_files(), 1u);
  EXPECT_EQ(be->BeginUpload(FileType::kIndex), nullptr);  // only packs stream
  std::filesystem::remove_all(dir);
}

}  // namespace hort
