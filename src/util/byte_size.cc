#include "util/byte_size.h"

namespace hort {

Result<uint64_t> ParseSize(const std::string& text) {
  if (text.empty()) return Status(Code::kInvalidArgument, "expected size, got empty string");
  std::string num = text;
  uint64_t unit = 1;
  switch (text.back()) {
    case 'b': case 'B': num.pop_back(); break;
    case 'k': case 'K': unit = 1ull << 10; num.pop_back(); break;
    case 'm': case 'M': unit = 1ull << 20; num.pop_back(); break;
    case 'g': case 'G': unit = 1ull << 30; num.pop_back(); break;
    case 't': case 'T': unit = 1ull << 40; num.pop_back(); break;
    default: break;
  }
  // restic reads the number with Go's strconv.ParseInt, which takes one leading '+'.
  if (num.size() > 1 && num[0] == '+') num.erase(0, 1);
  if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos || num.size() > 18) {
    return Status(Code::kInvalidArgument, "invalid size \"" + text + "\"");
  }
  uint64_t value = std::stoull(num);
  if (unit > 1 && value > UINT64_MAX / unit) return Status(Code::kInvalidArgument, "size \"" + text + "\" is too large");
  return value * unit;
}

}  // namespace hort
