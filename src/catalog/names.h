// Names that become parts of paths and IDs: test IDs (`<work_dir>/<ID>-restore-test`)
// and files entry names (the job `<service>/files/<name>`, metric labels).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "catalog/yaml_fields.h"

namespace hort {

// Why `name` cannot be one such path component ("" when it can): empty, "."
// or "..", or a character other than letters, digits, '-', '_' and '.'.
[[nodiscard]] std::string NameProblem(const std::string& name);

// A files entry's `name` (else `fallback`, its default from the path, claim or
// container), refused with an error at the key when NameProblem finds one.
std::string FilesEntryName(YamlFields& f, const YAML::Node& entry, const std::string& key, const std::string& fallback);

}  // namespace hort
