// The resources layer (Velero's role): Kubernetes objects in Velero's backup
// layout, stored as restic snapshots. Accepted in the catalog; does not run yet.
#include "layers/layer.h"

namespace hort::layers {

const Layer& ResourcesLayer() {
  static const Layer kLayer{.name = "resources",
                            .title = "Cluster resources (Velero layout)",
                            .role = "Velero",
                            .job_kinds = {"backup"},
                            .test_types = {"resources"},
                            .entry_keys = {"namespaces", "include", "exclude"},
                            .available = false};
  return kLayer;
}

}  // namespace hort::layers
