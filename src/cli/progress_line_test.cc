#include "cli/progress_line.h"

#include <gtest/gtest.h>

namespace hort::cli {
namespace {

TEST(ProgressLine, FitsAnyWidthAndShowsEta) {
  ProgressCounters c;
  c.items_done = 7;
  c.items_total = 20;
  c.bytes_done = 50 << 20;
  c.bytes_total = 100 << 20;
  c.totals_final = true;
  c.SetCurrent("/a/very/long/path/that/does/not/fit/into/the/line/at/all/file.bin");
  for (size_t width = 10; width < 200; ++width) {
    std::string line = ProgressLine::Format(c, "files", 10.0, width);
    EXPECT_LE(line.size(), width);
  }
  std::string wide = ProgressLine::Format(c, "files", 10.0, 200);
  EXPECT_NE(wide.find("50.0%"), std::string::npos) << wide;
  EXPECT_NE(wide.find("7 / 20 files"), std::string::npos) << wide;
  EXPECT_NE(wide.find("ETA 0:10"), std::string::npos) << wide;
  EXPECT_NE(wide.find("file.bin"), std::string::npos) << wide;
}

}  // namespace
}  // namespace hort::cli
