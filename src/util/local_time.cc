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

}  // namespace hort
