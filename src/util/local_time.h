// Wall-clock times as hort prints them to people (status table, status page,
// reports, JSON), in the local zone (the catalog's `timezone` sets TZ).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include "util/status.h"

namespace hort {

// "2026-11-26 07:53" in local time; "-" for 0.
[[nodiscard]] std::string FormatWhen(double unix_seconds);
// "2026-11-26T07:53:17+01:00"; "" for 0.
[[nodiscard]] std::string FormatRfc3339(double unix_seconds);
// `text` in the first of `formats` (strptime's) that reads it whole, in local
// time. kNotFound when none does; kInvalidArgument "TEXT is no date of the
// calendar" when one does but the day does not exist (2026-02-31, which
// mktime would make March 3rd; Go's time.Parse, restic's, refuses it too).
[[nodiscard]] Result<int64_t> ParseLocalTime(const std::string& text, std::initializer_list<const char*> formats);

}  // namespace hort
