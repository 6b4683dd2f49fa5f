#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "deploy/manifests.h"
#include "deploy/yaml_out.h"

namespace hort::deploy {
namespace {

namespace fs = std::filesystem;
using kube::Json;

constexpr const char* kPassword = "Pa55-w0rd-that-must-never-be-rendered";

const char* kHead = R"(state: /var/lib/hort/state.sqlite
work_dir: /var/lib/hort/work
serve: {listen: "0.0.0.0:9464"}
repositories:
  main: {url: /var/lib/hort/repo, password_file: PWFILE}
)";

class DeployTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hort-deploy-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    password_file_ = (dir_ / "main.password").string();
    std::ofstream(password_file_) << kPassword;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Renders `text` (PWFILE: the password file) as the CLI does.
  Result<Rendered> Render(std::string text) {
    for (size_t at; (at = text.find("PWFILE")) != std::string::npos;) text.replace(at, 6, password_file_);
    std::string path = (dir_ / "hort.yaml").string();
    std::ofstream(path) << text;
    CatalogErrors errors;
    auto c = LoadCatalogAt(path, kCatalogDir, &errors);
    if (!c.ok()) return Status(Code::kInvalidArgument, errors.lines.empty() ? c.status().message() : errors.lines[0]);
    catalog_ = std::move(*c);
    return RenderManifests(*catalog_, {.image = "localhost/hort:test", .ns = "backup", .catalog_text = text});
  }
  static const Json* Find(const Rendered& r, const std::string& kind, const std::string& name = "") {
    for (const Manifest& m : r.objects) {
      if (m.object["kind"] == kind && (name.empty() || m.object["metadata"]["name"] == name)) return &m.object;
    }
    return nullptr;
  }
  static std::set<std::string> Groups(const Json& role) {
    std::set<std::string> out;
    for (const Json& rule : role["rules"]) out.insert(rule["apiGroups"][0].get<std::string>());
    return out;
  }

  fs::path dir_;
  std::string password_file_;
  std::unique_ptr<Catalog> catalog_;
};

const char* kDumps = R"(services:
  db:
    namespace: productivity
    classification: important
    rpo: 1d
    files: [{dump: {command: pg_dumpall, container: postgres, pod: "app=db"}, schedule: "@daily", repository: main}]
)";

TEST_F(DeployTest, FilesCatalogRendersServeWithoutAgent) {
  auto r = Render(std::string(kHead) + kDumps);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::vector<std::string> kinds;
  for (const Manifest& m : r->objects) kinds.push_back(m.object["kind"]);
  EXPECT_EQ(kinds, (std::vector<std::string>{"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
                                             "ConfigMap", "PersistentVolumeClaim", "Deployment", "Service",
                                             "ServiceMonitor", "PrometheusRule"}));
  EXPECT_EQ(Groups(*Find(*r, "ClusterRole")), std::set<std::string>{""}) << "dumps need core resources only";
  EXPECT_EQ((*Find(*r, "ClusterRoleBinding"))["subjects"][0]["namespace"], "backup");
  EXPECT_EQ((*Find(*r, "Namespace"))["metadata"]["labels"]["pod-security.kubernetes.io/enforce"], "restricted");

  const Json& d = *Find(*r, "Deployment");
  EXPECT_EQ(d["spec"]["replicas"], 1);
  EXPECT_EQ(d["spec"]["strategy"]["type"], "Recreate");
  const Json& pod = d["spec"]["template"]["spec"];
  EXPECT_EQ(pod["serviceAccountName"], "hort");
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(pod["securityContext"]["runAsUser"], 65532);
  EXPECT_EQ(pod["securityContext"]["fsGroup"], 65532);
  EXPECT_EQ(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  const Json& c = pod["containers"][0];
  EXPECT_EQ(c["image"], "localhost/hort:test");
  EXPECT_EQ(c["args"], Json({"serve", "--config", "/etc/hort/hort.yaml"}));
  EXPECT_EQ(c["ports"][0]["containerPort"], 9464);
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"], "/healthz");
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"], "/healthz");
  EXPECT_TRUE(c["resources"]["requests"].contains("memory"));
  EXPECT_TRUE(c["resources"]["limits"].contains("memory"));
  EXPECT_EQ(c["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(c["securityContext"]["allowPrivilegeEscalation"], false);
  EXPECT_EQ(c["securityContext"]["capabilities"]["drop"], Json({"ALL"}));
  std::map<std::string, Json> mounts;
  for (const Json& m : c["volumeMounts"]) mounts[m["mountPath"]] = m;
  EXPECT_EQ(mounts["/etc/hort/hort.yaml"]["subPath"], "hort.yaml");
  EXPECT_EQ(mounts[password_file_]["name"], "secrets");
  EXPECT_EQ(mounts[password_file_]["subPath"], "main.password");
  EXPECT_EQ(mounts["/var/lib/hort"]["name"], "state");
  EXPECT_TRUE(mounts.count("/tmp"));
  std::map<std::string, Json> env;
  for (const Json& e : c["env"]) env[e["name"]] = e;
  EXPECT_EQ(env["HORT_IMAGE"]["value"], "localhost/hort:test");
  EXPECT_EQ(env["HORT_CONFIG"]["value"], "/etc/hort/hort.yaml");
  EXPECT_EQ(env["POD_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.namespace");
  EXPECT_EQ(env["HORT_POD_UID"]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.uid");
  EXPECT_EQ(env["HORT_CONTAINER_NAME"]["value"], c["name"]) << "a restarted container knows its own locks";
  EXPECT_EQ((*Find(*r, "PersistentVolumeClaim"))["spec"]["resources"]["requests"]["storage"], "1Gi");
  EXPECT_EQ((*Find(*r, "Service"))["spec"]["ports"][0]["port"], 9464);
  EXPECT_EQ((*Find(*r, "ServiceMonitor"))["spec"]["endpoints"][0]["path"], "/metrics");
  EXPECT_NE((*Find(*r, "PrometheusRule"))["spec"]["groups"].dump().find("HortBackupFailed"), std::string::npos);
  for (const Manifest& m : r->objects) {
    for (const char* l : {"name", "part-of", "managed-by", "version"}) {
      EXPECT_TRUE(m.object["metadata"]["labels"].contains(std::string("app.kubernetes.io/") + l)) << m.object["kind"] << " " << l;
    }
  }
  EXPECT_EQ(r->secret_command,
            "kubectl -n backup create secret generic hort-secrets --from-file=main.password=" + password_file_);
}

TEST_F(DeployTest, NoSecretValueIsEverRendered) {
  auto r = Render(std::string(kHead) + kDumps);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::string all = MultiDocument(*r, "backup");
  EXPECT_EQ(all.find(kPassword), std::string::npos);
  EXPECT_NE(all.find("--from-file=main.password="), std::string::npos) << "the header names the Secret's keys";
  fs::path out = dir_ / "out";
  ASSERT_TRUE(WriteDirectory(*r, "backup", out.string()).ok());
  for (const auto& f : fs::directory_iterator(out)) {
    std::stringstream text;
    text << std::ifstream(f.path()).rdbuf();
    EXPECT_EQ(text.str().find(kPassword), std::string::npos) << f.path();
  }
}

TEST_F(DeployTest, MultiDocumentReadsBackAsTheObjects) {
  // Every scalar as a string, as YamlToJson reads YAML: the structure and every value must survive.
  std::function<Json(const Json&)> strings = [&](const Json& v) -> Json {
    if (v.is_object()) {
      Json o = Json::object();
      for (const auto& [k, x] : v.items()) o[k] = strings(x);
      return o;
    }
    if (v.is_array()) {
      Json a = Json::array();
      for (const auto& x : v) a.push_back(strings(x));
      return a;
    }
    return v.is_string() ? v : Json(v.dump());
  };
  std::string text = std::string(kHead) + kDumps + "# a comment: keep me\n\n\n";
  auto r = Render(text);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::vector<YAML::Node> docs = YAML::LoadAll(MultiDocument(*r, "backup"));
  ASSERT_EQ(docs.size(), r->objects.size()) << "the header is comments only, then one document per object";
  for (size_t i = 0; i < r->objects.size(); ++i) {
    YAML::Emitter e;
    e << docs[i];
    auto back = YamlToJson(e.c_str(), "doc");
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, strings(r->objects[i].object)) << r->objects[i].object["kind"];
  }
  std::stringstream written;
  written << std::ifstream(dir_ / "hort.yaml").rdbuf();
  EXPECT_EQ((*Find(*r, "ConfigMap"))["data"]["hort.yaml"], written.str()) << "the catalog verbatim";
}

TEST(ImageReference, TakesWhatAKubeletPullsAndNamesTheProblemOtherwise) {
  for (const char* good : {"hort", "localhost/hort:0.1.0", "ghcr.io/example/hort:1.2", "registry.lan:5000/a/b-c__d:v1.2-rc1",
                           "docker.io/library/hort@sha256:" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}) {
    EXPECT_EQ(deploy::ImageReferenceProblem(good), "") << good;
  }
  for (const char* bad : {"", "Hort:1", "hort:latest extra", "ghcr.io/example/hort:", "hort:-tag", "a//b", "http://ghcr.io/x"}) {
    EXPECT_NE(deploy::ImageReferenceProblem(bad), "") << bad;
  }
}

// github.com/distribution/reference (splitDockerDomain, as the kubelet and
// containerd normalize a reference): the first component is the registry when
// it is `localhost`, holds a '.' or ':', or is not all lowercase ("uppercase
// namespaces are not allowed, so … we assume it to be a domain-name"); the
// rest is the name and must be lowercase. A registry host is a DNS name, whose
// case does not matter.
TEST(ImageReference, SplitsTheRegistryAsDistributionReferenceDoes) {
  for (const char* good : {"localhost/x", "reg:5000/x", "Reg.example.com/x", "UPPER/x", "UPPER:5000/x", "a/b",
                           "a-b/c_d", "x:Tag_1", "Reg.example.com/a/b:1"}) {
    EXPECT_EQ(deploy::ImageReferenceProblem(good), "") << good;
  }
  for (const char* bad : {"a/B", "UPPER", "UPPER:1", "localhost/X", "reg:5000/x/Y", "Reg.example.com/X", "UPPER/Lower",
                          "a/b/C:1", "reg_x:5000/x"}) {
    EXPECT_NE(deploy::ImageReferenceProblem(bad), "") << bad;
  }
  // 64 hex digits alone are an image ID, which ParseNormalizedNamed refuses as a name.
  const std::string id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  EXPECT_NE(deploy::ImageReferenceProblem(id), "");
  EXPECT_EQ(deploy::ImageReferenceProblem("localhost/" + id), "");
}

TEST(YamlOut, QuotesWhatYamlWouldReadAsAnotherType) {
  EXPECT_EQ(ToYaml(Json{{"a", "9464"}, {"b", "true"}, {"c", "1Gi"}, {"d", "0.1.0"}, {"e", "localhost/hort:0.1.0"}}),
            "a: \"9464\"\nb: \"true\"\nc: 1Gi\nd: \"0.1.0\"\ne: localhost/hort:0.1.0\n");
  EXPECT_EQ(ToYaml(Json{{"n", 3}, {"t", true}, {"s", "a b"}, {"l", Json::array()}, {"o", Json::object()}}),
            "l: []\n\"n\": 3\no: {}\ns: \"a b\"\nt: true\n")
      << "YAML 1.1 reads a plain n or y as a boolean";
  EXPECT_EQ(ToYaml(Json{{"x", "one\ntwo"}, {"w", "one\n"}, {"z", "one\n\n"}}),
            "w: |\n  one\nx: |-\n  one\n  two\nz: |+\n  one\n\n");
  EXPECT_EQ(ToYaml(Json{{"k", {{{"a", 1}, {"b", {"x"}}}}}}), "k:\n- a: 1\n  b:\n  - x\n");
}

TEST_F(DeployTest, AgentLayerAddsTheDaemonSetAndTheRoleInHortsNamespace) {
  auto r = Render(std::string(kHead) + R"(services:
  app:
    namespace: productivity
    classification: important
    rpo: 1d
    files: [{pvc: app-data, schedule: "@daily", repository: main}]
)");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Json* role = Find(*r, "Role");
  ASSERT_NE(role, nullptr);
  EXPECT_EQ((*role)["metadata"]["namespace"], "backup");
  ASSERT_EQ((*role)["rules"].size(), 1u);
  EXPECT_EQ((*role)["rules"][0]["resources"], Json({"leases"}));
  EXPECT_EQ((*role)["rules"][0]["verbs"], Json({"create", "delete", "get", "list", "update"}));
  ASSERT_NE(Find(*r, "RoleBinding"), nullptr);
  EXPECT_EQ(Groups(*Find(*r, "ClusterRole")), (std::set<std::string>{"", "batch"})) << "leases only in the Role";
  const Json* ds = Find(*r, "DaemonSet", "hort-agent");
  ASSERT_NE(ds, nullptr);
  const Json& pod = (*ds)["spec"]["template"]["spec"];
  EXPECT_EQ(pod["securityContext"]["runAsUser"], 0);
  const Json& c = pod["containers"][0];
  EXPECT_EQ(c["args"], Json({"agent", "--config", "/etc/hort/hort.yaml"}));
  EXPECT_EQ(c["securityContext"]["readOnlyRootFilesystem"], true);
  bool pods_mount = false;
  for (const Json& m : c["volumeMounts"]) {
    if (m["mountPath"] == "/var/lib/kubelet/pods") pods_mount = m["mountPropagation"] == "HostToContainer";
  }
  EXPECT_TRUE(pods_mount);
  std::map<std::string, Json> env;
  for (const Json& e : c["env"]) env[e["name"]] = e;
  EXPECT_EQ(env["NODE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"], "spec.nodeName");
  EXPECT_EQ(env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.name");
  EXPECT_EQ(env["HORT_KUBELET_ROOT"]["value"], "/var/lib/kubelet");
  EXPECT_EQ(env["HORT_POD_UID"]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.uid");
  EXPECT_EQ(env["HORT_CONTAINER_NAME"]["value"], c["name"]);
  EXPECT_EQ((*Find(*r, "Namespace"))["metadata"]["labels"]["pod-security.kubernetes.io/enforce"], "privileged");
  EXPECT_NE(MultiDocument(*r, "backup").find("# It runs as root (uid 0)"), std::string::npos);
}

TEST_F(DeployTest, ResourcesAndVolumesLayersWidenTheClusterRole) {
  auto r = Render(std::string(kHead) + R"(volume_stores:
  nas: {url: "s3://backups@us-east-1/longhorn"}
services:
  app:
    namespace: productivity
    classification: important
    rpo: 1d
    resources: [{name: manifests, schedule: "@daily", repository: main}]
    volumes: [{pvc: app-data, store: nas, schedule: "@daily"}]
)");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Find(*r, "DaemonSet"), nullptr);
  EXPECT_EQ(Find(*r, "Role"), nullptr);
  std::set<std::string> groups = Groups(*Find(*r, "ClusterRole"));
  EXPECT_TRUE(groups.count("*") && groups.count("snapshot.storage.k8s.io") && groups.count("longhorn.io"));
  // The store's keys come from the environment, as from Longhorn's backup-target Secret.
  std::map<std::string, Json> env;
  for (const Json& e : (*Find(*r, "Deployment"))["spec"]["template"]["spec"]["containers"][0]["env"]) env[e["name"]] = e;
  EXPECT_EQ(env["AWS_SECRET_ACCESS_KEY"]["valueFrom"]["secretKeyRef"], Json({{"name", "hort-secrets"}, {"key", "AWS_SECRET_ACCESS_KEY"}}));
  EXPECT_EQ(env["AWS_SESSION_TOKEN"]["valueFrom"]["secretKeyRef"]["optional"], true);
  EXPECT_NE(r->secret_command.find("--from-file=AWS_ACCESS_KEY_ID=./AWS_ACCESS_KEY_ID"), std::string::npos);
  EXPECT_EQ(r->secret_command.find("AWS_SESSION_TOKEN"), std::string::npos) << "optional keys are not demanded";
}

TEST_F(DeployTest, PasswordEnvComesFromTheSecret) {
  std::string head = kHead;
  head.replace(head.find("password_file: PWFILE"), 21, "password_env: HORT_MAIN_PASSWORD");
  auto r = Render(head + kDumps);
  ASSERT_TRUE(r.ok()) << r.status().message();
  bool found = false;
  for (const Json& e : (*Find(*r, "Deployment"))["spec"]["template"]["spec"]["containers"][0]["env"]) {
    if (e["name"] == "HORT_MAIN_PASSWORD") found = e["valueFrom"]["secretKeyRef"]["key"] == "HORT_MAIN_PASSWORD";
  }
  EXPECT_TRUE(found);
}

TEST_F(DeployTest, RefusesWhatCannotRunInTheImage) {
  auto message = [&](const std::string& text) {
    auto r = Render(text);
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.status().message();
  };
  std::string head = kHead;
  std::string outside = head;
  outside.replace(0, outside.find('\n'), "state: /data/state.sqlite");
  EXPECT_EQ(message(outside + kDumps),
            "state /data/state.sqlite is not under /var/lib/hort, the only persistent path of hort's pod: set state: "
            "/var/lib/hort/state.sqlite");
  std::string relative = head;
  relative.replace(relative.find("work_dir: /var/lib/hort/work"), 28, "work_dir: work");
  EXPECT_NE(message(relative + kDumps).find("work_dir /etc/hort/work is not under /var/lib/hort"), std::string::npos)
      << "relative paths resolve where the pod reads the catalog";
  std::string loopback = head;
  loopback.replace(loopback.find("0.0.0.0"), 7, "127.0.0.1");
  EXPECT_NE(message(loopback + kDumps).find("serve.listen 127.0.0.1:9464 answers only inside the pod"), std::string::npos);
  fs::create_directories(dir_ / "other");
  std::ofstream((dir_ / "other" / "main.password").string()) << kPassword;
  std::string clash = head + "  offsite: {url: /var/lib/hort/offsite, password_file: " +
                      (dir_ / "other" / "main.password").string() + "}\n";
  std::string m = message(clash + kDumps);
  EXPECT_NE(m.find("share the name main.password"), std::string::npos) << m;
  EXPECT_EQ(m.find(kPassword), std::string::npos);
  // An Alertmanager URL with a password went verbatim into the ConfigMap.
  std::string alert = "alertmanager: {url: \"http://admin:AlertPass99@am.lan:9093\"}\n" + head;
  m = message(alert + kDumps);
  EXPECT_EQ(m, "alertmanager.url holds a password, which would land in the catalog's ConfigMap: leave it out of the URL");
}

}  // namespace
}  // namespace hort::deploy
