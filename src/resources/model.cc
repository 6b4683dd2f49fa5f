#include "resources/model.h"

#include <algorithm>

#include "kube/json_fields.h"

namespace hort::resources {

size_t ResultMessages::Count() const {
  size_t n = velero.size() + cluster.size();
  for (const auto& [ns, messages] : namespaces) n += messages.size();
  return n;
}

// Velero's backed-up-items map: one key per apiVersion and kind as the item
// was backed up, entries sorted (Go's sort.Strings: bytewise, as std::sort on
// std::string) and unique, since an item reached twice is stored once.
std::map<std::string, std::vector<std::string>> ResourceBackup::ResourceList() const {
  std::map<std::string, std::vector<std::string>> out;
  for (const Item& item : items) {
    out[item.ApiVersion() + "/" + item.kind].push_back(item.ns.empty() ? item.name : item.ns + "/" + item.name);
  }
  for (auto& [key, entries] : out) {
    std::sort(entries.begin(), entries.end());
    entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
  }
  return out;
}

PodReferences ReferencesOfPod(const Json& pod) {
  PodReferences out;
  for (const auto& volume : kube::ArrayAt(pod, "/spec/volumes")) {
    std::string claim = kube::StringAt(volume, "/persistentVolumeClaim/claimName");
    if (!claim.empty()) out.claims.push_back(std::move(claim));
  }
  out.priority_class = kube::StringAt(pod, "/spec/priorityClassName");
  return out;
}

}  // namespace hort::resources
