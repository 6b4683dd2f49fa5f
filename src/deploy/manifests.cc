#include "deploy/manifests.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>

#include <yaml-cpp/yaml.h>

#include "backend/backend.h"
#include "deploy/workloads.h"
#include "deploy/yaml_out.h"
#include "kube/permissions.h"
#include "net/listen_address.h"

namespace hort::deploy {
namespace {

using kube::Json;

bool Under(const std::string& path, const std::string& dir) {
  return path == dir || path.rfind(dir + "/", 0) == 0;
}

// "http://user:password@host…": the userinfo before the authority's last '@' holds a ':'.
bool UrlHoldsPassword(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  const std::string authority = url.substr(scheme + 3, url.find('/', scheme + 3) - (scheme + 3));
  const size_t at = authority.rfind('@');
  return at != std::string::npos && authority.substr(0, at).find(':') != std::string::npos;
}

// The image's writable paths are /var/lib/hort (the PVC) and the emptyDirs:
// a catalog writing elsewhere would fail on the read-only root filesystem.
Status CheckRunsInImage(const Catalog& c, int* port) {
  for (const auto& [key, path] : {std::pair{"state", c.state_path}, std::pair{"work_dir", c.work_dir}}) {
    if (!Under(path, kStateDir)) {
      return Status(Code::kInvalidArgument, std::string(key) + " " + path + " is not under " + kStateDir +
                                                ", the only persistent path of hort's pod: set " + key + ": " +
                                                kStateDir + "/" + (std::string(key) == "state" ? "state.sqlite" : "work"));
    }
  }
  // The catalog goes into a ConfigMap: a password in a REST URL would be readable there.
  for (const auto& [name, repo] : c.repositories) {
    if (LocationWithoutPassword(repo.url) != repo.url) {
      return Status(Code::kInvalidArgument, "repositories." + name + ".url holds a password, which would land in the "
                                                "catalog's ConfigMap: leave it out of the URL (hort cannot take a REST "
                                                "password from a Secret yet)");
    }
  }
  if (UrlHoldsPassword(c.alertmanager_url)) {
    return Status(Code::kInvalidArgument, "alertmanager.url holds a password, which would land in the catalog's "
                                          "ConfigMap: leave it out of the URL");
  }
  const std::string& listen = c.serve.listen;
  auto parsed = ParseListenAddress(listen);
  if (!parsed.ok()) return parsed.status().Annotate("serve.listen");
  const ListenAddress& address = *parsed;
  const std::string& host = address.host;
  if (host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == "::1") {
    return Status(Code::kInvalidArgument, "serve.listen " + listen +
                                              " answers only inside the pod, not the kubelet's probes or Prometheus: "
                                              "set serve.listen: 0.0.0.0:" + std::to_string(address.port));
  }
  *port = address.port;
  return Status::Ok();
}

Json Meta(const std::string& name, const std::string& ns, const Json& labels) {
  Json m = {{"name", name}, {"labels", labels}};
  if (!ns.empty()) m["namespace"] = ns;
  return m;
}

Json Object(const char* api, const char* kind, Json metadata) {
  return {{"apiVersion", api}, {"kind", kind}, {"metadata", std::move(metadata)}};
}

Json Binding(const char* kind, const char* role_kind, const std::string& ns, const Json& labels) {
  Json b = Object("rbac.authorization.k8s.io/v1", kind, Meta("hort", std::string(kind) == "RoleBinding" ? ns : "", labels));
  b["roleRef"] = {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", role_kind}, {"name", "hort"}};
  b["subjects"] = {{{"kind", "ServiceAccount"}, {"name", "hort"}, {"namespace", ns}}};
  return b;
}

Result<Json> AlertGroups() {
  HORT_ASSIGN_OR_RETURN(Json rules, YamlToJson(EmbeddedAlertRules(), "deploy/prometheus/hort-rules.yaml"));
  if (!rules.is_object() || !rules.contains("groups")) {
    return Status(Code::kInternal, "the embedded alert rules hold no groups");
  }
  return rules["groups"];
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

std::string DefaultImage() { return "localhost/hort:" + HortVersion(); }

Result<Rendered> RenderManifests(const Catalog& catalog, const ManifestOptions& options) {
  int port = 0;
  HORT_RETURN_IF_ERROR(CheckRunsInImage(catalog, &port));
  Rendered r;
  HORT_ASSIGN_OR_RETURN(r.secrets, PlanSecrets(catalog));
  const std::string& ns = options.ns;
  r.secret_command = CreateSecretCommand(r.secrets, ns);
  std::string image = options.image.empty() ? DefaultImage() : options.image;
  Json labels = {{"app.kubernetes.io/name", "hort"},
                 {"app.kubernetes.io/part-of", "hort"},
                 {"app.kubernetes.io/managed-by", "hort"},
                 {"app.kubernetes.io/version", HortVersion()}};
  std::vector<std::string> layers = catalog.UsedLayers();
  bool agent = std::find(layers.begin(), layers.end(), "agent") != layers.end();
  if (layers.empty()) layers.push_back("none");  // the rows every hort needs, nothing more
  auto add = [&r](Json object, std::string comment = "") { r.objects.push_back({std::move(comment), std::move(object)}); };

  Json namespace_labels = labels;
  // serve meets the "restricted" Pod Security Standard; the agent's hostPath needs "privileged".
  namespace_labels["pod-security.kubernetes.io/enforce"] = agent ? "privileged" : "restricted";
  add(Object("v1", "Namespace", Meta(ns, "", namespace_labels)));
  add(Object("v1", "ServiceAccount", Meta("hort", ns, labels)));
  Json cluster_role = kube::ClusterRoleFor("hort", layers);
  cluster_role["metadata"]["labels"] = labels;
  add(cluster_role, "What the catalog's layers need in every namespace (hort kube check names each rule's use).");
  add(Binding("ClusterRoleBinding", "ClusterRole", ns, labels));
  if (Json role = kube::RoleFor("hort", ns, layers); !role.is_null()) {
    role["metadata"]["labels"] = labels;
    add(role, "What hort needs only in its own namespace: the agents' task Leases.");
    add(Binding("RoleBinding", "Role", ns, labels));
  }
  Json config = Object("v1", "ConfigMap", Meta("hort-catalog", ns, labels));
  config["data"] = {{"hort.yaml", options.catalog_text}};
  add(config, "The catalog as written; the pods read it at " + std::string(kCatalogPath) + ".");
  Json pvc = Object("v1", "PersistentVolumeClaim", Meta("hort-state", ns, labels));
  pvc["spec"] = {{"accessModes", {"ReadWriteOnce"}}, {"resources", {{"requests", {{"storage", "1Gi"}}}}}};
  add(pvc, "hort serve's state database and work_dir (" + std::string(kStateDir) + ").");
  PodInputs in{.catalog = &catalog, .secrets = &r.secrets, .image = image, .ns = ns, .port = port, .labels = labels};
  add(ServeDeployment(in), "One hort serve: Recreate, so two never write the state database at once.");
  if (agent) {
    add(AgentDaemonSet(in),
        "hort agent on every node reads claims under the kubelet's pod-volume folders, as Velero's node-agent does.\n"
        "It runs as root (uid 0) because the claims' files belong to every workload's own user; it drops every\n"
        "capability but the ones reading and restoring any file needs, and cannot escalate or write its image.");
  }
  Json selector = {{"app.kubernetes.io/name", "hort"}, {"app.kubernetes.io/component", "serve"}};
  Json service = Object("v1", "Service", Meta("hort", ns, labels));
  service["spec"] = {{"selector", selector},
                     {"ports", {{{"name", "http"}, {"port", port}, {"targetPort", "http"}, {"protocol", "TCP"}}}}};
  add(service, "/metrics, /healthz and the status page.");
  Json monitor = Object("monitoring.coreos.com/v1", "ServiceMonitor", Meta("hort", ns, labels));
  monitor["spec"] = {{"selector", {{"matchLabels", selector}}},
                     {"endpoints", {{{"port", "http"}, {"path", "/metrics"}, {"interval", "60s"}}}}};
  add(monitor, "For the Prometheus Operator; drop it (and the PrometheusRule) from the kustomization without one.");
  HORT_ASSIGN_OR_RETURN(Json groups, AlertGroups());
  Json rule = Object("monitoring.coreos.com/v1", "PrometheusRule", Meta("hort", ns, labels));
  rule["spec"] = {{"groups", groups}};
  add(rule, "deploy/prometheus/hort-rules.yaml of hort " + HortVersion() + ".");
  return r;
}

namespace {

std::string Comment(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out += "# " + text.substr(start, nl - start) + "\n";
    start = nl + 1;
  }
  return out;
}

std::string SecretHeader(const Rendered& r, const std::string& ns) {
  std::string h = "hort " + HortVersion() + " in namespace " + ns + ", rendered by hort kube manifests.\n";
  if (r.secret_command.empty()) return h + "The catalog reads no secret: Secret " + kSecretName + " is not needed.\n";
  h += "Secret " + std::string(kSecretName) + " is not in these manifests; create it with:\n  " + r.secret_command + "\n";
  for (const SecretFile& f : r.secrets.files) h += "  key " + f.key + ": the file " + f.path + " (" + f.used_by + ")\n";
  for (const SecretEnv& e : r.secrets.env) {
    h += "  key " + e.var + ": the variable " + e.var + " (" + e.used_by + (e.optional ? ", optional" : "") + ")\n";
  }
  for (const std::string& n : r.secrets.notes) h += "  note: " + n + "\n";
  return h;
}

}  // namespace

std::string MultiDocument(const Rendered& r, const std::string& ns) {
  std::string out = Comment(SecretHeader(r, ns));
  for (const Manifest& m : r.objects) out += "---\n" + Comment(m.comment) + ToYaml(m.object);
  return out;
}

std::string FileName(const Json& object) {
  return Lower(object["kind"].get<std::string>()) + "-" + object["metadata"]["name"].get<std::string>() + ".yaml";
}

std::string ImageReferenceProblem(const std::string& ref) {
  // The distribution reference grammar, as the container runtimes parse it.
  static const std::regex kReference(
      R"re((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)?)re"  // host
      R"re([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)re"  // path
      R"re((?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?)re");  // tag, digest
  if (ref.empty()) return "it is empty";
  if (ref.size() > 255 + 128 + 72) return "it is too long";
  if (!std::regex_match(ref, kReference)) {
    return "expected [registry[:port]/]name[:tag][@sha256:digest] with a lowercase name, e.g. ghcr.io/example/hort:1.2";
  }
  // The regex takes these as a name; distribution's ParseNormalizedNamed refuses them as an image ID.
  static const std::regex kImageId("[a-f0-9]{64}");
  if (std::regex_match(ref, kImageId)) return "64 hex digits are an image ID, not a reference a kubelet pulls";
  return "";
}

namespace {

// The object files an earlier render listed in the folder's kustomization.yaml,
// when hort wrote it (its header says so; a user's own kustomization folder
// keeps every file) and named like FileName() names them.
std::vector<std::string> EarlierRender(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / "kustomization.yaml").string();
  std::ifstream in(path);
  std::string first;
  std::getline(in, first);
  if (first.rfind("# hort ", 0) != 0 || first.find(", rendered by hort kube manifests.") == std::string::npos) return {};
  static const std::regex kObjectFile(R"([a-z0-9]+-[a-z0-9]([a-z0-9.-]*[a-z0-9])?\.yaml)");
  std::vector<std::string> out;
  try {
    YAML::Node k = YAML::LoadFile(path);
    for (const YAML::Node& n : k["resources"]) {
      const std::string name = n.as<std::string>();
      if (std::regex_match(name, kObjectFile)) out.push_back(name);
    }
  } catch (const YAML::Exception&) {  // not readable as YAML: nothing to remove
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> WriteDirectory(const Rendered& r, const std::string& ns, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status(Code::kIo, "cannot create " + dir + ": " + ec.message());
  const std::vector<std::string> earlier = EarlierRender(dir);
  auto write = [&dir](const std::string& name, const std::string& text) -> Status {
    std::string path = (std::filesystem::path(dir) / name).string();
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << text;
    f.close();
    if (!f) return Status(Code::kIo, "cannot write " + path);
    return Status::Ok();
  };
  Json kustomization = {{"apiVersion", "kustomize.config.k8s.io/v1beta1"},
                        {"kind", "Kustomization"},
                        {"namespace", ns},
                        {"resources", Json::array()}};
  for (const Manifest& m : r.objects) {
    std::string name = FileName(m.object);
    HORT_RETURN_IF_ERROR(write(name, Comment(m.comment) + ToYaml(m.object)));
    kustomization["resources"].push_back(name);
  }
  HORT_RETURN_IF_ERROR(write("kustomization.yaml", Comment(SecretHeader(r, ns)) + ToYaml(kustomization)));
  // An object this catalog no longer makes (the agent once no entry needs it) would
  // still be applied by `kubectl apply -f DIR`.
  std::vector<std::string> removed;
  for (const std::string& name : earlier) {
    const auto& now = kustomization["resources"];
    if (std::find(now.begin(), now.end(), name) != now.end()) continue;
    if (std::filesystem::remove(std::filesystem::path(dir) / name, ec)) removed.push_back(name);
  }
  return removed;
}

}  // namespace hort::deploy
