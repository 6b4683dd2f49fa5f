#include "cli/kube_cli.h"

#include <set>

#include "jobs/pod_dump.h"
#include "resources/collect.h"

namespace hort::cli {

void AddKubeFlags(CLI::App& sub, KubeFlags* flags) {
  sub.add_option("--kubeconfig", flags->kubeconfig, "kubeconfig file(s), ':'-separated (default: the catalog's, $KUBECONFIG, ~/.kube/config)");
  sub.add_option("--context", flags->context, "kubeconfig context (default: the catalog's, else current-context)");
  sub.add_option("--kube-qps", flags->qps, "Kubernetes API requests per second (default: the catalog's, else 20)")
      ->check(CLI::Range(1, 1000));
  sub.add_option("--kube-burst", flags->burst, "Kubernetes API requests above --kube-qps in a burst (default: the catalog's, else 30)")
      ->check(CLI::Range(1, 1000));
}

Result<std::unique_ptr<kube::Client>> OpenKube(const KubeFlags& flags, const Catalog* catalog) {
  kube::KubeSettings s;
  if (catalog) s = catalog->kubernetes;
  if (!flags.kubeconfig.empty()) s.kubeconfig = flags.kubeconfig;
  if (!flags.context.empty()) s.context = flags.context;
  if (flags.qps > 0) s.qps = flags.qps;
  if (flags.burst > 0) s.burst = flags.burst;
  return kube::OpenClient(s);
}

Status CheckCatalogAgainstCluster(kube::Client& client, const Catalog& catalog, std::vector<std::string>* problems,
                                  int* checked) {
  HORT_ASSIGN_OR_RETURN(kube::Discovery d, client.Discover());
  const kube::ResourceInfo* namespaces = d.Find("", "v1", "namespaces");
  const kube::ResourceInfo* pods = d.Find("", "v1", "pods");
  const kube::ResourceInfo* pvcs = d.Find("", "v1", "persistentvolumeclaims");
  if (!namespaces || !pods || !pvcs) return Status(Code::kUnsupported, "the cluster serves no v1 namespaces, pods or PVCs");
  // A missing object is a finding; anything else (403, unreachable) stops the check.
  auto exists = [&](const kube::ResourceInfo& r, const std::string& ns, const std::string& name,
                    const std::string& what) -> Status {
    ++*checked;
    auto got = client.Get(r, ns, name);
    if (got.ok()) return Status::Ok();
    if (got.status().code() != Code::kNotFound) return got.status();
    problems->push_back(what);
    return Status::Ok();
  };
  std::set<std::string> seen_ns;
  for (const Service& s : catalog.services) {
    std::string where = "services." + s.name + " (line " + std::to_string(s.line) + "): ";
    if (seen_ns.insert(s.ns).second) {
      HORT_RETURN_IF_ERROR(exists(*namespaces, "", s.ns, where + "namespace " + s.ns + " does not exist"));
    }
    for (const FilesEntry& e : s.files) {
      std::string at = "services." + s.name + ".files." + e.name + " (line " + std::to_string(e.line) + "): ";
      if (e.kind == FilesEntry::Kind::kPvc) {
        HORT_RETURN_IF_ERROR(exists(*pvcs, s.ns, e.pvc, at + "PVC " + s.ns + "/" + e.pvc + " does not exist"));
      }
      if (e.kind == FilesEntry::Kind::kDump && !e.pod.empty()) {
        if (!LooksLikeSelector(e.pod)) {
          HORT_RETURN_IF_ERROR(exists(*pods, s.ns, e.pod, at + "pod " + s.ns + "/" + e.pod + " does not exist"));
        } else {
          ++*checked;
          kube::ListOptions lo;
          lo.label_selector = e.pod;
          HORT_ASSIGN_OR_RETURN(kube::ObjectList l, client.List(*pods, s.ns, lo));
          if (l.items.empty()) problems->push_back(at + "no pod in namespace " + s.ns + " matches " + e.pod);
        }
      }
    }
    for (const ResourcesEntry& e : s.resources) {
      std::string at = "services." + s.name + ".resources." + e.name + " (line " + std::to_string(e.line) + "): ";
      // The catalog takes namespaces by name only (no wildcard): each one the
      // backup lists must exist, or the run ends PartiallyFailed.
      for (const std::string& ns : e.namespaces) {
        if (!seen_ns.insert(ns).second) continue;
        HORT_RETURN_IF_ERROR(exists(*namespaces, "", ns, at + "namespace " + ns + " does not exist"));
      }
      // A type the cluster does not serve fails the backup before anything is
      // listed: the backup's own rule (resources::ListedType), asked here.
      const std::pair<const char*, const std::vector<std::string>*> type_lists[] = {
          {"include", &e.include}, {"exclude", &e.exclude}, {"require", &e.require}};
      for (const auto& [key, names] : type_lists) {
        for (const std::string& n : *names) {
          if (n == "*") continue;
          ++*checked;
          if (auto r = resources::ListedType(d, n, key); !r.ok()) problems->push_back(at + r.status().message());
        }
      }
      *checked += !e.require.empty();
      if (Status kept = resources::RequiredKept(d, e.include, e.exclude, e.require); !kept.ok()) {
        problems->push_back(at + kept.message());
      }
      for (const ResourcesEntry::ClusterObjects& c : e.cluster) {
        ++*checked;
        auto r = resources::ClusterObjectsType(d, c.resource);  // the backup's own rule
        if (!r.ok()) {
          problems->push_back(at + r.status().message());
          continue;
        }
        for (const std::string& name : c.names) {
          HORT_RETURN_IF_ERROR(exists(**r, "", name, at + (*r)->GroupResource() + " " + name + " does not exist"));
        }
      }
    }
    for (const VolumesEntry& v : s.volumes) {
      if (v.kind != VolumesEntry::Kind::kPvc) continue;
      std::string at = "services." + s.name + ".volumes." + v.name + " (line " + std::to_string(v.line) + "): ";
      HORT_RETURN_IF_ERROR(exists(*pvcs, s.ns, v.pvc, at + "PVC " + s.ns + "/" + v.pvc + " does not exist"));
    }
  }
  return Status::Ok();
}

}  // namespace hort::cli
