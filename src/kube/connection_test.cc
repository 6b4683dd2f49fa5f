// Connect's rules on kubeconfigs written into temporary directories, the
// in-cluster service account, exec credential plugins (tiny shell scripts)
// and every bad-input message.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "kube/connection.h"
#include "kube/exec_credential.h"
#include "kube/kubeconfig.h"
#include "kube/test_support.h"
#include "util/test_clock.h"

namespace hort::kube {
namespace {

using testing::ScopedEnv;
using testing::TempDir;

constexpr const char* kSecret = "s3cr3t";

// Two clusters, two users, two contexts; the second context has a namespace.
std::string HomeConfig(const std::string& current = "home") {
  return R"(apiVersion: v1
kind: Config
current-context: )" + current + R"(
clusters:
- name: home
  cluster:
    server: https://192.168.1.10:6443/
    certificate-authority-data: Y2EtZnJvbS1kYXRhCg==
    tls-server-name: kubernetes.default
- name: lab
  cluster:
    server: https://lab.example:6443
    certificate-authority: certs/lab-ca.pem
users:
- name: admin
  user:
    client-certificate-data: Y2xpZW50LWNlcnQK
    client-key-data: Y2xpZW50LWtleS1zM2NyM3QK
- name: robot
  user:
    token: s3cr3t-token
contexts:
- name: home
  context: {cluster: home, user: admin}
- name: lab
  context: {cluster: lab, user: robot, namespace: apps}
)";
}

class KubeconfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env.Set("KUBECONFIG", std::nullopt).Set("KUBERNETES_SERVICE_HOST", std::nullopt).Set("HOME", dir.path());
  }
  Result<Connection> ConnectTo(const std::string& files, const std::string& context = "") {
    return Connect(KubeSettings{files, context});
  }
  TempDir dir;
  ScopedEnv env;
};

TEST_F(KubeconfigTest, CurrentContextWithDataFields) {
  std::string path = dir.Write("config", HomeConfig());
  auto c = ConnectTo(path);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->server, "https://192.168.1.10:6443");  // trailing slash dropped
  EXPECT_EQ(c->ca_pem, "ca-from-data\n");
  EXPECT_EQ(c->tls_server_name, "kubernetes.default");
  EXPECT_EQ(c->client_cert_pem, "client-cert\n");
  EXPECT_EQ(c->client_key_pem, "client-key-s3cr3t\n");
  EXPECT_FALSE(c->token);
  EXPECT_EQ(c->default_namespace, "default");
  EXPECT_EQ(c->description, "context home (cluster home at https://192.168.1.10:6443)");
}

TEST_F(KubeconfigTest, NamedContextWithRelativeCaFileAndToken) {
  std::string path = dir.Write("kube/config", HomeConfig());
  dir.Write("kube/certs/lab-ca.pem", "lab-ca\n");
  auto c = ConnectTo(path, "lab");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->server, "https://lab.example:6443");
  EXPECT_EQ(c->ca_pem, "lab-ca\n");  // relative to the kubeconfig's directory, not the working directory
  ASSERT_TRUE(c->token);
  EXPECT_EQ(*c->token(), "s3cr3t-token");
  EXPECT_EQ(c->default_namespace, "apps");
}

TEST_F(KubeconfigTest, DefaultsToHomeKubeConfig) {
  dir.Write(".kube/config", HomeConfig());
  auto c = Connect(KubeSettings{});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->server, "https://192.168.1.10:6443");
}

TEST_F(KubeconfigTest, MergesKubeconfigListFirstFileWins) {
  std::string first = dir.Write("first", R"(current-context: one
clusters:
- {name: shared, cluster: {server: "https://first:6443", insecure-skip-tls-verify: true}}
contexts:
- {name: one, context: {cluster: shared}}
)");
  std::string second = dir.Write("second", R"(current-context: two
clusters:
- {name: shared, cluster: {server: "https://second:6443"}}
- {name: other, cluster: {server: "https://other:6443"}}
users:
- {name: u, user: {token: t2}}
contexts:
- {name: one, context: {cluster: other}}
- {name: two, context: {cluster: other, user: u, namespace: n2}}
)");
  env.Set("KUBECONFIG", first + ":" + dir.path() + "/missing:" + second);  // a missing file in the list is skipped
  auto c = Connect(KubeSettings{});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->server, "https://first:6443");  // current-context and context "one" from the first file
  EXPECT_TRUE(c->insecure_skip_tls_verify);
  EXPECT_FALSE(c->token);
  auto two = Connect(KubeSettings{"", "two"});
  ASSERT_TRUE(two.ok()) << two.status().message();
  EXPECT_EQ(two->server, "https://other:6443");
  EXPECT_EQ(two->default_namespace, "n2");
  EXPECT_EQ(*two->token(), "t2");
}

TEST_F(KubeconfigTest, TokenFileIsReadOnEveryUse) {
  dir.Write("token", "first\n");
  std::string path = dir.Write("config", R"(current-context: c
clusters: [{name: k, cluster: {server: "https://k:6443"}}]
users: [{name: u, user: {tokenFile: token}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)");
  auto c = ConnectTo(path);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(*c->token(), "first");
  dir.Write("token", "second\n");
  EXPECT_EQ(*c->token(), "second");
}

std::string PluginConfig(const std::string& command) {
  return R"(current-context: c
clusters: [{name: k, cluster: {server: "https://k:6443"}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: )" + command + R"(
      args: [--cluster, home]
      env: [{name: PLUGIN_FLAVOUR, value: vanilla}]
      installHint: "get it from https://example.invalid/plugin"
      interactiveMode: Never
)";
}

// A plugin that counts its runs, records what it was given, and prints an
// ExecCredential expiring at $EXPIRY.
std::string PluginScript(const std::string& dir, const std::string& expiry) {
  return "#!/bin/sh\n"
         "echo run >> " + dir + "/runs\n"
         "echo \"$@ $PLUGIN_FLAVOUR\" > " + dir + "/args\n"
         "echo \"$KUBERNETES_EXEC_INFO\" > " + dir + "/info\n"
         "cat <<JSON\n"
         "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
         "\"status\":{\"token\":\"s3cr3t-from-plugin\",\"expirationTimestamp\":\"" + expiry + "\"}}\n"
         "JSON\n";
}

int Runs(const TempDir& dir) {
  std::string runs = dir.Read("runs");
  return static_cast<int>(std::count(runs.begin(), runs.end(), '\n'));
}

TEST_F(KubeconfigTest, ExecPluginEnvReplacesInheritedVariables) {
  env.Set("PLUGIN_FLAVOUR", "inherited");
  dir.Write("plugin.sh", PluginScript(dir.path(), "2999-01-01T00:00:00Z"), true);
  ASSERT_TRUE(ConnectTo(dir.Write("config", PluginConfig("./plugin.sh"))).ok());
  EXPECT_EQ(dir.Read("args"), "--cluster home vanilla\n");
}

TEST_F(KubeconfigTest, ExecPluginTokenIsCachedUntilExpiry) {
  dir.Write("plugin.sh", PluginScript(dir.path(), "2999-01-01T00:00:00Z"), true);
  std::string path = dir.Write("config", PluginConfig("./plugin.sh"));  // relative: from the kubeconfig's directory
  auto c = ConnectTo(path);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(*c->token(), "s3cr3t-from-plugin");
  EXPECT_EQ(*c->token(), "s3cr3t-from-plugin");
  EXPECT_EQ(Runs(dir), 1);
  EXPECT_EQ(dir.Read("args"), "--cluster home vanilla\n");
  auto info = nlohmann::json::parse(dir.Read("info"));
  EXPECT_EQ(info["kind"], "ExecCredential");
  EXPECT_EQ(info["apiVersion"], "client.authentication.k8s.io/v1");
  EXPECT_EQ(info["spec"]["interactive"], false);
}

TEST_F(KubeconfigTest, ExecPluginRunsAgainWhenTheTokenExpired) {
  dir.Write("plugin.sh", PluginScript(dir.path(), "2020-01-01T00:00:00Z"), true);
  auto c = ConnectTo(dir.Write("config", PluginConfig(dir.path() + "/plugin.sh")));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(*c->token(), "s3cr3t-from-plugin");
  EXPECT_EQ(Runs(dir), 2);
}

TEST(ExecTokenSource, RefreshesTenSecondsBeforeExpiry) {
  TempDir dir;
  dir.Write("plugin.sh", PluginScript(dir.path(), "2026-12-03T12:00:00+01:00"), true);
  ExecPlugin plugin{dir.path() + "/plugin.sh", {}, {}, "client.authentication.k8s.io/v1", "", "plugin"};
  FakeClock clock;
  auto expiry = ParseRfc3339("2026-12-03T11:00:00Z");
  ASSERT_TRUE(expiry.ok());
  clock.now = *expiry - 11;
  TokenSource token = ExecTokenSource(plugin, std::nullopt, &clock);
  EXPECT_EQ(*token(), "s3cr3t-from-plugin");
  EXPECT_EQ(*token(), "s3cr3t-from-plugin");
  EXPECT_EQ(Runs(dir), 1);
  clock.now = *expiry - 9;
  EXPECT_EQ(*token(), "s3cr3t-from-plugin");
  EXPECT_EQ(Runs(dir), 2);
}

TEST_F(KubeconfigTest, ExecPluginFailureCarriesItsStderrNotItsStdout) {
  dir.Write("plugin.sh", "#!/bin/sh\necho s3cr3t-on-stdout\necho 'error: login required' >&2\nexit 3\n", true);
  auto c = ConnectTo(dir.Write("config", PluginConfig(dir.path() + "/plugin.sh")));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "kubeconfig " + dir.path() + "/config: user \"u\" exec plugin \"" + dir.path() +
                                      "/plugin.sh\" failed (exit status 3): error: login required");
  EXPECT_EQ(c.status().message().find(kSecret), std::string::npos);
}

// A plugin that echoes its token on stderr: the token is masked in the one
// line hort shows (kubernetes.md: plugin output never appears in messages).
TEST_F(KubeconfigTest, ExecPluginFailureMasksATokenOnItsStderr) {
  dir.Write("plugin.sh",
            "#!/bin/sh\necho 'token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl expired: renew it' >&2\nexit 1\n", true);
  auto c = ConnectTo(dir.Write("config", PluginConfig(dir.path() + "/plugin.sh")));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("failed (exit status 1): token *** expired: renew it"), std::string::npos)
      << c.status().message();
  EXPECT_EQ(c.status().message().find("eyJ"), std::string::npos) << c.status().message();
  // Inside brackets or a query string too; a path and plain words stay.
  dir.Write("plugin.sh",
            "#!/bin/sh\necho '/usr/local/bin/gke-gcloud-auth-plugin: (Zm9vYmFyYmF6cXV4MTIzNDU2) ?access_token=abcdefghij0123456789xyz&x=1 kubernetes-credentials-expired' >&2\nexit 1\n",
            true);
  c = ConnectTo(dir.Write("config", PluginConfig(dir.path() + "/plugin.sh")));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(
                ": /usr/local/bin/gke-gcloud-auth-plugin: (***) ?***&x=1 kubernetes-credentials-expired"),
            std::string::npos)
      << c.status().message();
}

TEST_F(KubeconfigTest, ExecPluginWithWrongOutput) {
  dir.Write("plugin.sh", "#!/bin/sh\necho '{\"kind\":\"ExecCredential\",\"apiVersion\":\"v0\"}'\n", true);
  auto c = ConnectTo(dir.Write("config", PluginConfig(dir.path() + "/plugin.sh")));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("expected ExecCredential client.authentication.k8s.io/v1"), std::string::npos)
      << c.status().message();
  auto missing = ConnectTo(dir.Write("config2", PluginConfig(dir.path() + "/no-such-plugin")));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("exit status 127"), std::string::npos) << missing.status().message();
  EXPECT_NE(missing.status().message().find("(get it from https://example.invalid/plugin)"), std::string::npos);
}

struct BadCase {
  std::string config;
  std::string context;
  std::string message;  // after "kubeconfig <path>"
};

TEST_F(KubeconfigTest, EveryBadInputIsOneLineNamingTheProblem) {
  const std::string good_cluster = "clusters: [{name: k, cluster: {server: \"https://k:6443\"}}]\n";
  const std::vector<BadCase> cases = {
      {good_cluster, "", " has no current-context; pass --context"},
      {"current-context: gone\n" + good_cluster, "", " has no context \"gone\""},
      {good_cluster + "contexts: [{name: c, context: {cluster: nope}}]\n", "c",
       ": context \"c\" names cluster \"nope\", which is not defined"},
      {good_cluster + "contexts: [{name: c, context: {cluster: k, user: nobody}}]\n", "c",
       ": context \"c\" names user \"nobody\", which is not defined"},
      {"clusters: [{name: k, cluster: {server: \"https://k\", certificate-authority: /no/ca.crt}}]\n"
       "contexts: [{name: c, context: {cluster: k}}]\n", "c",
       ": cluster \"k\": cannot read certificate-authority /no/ca.crt"},
      {"clusters: [{name: k, cluster: {server: \"https://k\", certificate-authority-data: \"not*base64\"}}]\n"
       "contexts: [{name: c, context: {cluster: k}}]\n", "c",
       ": cluster \"k\": certificate-authority-data is not valid base64"},
      {good_cluster + "users: [{name: u, user: {client-certificate-data: Y2xpZW50LWNlcnQK, token: s3cr3t}}]\n"
       "contexts: [{name: c, context: {cluster: k, user: u}}]\n", "c",
       ": user \"u\" sets only one of client-certificate and client-key"},
      {good_cluster + "users: [{name: u, user: {client-certificate: missing.crt, client-key-data: Y2xpZW50LWtleS1zM2NyM3QK}}]\n"
       "contexts: [{name: c, context: {cluster: k, user: u}}]\n", "c",
       ": user \"u\": cannot read client-certificate " + dir.path() + "/missing.crt"},
      {"clusters: [{name: k, cluster: {}}]\ncontexts: [{name: c, context: {cluster: k}}]\n", "c",
       ": cluster \"k\" has no server"},
      {"clusters: [{name: k, cluster: {server: \"https://k\", certificate-authority-data: Y2EtZnJvbS1kYXRhCg==, "
       "insecure-skip-tls-verify: true}}]\ncontexts: [{name: c, context: {cluster: k}}]\n", "c",
       ": cluster \"k\" sets both a certificate authority and insecure-skip-tls-verify"},
      {"clusters: [oops\n", "", " is not valid YAML: "},
  };
  for (const auto& bad : cases) {
    std::string path = dir.Write("bad-config", bad.config);
    auto c = ConnectTo(path, bad.context);
    ASSERT_FALSE(c.ok()) << bad.message;
    EXPECT_EQ(c.status().code(), Code::kInvalidArgument) << bad.message;
    EXPECT_EQ(c.status().message().rfind("kubeconfig " + path + bad.message, 0), 0u) << c.status().message();
    EXPECT_EQ(c.status().message().find('\n'), std::string::npos);
    EXPECT_EQ(c.status().message().find(kSecret), std::string::npos);
  }
}

// A stream opens a folder and reads nothing: it is named, not taken for an
// empty kubeconfig without a current-context.
TEST_F(KubeconfigTest, AFolderGivenAsTheKubeconfigIsNamed) {
  auto c = ConnectTo(dir.path());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(c.status().message(), "kubeconfig " + dir.path() + ": cannot read it (it is a directory)");
}

TEST_F(KubeconfigTest, NoConfigurationAtAllIsNotFound) {
  auto c = Connect(KubeSettings{});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kNotFound);
  EXPECT_NE(c.status().message().find(dir.path() + "/.kube/config"), std::string::npos) << c.status().message();
  auto named = ConnectTo(dir.path() + "/nope");
  EXPECT_EQ(named.status().code(), Code::kNotFound);
  EXPECT_EQ(named.status().message(), "kubeconfig " + dir.path() + "/nope does not exist");
}

TEST(Base64, DecodesWhatGoEncodes) {
  EXPECT_EQ(*Base64Decode("aG9ydA=="), "hort");
  EXPECT_EQ(*Base64Decode("aG9y\ndA=="), "hort");
  EXPECT_EQ(*Base64Decode("aG8="), "ho");
  EXPECT_EQ(*Base64Decode(""), "");
  EXPECT_FALSE(Base64Decode("aG9").ok());
  EXPECT_FALSE(Base64Decode("a=9v").ok());
  EXPECT_FALSE(Base64Decode("aG9*").ok());
}

TEST(Rfc3339, ReadsZonesAndFractions) {
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:01:00Z"), 60);
  EXPECT_EQ(*ParseRfc3339("1970-01-01T01:01:00+01:00"), 60);
  EXPECT_DOUBLE_EQ(*ParseRfc3339("1970-01-01T00:01:00.5Z"), 60.5);
  EXPECT_FALSE(ParseRfc3339("yesterday").ok());
}

class InClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir.Write("token", "s3cr3t-one\n");
    dir.Write("ca.crt", "cluster-ca");
    dir.Write("namespace", "backup\n");
    env.Set("KUBECONFIG", std::nullopt)
        .Set("HOME", dir.path())
        .Set("KUBERNETES_SERVICE_HOST", "10.43.0.1")
        .Set("KUBERNETES_SERVICE_PORT", "443")
        .Set("HORT_KUBE_SERVICEACCOUNT_DIR", dir.path());
  }
  TempDir dir;
  ScopedEnv env;
};

TEST_F(InClusterTest, ServiceAccountWithRotatingToken) {
  auto c = Connect(KubeSettings{});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->server, "https://10.43.0.1:443");
  EXPECT_EQ(c->ca_pem, "cluster-ca\n");
  EXPECT_EQ(c->default_namespace, "backup");
  EXPECT_EQ(*c->token(), "s3cr3t-one");
  // The kubelet swaps the file (atomic rename of a new one).
  dir.Write("token.new", "s3cr3t-two-longer\n");
  std::rename((dir.path() + "/token.new").c_str(), (dir.path() + "/token").c_str());
  EXPECT_EQ(*c->token(), "s3cr3t-two-longer");
  EXPECT_EQ(c->description.find(kSecret), std::string::npos);
}

TEST_F(InClusterTest, Ipv6HostInBrackets) {
  env.Set("KUBERNETES_SERVICE_HOST", "fd00:10:43::1");
  auto c = Connect(KubeSettings{});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->server, "https://[fd00:10:43::1]:443");
}

TEST_F(InClusterTest, ExplicitKubeconfigWinsOverThePod) {
  std::string path = dir.Write("config", HomeConfig());
  auto c = Connect(KubeSettings{path, ""});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->server, "https://192.168.1.10:6443");
}

TEST_F(InClusterTest, WithoutTokenFallsBackToKubeconfig) {
  std::filesystem::remove(dir.path() + "/token");
  auto c = Connect(KubeSettings{});
  EXPECT_EQ(c.status().code(), Code::kNotFound);  // and no ~/.kube/config either
  auto direct = ConnectionInCluster(dir.path());
  EXPECT_EQ(direct.status().message(), "in-cluster: no service-account token at " + dir.path() + "/token");
}

}  // namespace
}  // namespace hort::kube
