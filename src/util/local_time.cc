#include "util/local_time.h"

#include <ctime>

namespace hort {
namespace {

std::string Strftime(double t, const char* format) {
  time_t s = static_cast<time_t>(t);
  struct tm tm {};
  localtime_r(&s, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), format, &tm);
  return buf;
}

}  // namespace

std::string FormatWhen(double t) {
  if (t <= 0) return "-";
  return Strftime(t, "%Y-%m-%d %H:%M");
}

std::string FormatRfc3339(double t) {
  if (t <= 0) return "";
  std::string out = Strftime(t, "%Y-%m-%dT%H:%M:%S%z");
  out.insert(out.size() - 2, ":");  // +0100 → +01:00
  return out;
}

Result<int64_t> ParseLocalTime(const std::string& text, std::initializer_list<const char*> formats) {
  for (const char* format : formats) {
    struct tm tm {};
    const char* end = ::strptime(text.c_str(), format, &tm);
    if (!end || *end != '\0') continue;
    tm.tm_isdst = -1;
    const struct tm asked = tm;
    const time_t t = std::mktime(&tm);  // normalises an impossible day into the next month
    if (tm.tm_mday != asked.tm_mday || tm.tm_mon != asked.tm_mon || tm.tm_year != asked.tm_year) {
      return Status(Code::kInvalidArgument, text + " is no date of the calendar");
    }
    return static_cast<int64_t>(t);
  }
  return Status(Code::kNotFound, "\"" + text + "\" matches no time format");
}

}  // namespace hort
