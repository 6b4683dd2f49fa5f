#include "deploy/workloads.h"

#include "deploy/manifests.h"

namespace hort::deploy {
namespace {

using kube::Json;

constexpr int kHortUid = 65532;  // the image's user and group (docs/image.md)
// Container names, also given to the process as HORT_CONTAINER_NAME.
constexpr const char* kServeContainer = "hort";
constexpr const char* kAgentContainer = "agent";

Json WithComponent(const Json& labels, const char* component) {
  Json l = labels;
  l["app.kubernetes.io/component"] = component;
  return l;
}

Json FieldEnv(const char* name, const char* path) {
  return {{"name", name}, {"valueFrom", {{"fieldRef", {{"fieldPath", path}}}}}};
}

// The cache lives in an emptyDir: the catalog's cache_dir, else XDG_CACHE_HOME.
std::string CacheDir(const Catalog& c) { return c.cache_dir.empty() ? "/var/cache/hort" : c.cache_dir; }

// What serve and the agent share: the catalog, the secrets, /tmp and the cache.
struct PodParts {
  Json volumes = Json::array(), mounts = Json::array(), env = Json::array();
};

PodParts Shared(const PodInputs& in, const char* container_name) {
  PodParts p;
  p.volumes.push_back({{"name", "catalog"}, {"configMap", {{"name", "hort-catalog"}}}});
  p.mounts.push_back({{"name", "catalog"}, {"mountPath", kCatalogPath}, {"subPath", "hort.yaml"}, {"readOnly", true}});
  if (!in.secrets->files.empty()) {
    // 0440 with fsGroup: hort's group reads them, nobody writes them.
    p.volumes.push_back({{"name", "secrets"}, {"secret", {{"secretName", kSecretName}, {"defaultMode", 0440}}}});
    for (const SecretFile& f : in.secrets->files) {
      p.mounts.push_back({{"name", "secrets"}, {"mountPath", f.path}, {"subPath", f.key}, {"readOnly", true}});
    }
  }
  p.volumes.push_back({{"name", "tmp"}, {"emptyDir", Json::object()}});
  p.mounts.push_back({{"name", "tmp"}, {"mountPath", "/tmp"}});
  p.volumes.push_back({{"name", "cache"}, {"emptyDir", Json::object()}});
  p.mounts.push_back({{"name", "cache"}, {"mountPath", CacheDir(*in.catalog)}});
  p.env.push_back({{"name", "HORT_CONFIG"}, {"value", kCatalogPath}});
  if (in.catalog->cache_dir.empty()) p.env.push_back({{"name", "XDG_CACHE_HOME"}, {"value", CacheDir(*in.catalog)}});
  p.env.push_back(FieldEnv("POD_NAMESPACE", "metadata.namespace"));
  p.env.push_back(FieldEnv("POD_NAME", "metadata.name"));
  // With HORT_CONTAINER_NAME: a restarted container knows its killed
  // predecessor's repository locks as stale (LockFile::container).
  p.env.push_back(FieldEnv("HORT_POD_UID", "metadata.uid"));
  p.env.push_back({{"name", "HORT_CONTAINER_NAME"}, {"value", container_name}});
  for (const SecretEnv& e : in.secrets->env) {
    Json ref = {{"name", kSecretName}, {"key", e.var}};
    if (e.optional) ref["optional"] = true;
    p.env.push_back({{"name", e.var}, {"valueFrom", {{"secretKeyRef", ref}}}});
  }
  return p;
}

Json ContainerSecurity(Json capabilities) {
  return {{"readOnlyRootFilesystem", true},
          {"allowPrivilegeEscalation", false},
          {"capabilities", std::move(capabilities)}};
}

Json Metadata(const std::string& name, const PodInputs& in, const Json& labels) {
  return {{"name", name}, {"namespace", in.ns}, {"labels", labels}};
}

}  // namespace

Json ServeDeployment(const PodInputs& in) {
  Json labels = WithComponent(in.labels, "serve");
  PodParts p = Shared(in, kServeContainer);
  p.volumes.push_back({{"name", "state"}, {"persistentVolumeClaim", {{"claimName", "hort-state"}}}});
  p.mounts.push_back({{"name", "state"}, {"mountPath", kStateDir}});
  p.env.push_back({{"name", "HORT_IMAGE"}, {"value", in.image}});  // serve starts holder Jobs from it
  Json probe = {{"httpGet", {{"path", "/healthz"}, {"port", "http"}}}, {"timeoutSeconds", 5}};
  Json readiness = probe, liveness = probe;
  readiness["periodSeconds"] = 10;
  liveness["periodSeconds"] = 30;
  liveness["failureThreshold"] = 4;
  Json container = {
      {"name", kServeContainer},
      {"image", in.image},
      {"imagePullPolicy", "IfNotPresent"},
      {"args", {"serve", "--config", kCatalogPath}},
      {"ports", {{{"name", "http"}, {"containerPort", in.port}, {"protocol", "TCP"}}}},
      {"env", p.env},
      {"readinessProbe", readiness},
      {"livenessProbe", liveness},
      {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "256Mi"}}}, {"limits", {{"memory", "2Gi"}}}}},
      {"securityContext", ContainerSecurity({{"drop", {"ALL"}}})},
      {"volumeMounts", p.mounts}};
  Json pod = {{"serviceAccountName", "hort"},
              {"securityContext",
               {{"runAsNonRoot", true}, {"runAsUser", kHortUid}, {"runAsGroup", kHortUid}, {"fsGroup", kHortUid},
                {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
              {"containers", {container}},
              {"volumes", p.volumes}};
  Json selector = {{"app.kubernetes.io/name", "hort"}, {"app.kubernetes.io/component", "serve"}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", Metadata("hort", in, labels)},
          {"spec",
           {{"replicas", 1},
            {"strategy", {{"type", "Recreate"}}},  // one writer of the state database at a time
            {"selector", {{"matchLabels", selector}}},
            {"template", {{"metadata", {{"labels", labels}}}, {"spec", pod}}}}}};
}

Json AgentDaemonSet(const PodInputs& in) {
  Json labels = WithComponent(in.labels, "agent");
  PodParts p = Shared(in, kAgentContainer);
  // Its HOME and working dir; the catalog's state and work_dir are serve's.
  p.volumes.push_back({{"name", "home"}, {"emptyDir", Json::object()}});
  p.mounts.push_back({{"name", "home"}, {"mountPath", kStateDir}});
  // HostToContainer: volumes the kubelet mounts after the agent started show up in it.
  p.volumes.push_back({{"name", "pods"}, {"hostPath", {{"path", "/var/lib/kubelet/pods"}, {"type", "Directory"}}}});
  p.mounts.push_back({{"name", "pods"}, {"mountPath", "/var/lib/kubelet/pods"}, {"mountPropagation", "HostToContainer"}});
  p.env.push_back(FieldEnv("NODE_NAME", "spec.nodeName"));
  p.env.push_back({{"name", "HORT_KUBELET_ROOT"}, {"value", "/var/lib/kubelet"}});
  // Root without the rest of root's powers: read (backup) and write with owners and modes (restore) any file.
  Json caps = {{"drop", {"ALL"}}, {"add", {"DAC_READ_SEARCH", "DAC_OVERRIDE", "CHOWN", "FOWNER", "FSETID"}}};
  Json container = {{"name", kAgentContainer},
                    {"image", in.image},
                    {"imagePullPolicy", "IfNotPresent"},
                    {"args", {"agent", "--config", kCatalogPath}},
                    {"env", p.env},
                    {"resources", {{"requests", {{"cpu", "50m"}, {"memory", "128Mi"}}}, {"limits", {{"memory", "1Gi"}}}}},
                    {"securityContext", ContainerSecurity(caps)},
                    {"volumeMounts", p.mounts}};
  Json pod = {{"serviceAccountName", "hort"},
              {"securityContext",
               {{"runAsNonRoot", false}, {"runAsUser", 0}, {"runAsGroup", 0},
                {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
              {"tolerations", {{{"key", "node-role.kubernetes.io/control-plane"}, {"operator", "Exists"},
                                {"effect", "NoSchedule"}}}},
              {"containers", {container}},
              {"volumes", p.volumes}};
  Json selector = {{"app.kubernetes.io/name", "hort"}, {"app.kubernetes.io/component", "agent"}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "DaemonSet"},
          {"metadata", Metadata("hort-agent", in, labels)},
          {"spec",
           {{"selector", {{"matchLabels", selector}}},
            {"updateStrategy", {{"type", "RollingUpdate"}}},
            {"template", {{"metadata", {{"labels", labels}}}, {"spec", pod}}}}}};
}

}  // namespace hort::deploy
