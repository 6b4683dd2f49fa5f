// Conformance of the storage-free backends (mem, local); S3 and REST run the
// same suite against real servers in backend_remote_test.cc.
#include <unistd.h>

#include <filesystem>

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

}  // namespace hort
