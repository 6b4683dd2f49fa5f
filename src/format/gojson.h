// Byte-exact reproductions of the Go standard library encodings that restic's
// on-disk JSON depends on: encoding/json string escaping (HTML-safe),
// strconv.Quote (used for node names) and time.RFC3339Nano.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace hort::gojson {

// Appends `s` as a JSON string literal, quotes included, as Go's json.Marshal
// would: <, >, & escaped, U+2028/U+2029 escaped, invalid UTF-8 as \ufffd.
void AppendString(std::string* out, std::string_view s);

[[nodiscard]] bool IsValidUtf8(std::string_view s);

// strconv.Quote(s) without the surrounding quotes.
[[nodiscard]] std::string QuoteInner(std::string_view s);
// Inverse of QuoteInner (strconv.Unquote of "\"" + s + "\"").
[[nodiscard]] Result<std::string> UnquoteInner(std::string_view s);

// Go's unicode.IsPrint, approximated: letters, marks, numbers, punctuation,
// symbols and U+0020 are printable; controls, format characters, separators
// other than U+0020, surrogates, private use and noncharacters are not.
[[nodiscard]] bool IsPrint(uint32_t rune);

// A point in time as restic records it: UTC seconds, nanoseconds and the
// offset of the zone it was written in (kept so re-encoding is identical).
struct Timestamp {
  int64_t sec = 0;
  int32_t nsec = 0;
  int32_t offset = 0;  // seconds east of UTC
  auto operator<=>(const Timestamp&) const = default;
};

// Proleptic Gregorian calendar arithmetic (days since 1970-01-01).
[[nodiscard]] int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day);

[[nodiscard]] std::string FormatRfc3339Nano(const Timestamp& t);
[[nodiscard]] Result<Timestamp> ParseRfc3339(std::string_view s);
// The local zone's offset at `sec`, as Go's time.Local would use.
[[nodiscard]] Timestamp LocalTimestamp(int64_t sec, int32_t nsec);
[[nodiscard]] Timestamp Now();

}  // namespace hort::gojson
