// The volumes layer (Longhorn's role): block-level backups in Longhorn's
// backupstore format, written where Longhorn reads it; in-cluster snapshots.
#include "layers/layer.h"

namespace hort::layers {

const Layer& VolumesLayer() {
  static const Layer kLayer{.name = "volumes",
                            .title = "Volumes (Longhorn backupstore)",
                            .role = "Longhorn",
                            .job_kinds = {"backup", "snapshot"},
                            .test_types = {"volume"},
                            .entry_keys = {"store", "pvc", "device", "image", "volume", "verify", "longhorn", "snapshots"},
                            .available = true,
                            .tests_available = true};
  return kLayer;
}

}  // namespace hort::layers
