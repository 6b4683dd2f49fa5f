#include "util/subset_spec.h"

#include <cctype>
#include <charconv>
#include <string>

#include "util/byte_size.h"

namespace hort {
namespace {

// The whole of `text` as a number of type T, or nothing.
template <typename T>
bool ParseWhole(std::string_view text, T* out) {
  if (text.empty()) return false;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

Result<SubsetSpec> ParseSubsetSpec(std::string_view text, uint32_t max_m, bool sizes) {
  SubsetSpec spec;
  if (text.empty()) return spec;
  const Status bad(Code::kInvalidArgument,
                   "invalid --read-data-subset \"" + std::string(text) + "\" (use n/m with 1 <= n <= m <= " +
                       std::to_string(max_m) + ", x% with 0 < x <= 100" + (sizes ? ", or a size above 0 such as 500M)" : ")"));
  if (const size_t slash = text.find('/'); slash != std::string_view::npos) {
    spec.kind = SubsetSpec::Kind::kShare;
    if (!ParseWhole(text.substr(0, slash), &spec.n) || !ParseWhole(text.substr(slash + 1), &spec.m)) return bad;
    if (spec.n < 1 || spec.n > spec.m || spec.m > max_m) return bad;
    return spec;
  }
  if (text.back() == '%') {
    spec.kind = SubsetSpec::Kind::kPercent;
    // Go's strconv.ParseFloat, which restic uses here, takes one leading '+'.
    std::string_view number = text.substr(0, text.size() - 1);
    if (number.size() > 1 && number[0] == '+' && number[1] != '-') number.remove_prefix(1);
    if (!ParseWhole(number, &spec.percent)) return bad;
    if (!(spec.percent > 0 && spec.percent <= 100)) return bad;
    return spec;
  }
  // A size needs its unit: restic reads a bare number as n/m with one part.
  if (!sizes || std::isdigit(static_cast<unsigned char>(text.back()))) return bad;
  auto bytes = ParseSize(std::string(text));
  if (!bytes.ok() || *bytes == 0) return bad;
  spec.kind = SubsetSpec::Kind::kSize;
  spec.bytes = *bytes;
  return spec;
}

}  // namespace hort
