#include "schedule/duration.h"

#include <cctype>
#include <cstdio>

namespace hort {
namespace {

struct Unit {
  const char* name;
  int64_t seconds;
};
// Longest names first so "mo" is not read as "m" followed by garbage.
constexpr Unit kUnits[] = {{"mo", 30 * 86400}, {"y", 365 * 86400}, {"w", 7 * 86400}, {"d", 86400},
                           {"h", 3600},        {"m", 60},           {"s", 1}};

}  // namespace

Result<int64_t> ParseDurationSeconds(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return Status(Code::kInvalidArgument,
                  "invalid duration \"" + text + "\": " + why + " (use e.g. 30s, 15m, 6h, 1d, 2w, 3mo, 1y, 1h30m)");
  };
  if (text.empty()) return bad("empty");
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return bad("expected a number at \"" + text.substr(i) + "\"");
    int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + (text[i] - '0');
      if (n > (int64_t{1} << 40)) return bad("too large");
      ++i;
    }
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.compare(i, std::char_traits<char>::length(u.name), u.name) == 0) {
        unit = &u;
        break;
      }
    }
    if (!unit) return bad(i == text.size() ? "missing unit" : "unknown unit at \"" + text.substr(i) + "\"");
    i += std::char_traits<char>::length(unit->name);
    total += n * unit->seconds;
  }
  if (total <= 0) return bad("must be greater than zero");
  return total;
}

std::string FormatDuration(int64_t seconds) {
  if (seconds <= 0) return "0s";
  std::string out;
  for (const Unit& u : {Unit{"d", 86400}, Unit{"h", 3600}, Unit{"m", 60}, Unit{"s", 1}}) {
    if (seconds >= u.seconds) {
      out += std::to_string(seconds / u.seconds) + u.name;
      seconds %= u.seconds;
    }
  }
  return out;
}

std::string FormatElapsed(double seconds) {
  if (seconds < 60) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.1f s", seconds);
    return buf;
  }
  return FormatDuration(static_cast<int64_t>(seconds + 0.5));
}

}  // namespace hort
