// The catalog's test plan (`tests:`) and `alertmanager:` sections; called by
// the catalog loader once services and repositories are known.
#pragma once

#include <yaml-cpp/yaml.h>

#include "catalog/catalog.h"
#include "catalog/yaml_fields.h"

namespace hort {

void LoadTestPlan(YamlFields& f, const YAML::Node& root, Catalog& catalog);

}  // namespace hort
