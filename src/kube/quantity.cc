#include "kube/quantity.h"

#include <array>
#include <cctype>
#include <string>

namespace hort::kube {
namespace {

// apimachinery's ErrFormatWrong and ErrSuffix.
constexpr const char* kFormatWrong =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
constexpr const char* kSuffixWrong = "unable to parse quantity's suffix";

bool Digit(char c) { return c >= '0' && c <= '9'; }

// Go's strconv.ParseInt(s, 10, 64) succeeds: an optional sign, then digits
// (leading zeros allowed) whose value fits an int64 (a decimal exponent's number).
bool GoInt64(std::string_view s) {
  const bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s) {
    if (!Digit(c)) return false;
  }
  while (s.size() > 1 && s[0] == '0') s.remove_prefix(1);
  const std::string_view limit = negative ? "9223372036854775808" : "9223372036854775807";
  return s.size() < limit.size() || (s.size() == limit.size() && s <= limit);
}

}  // namespace

// parseQuantityString, then the suffixer's interpret: a sign, digits with at
// most one '.', then a suffix made of [eEinumkKMGTP] optionally followed by a
// signed run of digits; the suffix must be a binary one (Ki … Ei), a decimal
// one (n u m "" k M G T P E) or e/E and an integer.
Result<int> QuantitySign(std::string_view q) {
  if (q.empty()) return Status(Code::kInvalidArgument, kFormatWrong);
  size_t pos = 0;
  bool negative = false;
  if (q[0] == '-' || q[0] == '+') {
    negative = q[0] == '-';
    ++pos;
  }
  bool nonzero = false;
  auto digits = [&] {
    for (; pos < q.size() && Digit(q[pos]); ++pos) nonzero = nonzero || q[pos] != '0';
  };
  digits();
  if (pos < q.size() && q[pos] == '.') {
    ++pos;
    digits();
  }
  const size_t suffix_start = pos;
  static constexpr std::string_view kSuffixChars = "eEinumkKMGTP";
  while (pos < q.size() && kSuffixChars.find(q[pos]) != std::string_view::npos) ++pos;
  if (pos < q.size() && (q[pos] == '-' || q[pos] == '+')) ++pos;
  while (pos < q.size() && Digit(q[pos])) ++pos;
  if (pos != q.size()) return Status(Code::kInvalidArgument, kFormatWrong);
  const std::string_view suffix = q.substr(suffix_start);
  static constexpr std::array<std::string_view, 16> kKnown = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u",
                                                              "m",  "",   "k",  "M",  "G",  "T",  "P", "E"};
  bool known = false;
  for (std::string_view k : kKnown) known = known || suffix == k;
  if (!known && !(suffix.size() > 1 && (suffix[0] == 'e' || suffix[0] == 'E') && GoInt64(suffix.substr(1)))) {
    return Status(Code::kInvalidArgument, kSuffixWrong);
  }
  if (!nonzero) return 0;
  return negative ? -1 : 1;
}

std::string StorageSizeProblem(std::string_view quantity) {
  auto sign = QuantitySign(quantity);
  if (!sign.ok()) return sign.status().message();
  return *sign > 0 ? "" : "must be greater than zero";
}

}  // namespace hort::kube
