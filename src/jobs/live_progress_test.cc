#include "jobs/live_progress.h"

#include <gtest/gtest.h>

#include <thread>

namespace hort {
namespace {

TEST(LiveProgress, ShowsCountersWhileARunLastsAndForgetsItAfter) {
  LiveProgress live;
  auto c = live.Begin("app/files/data", 42, 100);
  std::thread writer([&] {
    for (int i = 0; i < 1000; ++i) {
      c->items_done++;
      c->bytes_done += 10;
    }
  });
  writer.join();
  c->SetCurrent("/srv/x");
  auto running = live.Running();
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].run_id, 42);
  EXPECT_EQ(running[0].files_done, 1000u);
  EXPECT_EQ(running[0].bytes_done, 10000u);
  EXPECT_EQ(running[0].current, "/srv/x");
  live.End("app/files/data");
  EXPECT_TRUE(live.Running().empty());
  c->items_done++;  // a late update of an ended run touches nothing shared
}

TEST(LiveProgress, EtaOnlyWithATotal) {
  ProgressView p{.started = 100, .bytes_done = 250};
  EXPECT_EQ(EtaSeconds(p, 110), -1);
  p.bytes_total = 1000;
  EXPECT_DOUBLE_EQ(EtaSeconds(p, 110), 30);  // 250 B in 10 s, 750 B left
}

}  // namespace
}  // namespace hort
