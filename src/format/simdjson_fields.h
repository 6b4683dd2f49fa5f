// Field readers shared by the fast (simdjson) decoders of trees and index
// files: each says false where the reference decoder would fail, so the fast
// decoder declines.
#pragma once

#include <simdjson.h>

#include <string_view>

#include "format/id.h"

namespace hort::simdjson_fields {

inline bool IsContainer(simdjson::dom::element_type t) {
  return t == simdjson::dom::element_type::OBJECT || t == simdjson::dom::element_type::ARRAY;
}

inline bool ParsedId(simdjson::dom::element v, Id* out) {
  std::string_view s;
  if (v.get_string().get(s)) return false;
  auto id = Id::Parse(s);
  if (!id) return false;
  *out = *id;
  return true;
}

// `value` is an array of objects, each of which `decode` accepts.
template <typename Decode>
bool ForEachObject(simdjson::dom::element value, Decode&& decode) {
  simdjson::dom::array list;
  if (value.get_array().get(list)) return false;
  for (simdjson::dom::element item : list) {
    simdjson::dom::object fields;
    if (item.get_object().get(fields) || !decode(fields)) return false;
  }
  return true;
}

}  // namespace hort::simdjson_fields
