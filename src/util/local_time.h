// Wall-clock times as hort prints them to people (status table, status page,
// reports, JSON), in the local zone (the catalog's `timezone` sets TZ).
#pragma once

#include <string>

namespace hort {

// "2026-11-26 07:53" in local time; "-" for 0.
[[nodiscard]] std::string FormatWhen(double unix_seconds);
// "2026-11-26T07:53:17+01:00"; "" for 0.
[[nodiscard]] std::string FormatRfc3339(double unix_seconds);

}  // namespace hort
