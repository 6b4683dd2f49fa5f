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
  // Counts before the rate while they fit; on a narrow terminal rate and ETA come first and survive the cut.
  EXPECT_LT(wide.find("7 / 20 files"), wide.find("/s, ETA"));
  std::string narrow = ProgressLine::Format(c, "files", 10.0, 40);
  EXPECT_EQ(narrow.rfind("[0:10]  50.0% 5.000 MiB/s, ETA 0:10", 0), 0u) << narrow;
}

}  // namespace
}  // namespace hort::cli

namespace hort::cli {
namespace {

TEST(JsonStatus, ResticFields) {
  ProgressCounters c;
  c.items_done = 1;
  c.items_total = 4;
  c.bytes_done = 25;
  c.bytes_total = 100;
  c.SetCurrent("/x");
  std::string s = JsonStatusTicker::Format(c, 3.7);
  for (const char* field : {"\"message_type\":\"status\"", "\"seconds_elapsed\":3", "\"percent_done\":0.25",
                            "\"total_files\":4", "\"files_done\":1", "\"total_bytes\":100", "\"bytes_done\":25",
                            "\"current_files\":[\"/x\"]"}) {
    EXPECT_NE(s.find(field), std::string::npos) << field << " in " << s;
  }
}

TEST(ClockText, IsRestics) {  // restic's formatSeconds: m:ss, then h:mm:ss
  EXPECT_EQ(ClockText(0.4), "0:00");
  EXPECT_EQ(ClockText(59.9), "0:59");
  EXPECT_EQ(ClockText(61), "1:01");
  EXPECT_EQ(ClockText(3599), "59:59");
  EXPECT_EQ(ClockText(3600), "1:00:00");
  EXPECT_EQ(ClockText(3 * 3600 + 62), "3:01:02");
}

}  // namespace
}  // namespace hort::cli
