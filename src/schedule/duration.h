// Durations as the catalog writes them: "90s", "15m", "6h", "1d", "2w",
// "3mo", "1y" and sums like "1h30m". Months count 30 days and years 365
// days: the catalog compares ages against targets, it does not do calendar
// arithmetic.
#pragma once

#include <cstdint>
#include <string>

#include "util/status.h"

namespace hort {

[[nodiscard]] Result<int64_t> ParseDurationSeconds(const std::string& text);

// The shortest spelling in the same units, e.g. 93600 -> "1d2h".
[[nodiscard]] std::string FormatDuration(int64_t seconds);
// A measured time: "12.3 s" below a minute, else as FormatDuration ("4m5s").
[[nodiscard]] std::string FormatElapsed(double seconds);

}  // namespace hort
