#include "catalog/yaml_fields.h"

#include <algorithm>
#include <climits>
#include <set>

#include "schedule/duration.h"

namespace hort {

void YamlFields::Error(const YAML::Mark& at, const std::string& key, const std::string& message) {
  std::string where = file_;
  if (!at.is_null()) where += ":" + std::to_string(at.line + 1) + ":" + std::to_string(at.column + 1);
  const std::pair<int, int> place = at.is_null() ? std::pair{INT_MAX, INT_MAX} : std::pair{at.line, at.column};
  const auto pos = std::upper_bound(error_places_.begin(), error_places_.end(), place) - error_places_.begin();
  error_places_.insert(error_places_.begin() + pos, place);
  errors_.insert(errors_.begin() + pos, where + ": " + (key.empty() ? "" : key + ": ") + message);
}

void YamlFields::Error(const YAML::Node& at, const std::string& key, const std::string& message) {
  Error(at.Mark(), key, message);
}

bool YamlFields::Mapping(const YAML::Node& node, const std::string& key, const std::vector<const char*>& allowed) {
  if (!node.IsMap()) {
    Error(node, key, "expected a mapping of keys");
    return false;
  }
  std::set<std::string> seen;
  for (const auto& kv : node) {
    std::string k = kv.first.Scalar();
    bool known = false;
    for (const char* a : allowed) known = known || k == a;
    std::string full = key.empty() ? k : key + "." + k;
    if (!known) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      Error(kv.first, full, "unknown key (known here: " + list + ")");
    }
    if (!seen.insert(k).second) Error(kv.first, full, "duplicate key");
  }
  return true;
}

std::vector<std::pair<std::string, YAML::Node>> YamlFields::Entries(const YAML::Node& node, const std::string& key) {
  std::vector<std::pair<std::string, YAML::Node>> out;
  if (!node) return out;
  if (!node.IsMap()) {
    Error(node, key, "expected a mapping of names");
    return out;
  }
  std::set<std::string> seen;
  for (const auto& kv : node) {
    std::string name = kv.first.Scalar();
    if (!seen.insert(name).second) {
      Error(kv.first, key + "." + name, "duplicate name");
      continue;
    }
    if (name.empty() || name.find_first_of("/ \t") != std::string::npos) {
      Error(kv.first, key + "." + name, "names must be non-empty and contain no '/' or spaces");
      continue;
    }
    out.emplace_back(name, kv.second);
  }
  return out;
}

std::optional<std::string> YamlFields::String(const YAML::Node& parent, const std::string& path, const char* key,
                                              bool required) {
  YAML::Node n = parent[key];
  std::string full = path.empty() ? key : path + "." + key;
  if (!n || n.IsNull()) {
    if (required) Error(parent, full, "is required");
    return std::nullopt;
  }
  if (!n.IsScalar()) {
    Error(n, full, "expected a string");
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<int64_t> YamlFields::Integer(const YAML::Node& parent, const std::string& path, const char* key,
                                           int64_t min, int64_t max) {
  auto s = String(parent, path, key);
  if (!s) return std::nullopt;
  std::string full = path + "." + key;
  try {
    size_t used = 0;
    long long v = std::stoll(*s, &used);
    if (used == s->size() && v >= min && v <= max) return v;
  } catch (const std::exception&) {
  }
  Error(parent[key], full, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                               ", got \"" + *s + "\"");
  return std::nullopt;
}

std::optional<bool> YamlFields::Bool(const YAML::Node& parent, const std::string& path, const char* key) {
  auto s = String(parent, path, key);
  if (!s) return std::nullopt;
  if (*s == "true" || *s == "yes" || *s == "on") return true;
  if (*s == "false" || *s == "no" || *s == "off") return false;
  Error(parent[key], path + "." + key, "expected true or false, got \"" + *s + "\"");
  return std::nullopt;
}

std::optional<int64_t> YamlFields::Duration(const YAML::Node& parent, const std::string& path, const char* key,
                                            bool required) {
  auto s = String(parent, path, key, required);
  if (!s) return std::nullopt;
  auto d = ParseDurationSeconds(*s);
  if (!d.ok()) {
    Error(parent[key], path + "." + key, d.status().message());
    return std::nullopt;
  }
  return *d;
}

std::vector<std::string> YamlFields::Strings(const YAML::Node& parent, const std::string& path, const char* key) {
  YAML::Node n = parent[key];
  std::string full = path + "." + key;
  if (!n || n.IsNull()) return {};
  if (n.IsScalar()) return {n.Scalar()};
  std::vector<std::string> out;
  if (!n.IsSequence()) {
    Error(n, full, "expected a string or a list of strings");
    return out;
  }
  for (const auto& item : n) {
    if (!item.IsScalar()) {
      Error(item, full, "expected a string");
      continue;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

}  // namespace hort
