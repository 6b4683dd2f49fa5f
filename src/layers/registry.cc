#include <algorithm>

#include "layers/layer.h"

namespace hort::layers {

// Each layer declares itself in a file of its own (files.cc, resources.cc,
// volumes.cc). They are listed here by name rather than registered by
// static constructors, which a static library's linker would drop.
const Layer& FilesLayer();
const Layer& ResourcesLayer();
const Layer& VolumesLayer();

const std::vector<const Layer*>& All() {
  static const std::vector<const Layer*> kAll = {&FilesLayer(), &ResourcesLayer(), &VolumesLayer()};
  return kAll;
}

const std::vector<RepositoryJobKind>& RepositoryJobKinds() {
  static const std::vector<RepositoryJobKind> kKinds = {{"check", "check"}, {"copy", "offsite"}, {"verify", "velero"}};
  return kKinds;
}

const Layer* Find(std::string_view name) {
  for (const Layer* l : All()) {
    if (l->name == name) return l;
  }
  return nullptr;
}

const Layer* ForTestType(std::string_view test_type) {
  for (const Layer* l : All()) {
    if (std::find(l->test_types.begin(), l->test_types.end(), test_type) != l->test_types.end()) return l;
  }
  return nullptr;
}

std::string_view RowLabelOf(std::string_view repository_job_kind) {
  for (const RepositoryJobKind& k : RepositoryJobKinds()) {
    if (k.kind == repository_job_kind) return k.row_label;
  }
  return "";
}

std::string NotAvailable() { return "layer not available yet"; }

}  // namespace hort::layers
