// A repository is its location, not its name: two names for one folder,
// bucket prefix or REST URL are one repository (docs/config.md).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "catalog/catalog.h"
#include "catalog/yaml_fields.h"

namespace hort {

// Where a repository's files are, one spelling per place: a local folder
// cleaned as a path (its URL is already absolute), s3:/rest: as the backends
// read them (backend.h, RemoteLocationKey).
[[nodiscard]] std::string RepositoryLocationKey(const std::string& url);

// Two repositories at one location are an error: each name's entries would
// apply their retention to the other's snapshots, and an offsite copy
// between them would copy nothing.
void OneNamePerRepositoryLocation(YamlFields& f, const YAML::Node& repositories, const Catalog& catalog);

// Why an offsite copy from `from` to `to` would copy a repository onto
// itself (the same name, or another name for its location); "" when it would not.
[[nodiscard]] std::string OffsiteTargetProblem(const Catalog& catalog, const std::string& from, const std::string& to);

}  // namespace hort
