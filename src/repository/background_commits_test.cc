#include "repository/background_commits.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace hort {
namespace {

using namespace std::chrono_literals;

// A gate the test opens; commits wait at it.
struct Gate {
  std::promise<void> open;
  std::shared_future<void> opened = open.get_future().share();
};

TEST(BackgroundCommits, RunsAtMostItsLimitAndStartWaitsForAPlace) {
  BackgroundCommits commits(2);
  Gate gate;
  std::atomic<int> running{0}, most{0};
  auto commit = [&] {
    int now = ++running;
    for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
    }
    gate.opened.wait();
    --running;
    return Status::Ok();
  };
  ASSERT_TRUE(commits.Start(commit).ok());
  ASSERT_TRUE(commits.Start(commit).ok());
  // The third waits for a place: both running commits wait at the gate.
  auto third = std::async(std::launch::async, [&] { return commits.Start(commit); });
  EXPECT_EQ(third.wait_for(200ms), std::future_status::timeout);
  gate.open.set_value();
  ASSERT_EQ(third.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(third.get().ok());
  EXPECT_TRUE(commits.Wait().ok());
  EXPECT_EQ(most.load(), 2);
  EXPECT_EQ(running.load(), 0);
}

TEST(BackgroundCommits, AFailureIsReportedByWaitAndByEveryLaterStartWhichRunsNothing) {
  BackgroundCommits commits(3);
  ASSERT_TRUE(commits.Start([] { return Status(Code::kIo, "upload of pack 1 failed"); }).ok());
  Status waited = commits.Wait();
  EXPECT_EQ(waited.code(), Code::kIo);
  EXPECT_EQ(waited.message(), "upload of pack 1 failed");
  bool ran = false;
  Status later = commits.Start([&] {
    ran = true;
    return Status::Ok();
  });
  EXPECT_EQ(later.code(), Code::kIo);
  EXPECT_TRUE(commits.Wait().code() == Code::kIo);
  EXPECT_FALSE(ran);
}

TEST(BackgroundCommits, DestructionWaitsForEveryCommitStarted) {
  std::atomic<int> done{0};
  {
    BackgroundCommits commits(2);
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(commits.Start([&] {
                    std::this_thread::sleep_for(20ms);
                    ++done;
                    return Status::Ok();
                  }).ok());
    }
  }
  EXPECT_EQ(done.load(), 4);
}

}  // namespace
}  // namespace hort
