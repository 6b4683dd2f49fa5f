// Label selectors as the API reads `?labelSelector=`: equality (`a=b`,
// `a==b`, `a!=b`), set-based (`a in (x,y)`, `a notin (x)`) and existence
// (`a`, `!a`), joined by commas (all must hold). The MemoryClient filters
// with it; the real API filters server-side.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace hort::kube {

struct LabelRequirement {
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kNotExists };
  std::string key;
  Op op = Op::kExists;
  std::vector<std::string> values;
};

// A label value the API accepts: at most 63 of [A-Za-z0-9._-], alphanumeric at both ends.
[[nodiscard]] bool IsLabelValue(std::string_view v);
// A label key: [DNS-1123 subdomain "/"] then a name of at most 63 of [A-Za-z0-9._-], alphanumeric at both ends.
[[nodiscard]] bool IsLabelKey(std::string_view key);

class LabelSelector {
 public:
  [[nodiscard]] static Result<LabelSelector> Parse(const std::string& text);
  [[nodiscard]] bool Matches(const std::map<std::string, std::string>& labels) const;
  [[nodiscard]] bool empty() const { return requirements_.empty(); }

 private:
  std::vector<LabelRequirement> requirements_;
};

}  // namespace hort::kube
