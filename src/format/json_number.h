// Whole numbers read from JSON another program wrote (restic's repository
// files). nlohmann's get<T>() casts whatever number it holds: a float
// outside T's range (`"version": 2e57`) is undefined behaviour, and -1 or
// 2^40 wrap into a uint32_t. Go's json.Unmarshal, which restic reads with,
// refuses all three; so do these, by throwing what the decoders' catch
// blocks turn into kCorruption.
#pragma once

#include <limits>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace hort::json_number {

// `v` as T, if it is a JSON integer T can hold; else std::out_of_range naming `what`.
template <typename T>
[[nodiscard]] T Whole(const nlohmann::json& v, const char* what) {
  bool fits = false;
  if (v.is_number_unsigned()) {
    fits = v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max());
  } else if (v.is_number_integer()) {
    int64_t n = v.get<int64_t>();
    fits = std::numeric_limits<T>::is_signed ? n >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                                                   n <= static_cast<int64_t>(std::numeric_limits<T>::max())
                                             : n >= 0;
  }
  if (!fits) throw std::out_of_range(std::string(what) + ": " + v.dump() + " is not a whole number in range");
  return v.get<T>();
}

// Object `j`'s `key` as Whole<T>; `absent` when the key is missing or null.
template <typename T>
[[nodiscard]] T WholeOr(const nlohmann::json& j, const char* key, T absent) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return absent;
  return Whole<T>(*it, key);
}

}  // namespace hort::json_number
