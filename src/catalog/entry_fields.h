// What the catalog's sections read alike (catalog_load.cc, volumes_load.cc):
// absolute paths, credential sources, options, classifications, schedules,
// retention, and the keys an entry inherits from `defaults`. Errors go to
// the YamlFields, each naming file:line:col and the key's path.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/yaml_fields.h"
#include "layers/layer.h"

namespace hort {

// "local:/x" and a plain path are local folders (made absolute against the catalog's folder).
[[nodiscard]] bool IsLocalUrl(const std::string& url);

class EntryFields {
 public:
  EntryFields(YamlFields& f, std::filesystem::path dir, Catalog& catalog) : f_(f), dir_(std::move(dir)), c_(&catalog) {}

  void SetDefaults(const YAML::Node& defaults) { defaults_ = defaults; }
  [[nodiscard]] YamlFields& fields() { return f_; }

  // Relative to the catalog's folder.
  [[nodiscard]] std::string Absolute(const std::string& p) const;
  std::optional<Classification> ClassificationAt(const YAML::Node& n, const std::string& key, bool required);
  // `options:` like restic's -o key=value.
  std::map<std::string, std::string> Options(const YAML::Node& n, const std::string& key);
  // `credentials:` names exactly one source, never a secret.
  std::optional<CredentialSource> Credentials(const YAML::Node& n, const std::string& key);
  [[nodiscard]] static bool IsVariableName(const std::string& s);
  // Every *_env key (password_env, serve.auth.token_env, credentials.env.*):
  // the upper-case name of an environment variable, else an error that does
  // not show the value, which is then a pasted secret more likely than a name.
  std::optional<std::string> VariableNameAt(const YAML::Node& n, const std::string& key, const char* field);
  [[nodiscard]] static std::vector<const char*> EntryKeys(const layers::Layer& layer);
  std::optional<Schedule> ScheduleAt(const YAML::Node& n, const std::string& key, const std::string& seed,
                                     bool required);
  // The node holding `key`: the entry, else `defaults` when it has it.
  YAML::Node Inherit(const YAML::Node& n, const char* key);
  std::string KeyPath(const YAML::Node& holder, const std::string& key);
  std::string RepositoryRef(const YAML::Node& n, const std::string& key);
  ExpirePolicy Keep(const YAML::Node& n, const std::string& key);
  Hooks HooksAt(const YAML::Node& n, const std::string& key);
  VerifySpec Verify(const YAML::Node& n, const std::string& key);

 protected:
  YamlFields& f_;
  std::filesystem::path dir_;
  Catalog* c_;
  YAML::Node defaults_;
};

}  // namespace hort
