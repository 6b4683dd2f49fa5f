// The resources layer (Velero's role): Kubernetes objects in Velero's backup
// layout, stored as restic snapshots; restore tests of type resources (BT-VL-01).
#include "layers/layer.h"

namespace hort::layers {

const Layer& ResourcesLayer() {
  static const Layer kLayer{.name = "resources",
                            .title = "Cluster resources (Velero layout)",
                            .role = "Velero",
                            .job_kinds = {"backup"},
                            .test_types = {"resources"},
                            .entry_keys = {"repository", "namespaces", "include", "exclude", "require", "selector", "cluster", "cluster_wide"},
                            .available = true,
                            .tests_available = true};
  return kLayer;
}

}  // namespace hort::layers
