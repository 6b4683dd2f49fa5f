#include "util/local_time.h"

#include <ctime>

namespace hort {

std::string FormatWhen(double t) {
  if (t <= 0) return "-";
  time_t s = static_cast<time_t>(t);
  struct tm tm {};
  localtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm);
  return buf;
}

std::string FormatRfc3339(double t) {
  if (t <= 0) return "";
  time_t s = static_cast<time_t>(t);
  struct tm tm {};
  localtime_r(&s, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S%z", &tm);
  std::string out = buf;
  out.insert(out.size() - 2, ":");  // +0100 → +01:00
  return out;
}

}  // namespace hort
