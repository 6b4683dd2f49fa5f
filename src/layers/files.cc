// The files layer (K8up's role): restic snapshots of paths, PVCs and
// database dumps.
#include "layers/layer.h"

namespace hort::layers {

const Layer& FilesLayer() {
  static const Layer kLayer{.name = "files",
                            .title = "Files (restic snapshots)",
                            .role = "K8up",
                            .job_kinds = {"backup"},
                            // A DR drill restores every snapshot group of the repositories, which today
                            // are the files layer's.
                            .test_types = {"files", "dr"},
                            .entry_keys = {"repository", "path", "pvc", "source", "dump", "k8up_annotations", "exclude", "hooks", "verify"},
                            .available = true,
                            .tests_available = true};
  return kLayer;
}

}  // namespace hort::layers
