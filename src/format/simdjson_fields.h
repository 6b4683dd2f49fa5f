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

}  // namespace hort::simdjson_fields
