// Strict reading of YAML mappings: every key must be known, none repeated,
// and every error names file:line:col and the key's path.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hort {

class YamlFields {
 public:
  explicit YamlFields(std::string file) : file_(std::move(file)) {}

  void Error(const YAML::Node& at, const std::string& key, const std::string& message);
  void Error(const YAML::Mark& at, const std::string& key, const std::string& message);
  // In the file's order (line, then column; errors without a place last), as a
  // reader fixes them top-down, not in the order the checks found them.
  [[nodiscard]] const std::vector<std::string>& errors() const { return errors_; }

  // Checks `node` is a mapping with only `allowed` keys, none twice.
  bool Mapping(const YAML::Node& node, const std::string& key, const std::vector<const char*>& allowed);
  // The keys of a name → object mapping, rejecting duplicates.
  std::vector<std::pair<std::string, YAML::Node>> Entries(const YAML::Node& node, const std::string& key);

  std::optional<std::string> String(const YAML::Node& parent, const std::string& path, const char* key,
                                    bool required = false);
  std::optional<int64_t> Integer(const YAML::Node& parent, const std::string& path, const char* key, int64_t min,
                                 int64_t max);
  std::optional<bool> Bool(const YAML::Node& parent, const std::string& path, const char* key);
  std::optional<int64_t> Duration(const YAML::Node& parent, const std::string& path, const char* key,
                                  bool required = false);
  // A string or a list of strings.
  std::vector<std::string> Strings(const YAML::Node& parent, const std::string& path, const char* key);

 private:
  std::string file_;
  std::vector<std::string> errors_;
  std::vector<std::pair<int, int>> error_places_;  // (line, column) of errors_[i]
};

}  // namespace hort
