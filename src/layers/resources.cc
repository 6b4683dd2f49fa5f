// The resources layer (Velero's role): Kubernetes objects in Velero's backup
// layout, stored as restic snapshots. Backups run; its restore-test type
// (BT-VL-01) does not run yet.
#include "layers/layer.h"

namespace hort::layers {

const Layer& ResourcesLayer() {
  static const Layer kLayer{.name = "resources",
                            .title = "Cluster resources (Velero layout)",
                            .role = "Velero",
                            .job_kinds = {"backup"},
                            .test_types = {"resources"},
                            .entry_keys = {"namespaces", "include", "exclude", "selector", "cluster"},
                            .available = true,
                            .tests_available = false};
  return kLayer;
}

}  // namespace hort::layers
