// Conformance of the storage-free backends (mem, local); S3 and REST run the
// same suite against real servers in backend_remote_test.cc.
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "backend/conformance_suite.h"

namespace hort {

std::unique_ptr<Backend> MakeConformanceBackend(const std::string& kind) {
  if (kind == "mem") return NewMemBackend();
  static int counter = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("hort-be-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  return NewLocalBackend(dir.string());
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
