#include "agent/placement.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "kube/json_fields.h"
#include "kube/wait.h"

namespace hort::agent {
namespace fs = std::filesystem;

Result<std::string> BoundVolume(kube::Client& client, const std::string& ns, const std::string& pvc) {
  HORT_ASSIGN_OR_RETURN(kube::Discovery d, client.Discover());
  const kube::ResourceInfo* r = d.Find("", "v1", "persistentvolumeclaims");
  if (!r) return Status(Code::kUnsupported, "the cluster serves no persistentvolumeclaims");
  auto claim = client.Get(*r, ns, pvc);
  if (!claim.ok() && claim.status().code() == Code::kNotFound) {
    return Status(Code::kNotFound, "persistentvolumeclaim \"" + pvc + "\" not found in namespace \"" + ns + "\"");
  }
  if (!claim.ok()) return claim.status();
  std::string pv = kube::StringAt(*claim, "/spec/volumeName");
  if (pv.empty()) {
    return Status(Code::kUnavailable, "persistentvolumeclaim " + ns + "/" + pvc + " is not bound to a volume yet (phase " +
                                          kube::StringAt(*claim, "/status/phase", "Pending") + ")");
  }
  return pv;
}

Result<std::optional<Mount>> FindMount(kube::Client& client, const std::string& ns, const std::string& pvc) {
  HORT_ASSIGN_OR_RETURN(kube::Discovery d, client.Discover());
  const kube::ResourceInfo* r = d.Find("", "v1", "pods");
  if (!r) return Status(Code::kUnsupported, "the cluster serves no pods");
  HORT_ASSIGN_OR_RETURN(kube::ObjectList pods, client.List(*r, ns, {}));
  std::optional<Mount> found;
  for (const kube::Json& p : pods.items) {
    const std::string node = kube::StringAt(p, "/spec/nodeName");
    if (node.empty() || kube::StringAt(p, "/status/phase") != "Running" || kube::FieldAt(p, "/metadata/deletionTimestamp")) {
      continue;
    }
    for (const kube::Json& v : kube::ArrayAt(p, "/spec/volumes")) {
      if (kube::StringAt(v, "/persistentVolumeClaim/claimName") != pvc) continue;
      Mount m{kube::StringAt(p, "/metadata/name"), kube::StringAt(p, "/metadata/uid"), node};
      if (!found || m.pod < found->pod) found = m;
    }
  }
  return found;
}

kube::Json NewClaim(const std::string& ns, const std::string& name, const std::string& size,
                    const std::string& storage_class, const kube::Json& labels) {
  kube::Json all = labels;
  all["app.kubernetes.io/managed-by"] = "hort";
  kube::Json pvc = {{"apiVersion", "v1"},
                    {"kind", "PersistentVolumeClaim"},
                    {"metadata", {{"name", name}, {"namespace", ns}, {"labels", all}}},
                    {"spec", {{"accessModes", {"ReadWriteOnce"}}, {"resources", {{"requests", {{"storage", size}}}}}}}};
  if (!storage_class.empty()) pvc["spec"]["storageClassName"] = storage_class;
  return pvc;
}

Status VerifyMount(kube::Client& client, const std::string& ns, const std::string& pvc, const std::string& pv,
                   const std::string& pod, const std::string& pod_uid, const std::string& node) {
  HORT_ASSIGN_OR_RETURN(kube::Discovery d, client.Discover());
  const kube::ResourceInfo* pods = d.Find("", "v1", "pods");
  const kube::ResourceInfo* pvs = d.Find("", "v1", "persistentvolumes");
  if (!pods || !pvs) return Status(Code::kUnsupported, "the cluster serves no pods or persistentvolumes");
  auto p = client.Get(*pods, ns, pod);
  if (!p.ok()) return p.status().Annotate("pod " + ns + "/" + pod);
  bool mounts = false;
  for (const kube::Json& v : kube::ArrayAt(*p, "/spec/volumes")) {
    mounts = mounts || kube::StringAt(v, "/persistentVolumeClaim/claimName") == pvc;
  }
  if (kube::StringAt(*p, "/metadata/uid") != pod_uid || kube::StringAt(*p, "/spec/nodeName") != node || !mounts) {
    return Status(Code::kInvalidArgument, "pod " + ns + "/" + pod + " is not the one of the task (uid " + pod_uid +
                                              ", node " + node + ", mounting " + pvc + "): it moved or was replaced");
  }
  HORT_ASSIGN_OR_RETURN(std::string bound, BoundVolume(client, ns, pvc));
  if (bound != pv) {
    return Status(Code::kInvalidArgument, "persistentvolumeclaim " + ns + "/" + pvc + " is bound to " + bound +
                                              ", not to the task's " + pv);
  }
  auto volume = client.Get(*pvs, "", pv);
  if (!volume.ok()) return volume.status().Annotate("persistentvolume " + pv);
  if (kube::FieldAt(*volume, "/spec/hostPath")) {
    return Status(Code::kUnsupported, "persistentvolume " + pv + " is a hostPath volume (" +
                                          kube::StringAt(*volume, "/spec/hostPath/path") +
                                          "), which the kubelet does not mount under the pod's folder: give the entry "
                                          "`source:` with that folder mounted into hort");
  }
  return Status::Ok();
}

Result<std::string> PodVolumePath(const std::string& kubelet_root, const std::string& pod_uid, const std::string& pv,
                                  const std::string& node) {
  // Both come from the API; they must stay one path segment each.
  for (const std::string* segment : {&pod_uid, &pv}) {
    if (segment->empty() || *segment == "." || *segment == ".." || segment->find('/') != std::string::npos) {
      return Status(Code::kInvalidArgument, "\"" + *segment + "\" is not a pod uid or volume name");
    }
  }
  const fs::path pods = fs::path(kubelet_root) / "pods";
  std::error_code ec;
  if (!fs::is_directory(pods, ec)) {
    return Status(Code::kNotFound, "the kubelet's pods folder " + pods.string() + " is not there on node " + node +
                                       ": is the kubelet root mounted into the agent (hostPath, --kubelet-root)?");
  }
  const fs::path volumes = pods / pod_uid / "volumes";
  if (fs::is_directory(volumes, ec)) {
    // One folder per volume plugin ("kubernetes.io~csi", "kubernetes.io~local-volume" …), each volume by its PV's name.
    std::vector<fs::path> plugins;
    for (fs::directory_iterator it(volumes, ec), end; !ec && it != end; it.increment(ec)) plugins.push_back(it->path());
    std::sort(plugins.begin(), plugins.end());
    for (const fs::path& plugin : plugins) {
      const fs::path dir = plugin / pv;
      if (!fs::exists(dir, ec)) continue;
      const fs::path data = plugin.filename() == "kubernetes.io~csi" ? dir / "mount" : dir;
      // The kubelet's mount is the folder itself; resolving links keeps a
      // bind-mounted or linked folder (the test server's) the backup's root.
      fs::path real = fs::canonical(data, ec);
      if (!ec && fs::is_directory(real, ec)) return real.string();
    }
  }
  return Status(Code::kNotFound, "no folder of volume " + pv + " under " + volumes.string() + " on node " + node +
                                     " (the pod moved, or its volume is not mounted yet)");
}

}  // namespace hort::agent
