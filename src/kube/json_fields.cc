#include "kube/json_fields.h"

namespace hort::kube {

using nlohmann::json;

const json* FieldAt(const json& j, std::string_view path) {
  const json* cur = &j;
  size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] != '/') return nullptr;
    size_t end = path.find('/', pos + 1);
    if (end == std::string_view::npos) end = path.size();
    std::string key;
    for (size_t i = pos + 1; i < end; ++i) {
      if (path[i] == '~' && i + 1 < end && (path[i + 1] == '0' || path[i + 1] == '1')) {
        key += path[i + 1] == '1' ? '/' : '~';
        ++i;
      } else {
        key += path[i];
      }
    }
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    pos = end;
  }
  return cur;
}

std::string StringAt(const json& j, std::string_view path, std::string fallback) {
  const json* f = FieldAt(j, path);
  return f && f->is_string() ? f->get<std::string>() : fallback;
}

bool BoolAt(const json& j, std::string_view path, bool fallback) {
  const json* f = FieldAt(j, path);
  return f && f->is_boolean() ? f->get<bool>() : fallback;
}

int64_t IntAt(const json& j, std::string_view path, int64_t fallback) {
  const json* f = FieldAt(j, path);
  return f && f->is_number_integer() ? f->get<int64_t>() : fallback;
}

const json& ArrayAt(const json& j, std::string_view path) {
  static const json kEmpty = json::array();
  const json* f = FieldAt(j, path);
  return f && f->is_array() ? *f : kEmpty;
}

const json& ObjectAt(const json& j, std::string_view path) {
  static const json kEmpty = json::object();
  const json* f = FieldAt(j, path);
  return f && f->is_object() ? *f : kEmpty;
}

}  // namespace hort::kube
