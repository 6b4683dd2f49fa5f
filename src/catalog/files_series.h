// A files entry's snapshot series is (repository, host = namespace, paths):
// checked once every service is loaded (docs/config.md).
#pragma once

#include <yaml-cpp/yaml.h>

#include "catalog/catalog.h"
#include "catalog/yaml_fields.h"

namespace hort {

// Two files entries writing one series (two services in one namespace, each
// dumping a container named `postgres` to .sql; two entries of one path) are
// an error: each one's retention would forget the other's snapshots, and
// `latest` of one would restore the other's data.
void OneWriterPerFilesSeries(YamlFields& f, const YAML::Node& services, const Catalog& catalog);

// `work_dir` inside a folder a files entry reads here is an error: restore
// tests would write their scratch targets into the live data (the next backup
// holds them) and remove a folder of it named `<ID>-restore-test`.
void WorkDirOutsideFilesSources(YamlFields& f, const YAML::Node& root, const Catalog& catalog);

}  // namespace hort
