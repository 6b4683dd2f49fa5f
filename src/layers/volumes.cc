// The volumes layer (Longhorn's role): block-level backups in Longhorn's
// backupstore format. Accepted in the catalog; does not run yet.
#include "layers/layer.h"

namespace hort::layers {

const Layer& VolumesLayer() {
  static const Layer kLayer{.name = "volumes",
                            .title = "Volumes (Longhorn backupstore)",
                            .role = "Longhorn",
                            .job_kinds = {"backup"},
                            .test_types = {"volume"},
                            .entry_keys = {"pvc", "device", "image"},
                            .available = false};
  return kLayer;
}

}  // namespace hort::layers
