// The catalog's volumes layer: `volume_stores:` and `services.<n>.volumes`
// (docs/config.md); called by the catalog loader.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/entry_fields.h"

namespace hort {

// `volume_stores:` into catalog.volume_stores; before services, which name them.
void LoadVolumeStores(EntryFields& e, const YAML::Node& stores, Catalog& catalog);

// One service's `volumes:` list.
[[nodiscard]] std::vector<VolumesEntry> LoadVolumesEntries(EntryFields& e, const Service& s, const YAML::Node& list,
                                                           const std::string& key, const Catalog& catalog);

// Two entries writing one volume of one store (the same volume name, or
// the same claim) would each forget the other's backups: an error.
void OneWriterPerVolume(YamlFields& f, const YAML::Node& services, const Catalog& catalog);

}  // namespace hort
