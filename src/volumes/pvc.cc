// PVC → PV → CSI volume: which Longhorn volume (and so which block device
// and which backupstore folder) a claim is.
#include <cctype>
#include <cstdlib>

#include "volumes/cluster.h"

namespace hort::volumes {
namespace {

using kube::Json;

// "10Gi", "512Mi", "1G", "1073741824": the PV's capacity in bytes (0 when
// the quantity is absent or in a form a PV's capacity does not take).
uint64_t QuantityBytes(const std::string& q) {
  size_t digits = 0;
  while (digits < q.size() && std::isdigit(static_cast<unsigned char>(q[digits]))) ++digits;
  if (digits == 0 || digits > 18) return 0;
  uint64_t n = std::strtoull(q.substr(0, digits).c_str(), nullptr, 10);
  static const std::pair<const char*, uint64_t> kSuffixes[] = {
      {"", 1},          {"Ki", 1ULL << 10}, {"Mi", 1ULL << 20}, {"Gi", 1ULL << 30}, {"Ti", 1ULL << 40},
      {"k", 1000},      {"M", 1000000},     {"G", 1000000000},  {"T", 1000000000000ULL}};
  std::string suffix = q.substr(digits);
  for (const auto& [s, mult] : kSuffixes) {
    if (suffix == s) return n > UINT64_MAX / mult ? 0 : n * mult;
  }
  return 0;
}

std::string StringAt(const Json& j, std::initializer_list<const char*> path) {
  const Json* at = &j;
  for (const char* k : path) {
    if (!at->is_object() || !at->contains(k)) return "";
    at = &(*at)[k];
  }
  return at->is_string() ? at->get<std::string>() : "";
}

}  // namespace

Result<PvcVolume> ResolvePvc(kube::Client& client, const std::string& ns, const std::string& pvc) {
  HORT_ASSIGN_OR_RETURN(kube::Discovery d, client.Discover());
  const kube::ResourceInfo* claims = d.Find("", "v1", "persistentvolumeclaims");
  const kube::ResourceInfo* volumes = d.Find("", "v1", "persistentvolumes");
  if (!claims || !volumes) return Status(Code::kUnsupported, "the API server serves no persistentvolumeclaims");
  std::string what = "PersistentVolumeClaim " + ns + "/" + pvc;
  auto claim = client.Get(*claims, ns, pvc);
  if (!claim.ok()) {
    if (claim.status().code() == Code::kNotFound) return Status(Code::kNotFound, what + " not found");
    return Status(claim.status().code(), what + ": " + claim.status().message());
  }
  PvcVolume out;
  out.pv = StringAt(*claim, {"spec", "volumeName"});
  if (out.pv.empty() || StringAt(*claim, {"status", "phase"}) != "Bound") {
    return Status(Code::kUnavailable, what + " is not bound to a volume yet");
  }
  auto pv = client.Get(*volumes, "", out.pv);
  if (!pv.ok()) {
    if (pv.status().code() == Code::kNotFound) {
      return Status(Code::kNotFound, what + " is bound to PersistentVolume " + out.pv + ", which does not exist");
    }
    return Status(pv.status().code(), "PersistentVolume " + out.pv + ": " + pv.status().message());
  }
  out.driver = StringAt(*pv, {"spec", "csi", "driver"});
  out.volume_handle = StringAt(*pv, {"spec", "csi", "volumeHandle"});
  if (out.driver.empty() || out.volume_handle.empty()) {
    return Status(Code::kUnsupported,
                  what + " is bound to PersistentVolume " + out.pv + ", which is not a CSI volume");
  }
  out.capacity = QuantityBytes(StringAt(*pv, {"spec", "capacity", "storage"}));
  if (out.IsLonghorn()) out.device = "/dev/longhorn/" + out.volume_handle;
  return out;
}

}  // namespace hort::volumes
