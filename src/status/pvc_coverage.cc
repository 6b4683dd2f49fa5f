#include "status/pvc_coverage.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "kube/json_fields.h"
#include "util/env.h"

namespace hort {
namespace {

using nlohmann::json;

std::vector<std::string> Sorted(std::set<std::string> s) { return {s.begin(), s.end()}; }

// "<service>/<layer>/<entry>" for every catalog entry that backs up the PVC's data.
std::vector<std::string> Protectors(const Catalog& c, const std::string& ns, const std::string& pvc) {
  std::vector<std::string> out;
  for (const Service& s : c.services) {
    if (s.ns != ns) continue;
    for (const FilesEntry& e : s.files) {
      if (e.kind == FilesEntry::Kind::kPvc && e.pvc == pvc) out.push_back(s.name + "/files/" + e.name);
    }
    for (const VolumesEntry& v : s.volumes) {
      if (v.kind == VolumesEntry::Kind::kPvc && v.pvc == pvc) out.push_back(s.name + "/volumes/" + v.name);
    }
  }
  return out;
}

}  // namespace

size_t CoverageReport::UnprotectedCount() const {
  return static_cast<size_t>(std::count_if(pvcs.begin(), pvcs.end(), [](const PvcCoverage& p) { return !p.Protected(); }));
}

CoverageReport ComputeCoverage(const std::vector<json>& pvcs, const std::vector<json>& pods, const Catalog* catalog) {
  // (namespace, claim) → pods and nodes, from the pods' volumes.
  std::map<std::pair<std::string, std::string>, std::pair<std::set<std::string>, std::set<std::string>>> users;
  for (const json& pod : pods) {
    std::string phase = kube::StringAt(pod, "/status/phase");
    if (phase == "Succeeded" || phase == "Failed") continue;  // finished pods hold no volume
    const std::string ns = kube::StringAt(pod, "/metadata/namespace");
    for (const json& v : kube::ArrayAt(pod, "/spec/volumes")) {
      std::string claim = kube::StringAt(v, "/persistentVolumeClaim/claimName");
      if (claim.empty()) continue;
      auto& u = users[{ns, claim}];
      u.first.insert(kube::StringAt(pod, "/metadata/name"));
      if (std::string node = kube::StringAt(pod, "/spec/nodeName"); !node.empty()) u.second.insert(node);
    }
  }
  std::set<std::string> catalog_namespaces;
  if (catalog) {
    for (const Service& s : catalog->services) catalog_namespaces.insert(s.ns);
  }
  CoverageReport r;
  std::set<std::string> bare_namespaces;
  for (const json& pvc : pvcs) {
    PvcCoverage p;
    p.ns = kube::StringAt(pvc, "/metadata/namespace");
    p.name = kube::StringAt(pvc, "/metadata/name");
    p.size = kube::StringAt(pvc, "/spec/resources/requests/storage");
    if (p.size.empty()) p.size = kube::StringAt(pvc, "/status/capacity/storage");
    p.storage_class = kube::StringAt(pvc, "/spec/storageClassName");
    p.phase = kube::StringAt(pvc, "/status/phase");
    if (auto it = users.find({p.ns, p.name}); it != users.end()) {
      p.pods = Sorted(it->second.first);
      p.nodes = Sorted(it->second.second);
    }
    if (catalog) p.protected_by = Protectors(*catalog, p.ns, p.name);
    p.namespace_in_catalog = catalog_namespaces.count(p.ns) > 0;
    if (!p.namespace_in_catalog) bare_namespaces.insert(p.ns);
    r.pvcs.push_back(std::move(p));
  }
  std::sort(r.pvcs.begin(), r.pvcs.end(), [](const PvcCoverage& a, const PvcCoverage& b) {
    return std::make_tuple(a.Protected(), a.namespace_in_catalog, a.ns, a.name) <
           std::make_tuple(b.Protected(), b.namespace_in_catalog, b.ns, b.name);
  });
  r.unprotected_namespaces = Sorted(bare_namespaces);
  return r;
}

Result<CoverageReport> CollectCoverage(kube::Client& client, const Catalog* catalog) {
  HORT_ASSIGN_OR_RETURN(kube::Discovery d, client.Discover());
  const kube::ResourceInfo* pvcs = d.Find("", "v1", "persistentvolumeclaims");
  const kube::ResourceInfo* pods = d.Find("", "v1", "pods");
  if (!pvcs || !pods) return Status(Code::kUnsupported, "the cluster serves no v1 persistentvolumeclaims or pods");
  HORT_ASSIGN_OR_RETURN(kube::ObjectList claims, client.List(*pvcs, "", kube::ListOptions{}));
  HORT_ASSIGN_OR_RETURN(kube::ObjectList users, client.List(*pods, "", kube::ListOptions{}));
  return ComputeCoverage(claims.items, users.items, catalog);
}

bool CatalogNamesCluster(const Catalog& catalog) {
  return !catalog.kubernetes.kubeconfig.empty() || !catalog.kubernetes.context.empty() ||
         !Env("KUBERNETES_SERVICE_HOST").empty();
}

namespace {

Result<std::unique_ptr<kube::Client>> OpenCatalogCluster(const Catalog& catalog) {
  return kube::OpenClient(catalog.kubernetes);
}

CoverageSample SampleWith(kube::Client& client, const Catalog& catalog) {
  CoverageSample out;
  auto r = CollectCoverage(client, &catalog);
  if (!r.ok()) {
    out.error = r.status().message();
    return out;
  }
  out.ok = true;
  out.pvcs = r->pvcs.size();
  out.unprotected = r->UnprotectedCount();
  return out;
}

}  // namespace

CoverageSample SampleCoverage(const Catalog& catalog) {
  auto client = OpenCatalogCluster(catalog);
  if (!client.ok()) return CoverageSample{.error = client.status().message()};
  return SampleWith(**client, catalog);
}

CoverageSampler::CoverageSampler(const Catalog& catalog, double interval_seconds,
                                 std::function<void(const std::string&)> log)
    : catalog_(catalog), interval_(interval_seconds), log_(std::move(log)), thread_([this] { Loop(); }) {}

CoverageSampler::~CoverageSampler() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::optional<CoverageSample> CoverageSampler::Latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

void CoverageSampler::Loop() {
  std::unique_ptr<kube::Client> client;
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    CoverageSample sample;
    if (!client) {
      auto opened = OpenCatalogCluster(catalog_);
      if (opened.ok()) client = std::move(*opened);
      else sample.error = opened.status().message();
    }
    if (client) sample = SampleWith(*client, catalog_);
    if (!sample.ok && log_) log_("kube coverage: " + sample.error);
    lock.lock();
    latest_ = std::move(sample);
    wake_.wait_for(lock, std::chrono::duration<double>(interval_), [this] { return stop_; });
  }
}

json CoverageJson(const CoverageReport& report) {
  json pvcs = json::array();
  for (const PvcCoverage& p : report.pvcs) {
    pvcs.push_back({{"namespace", p.ns},
                    {"name", p.name},
                    {"size", p.size},
                    {"storage_class", p.storage_class},
                    {"phase", p.phase},
                    {"pods", p.pods},
                    {"nodes", p.nodes},
                    {"protected", p.Protected()},
                    {"protected_by", p.protected_by},
                    {"namespace_in_catalog", p.namespace_in_catalog}});
  }
  return {{"pvcs", pvcs},
          {"unprotected_pvcs", report.UnprotectedCount()},
          {"unprotected_namespaces", report.unprotected_namespaces}};
}

}  // namespace hort
