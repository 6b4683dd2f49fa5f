// hort's Kubernetes client against the project's test API server (started by
// tests/e2e/kube_api.sh, which also checks with kubectl what this created).
// Not a unit test: it needs the server, so CTest runs it only from that script.
// Environment: KUBECONFIG (the server's admin), HORT_KUBE_DIR (its directory,
// for the control API that expires continue tokens).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string>

#include "kube/api_client.h"
#include "kube/client.h"
#include "util/env.h"

namespace hort::kube {
namespace {

class KubeApiE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(Env("KUBECONFIG").empty()) << "run through tests/e2e/kube_api.sh";
    auto c = Connect(KubeSettings{});
    ASSERT_TRUE(c.ok()) << c.status().message();
    // client-go's 5 requests/s would make the 2,000 creates below take 400 s;
    // everything else is the client hort uses.
    ApiClientOptions fast;
    fast.qps = 1000;
    fast.burst = 1000;
    client_ = NewApiClient(std::move(*c), fast);
    auto d = client_->Discover();
    ASSERT_TRUE(d.ok()) << d.status().message();
    discovery_ = *d;
  }
  const ResourceInfo& R(const char* name) {
    const ResourceInfo* r = discovery_.Find(name);
    EXPECT_NE(r, nullptr) << name;
    static ResourceInfo none;
    return r ? *r : none;
  }
  void EnsureNamespace(const std::string& ns) {
    auto got = client_->Create(R("namespaces"), "", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}}, {});
    ASSERT_TRUE(got.ok() || got.status().code() == Code::kAlreadyExists) << got.status().message();
  }
  static Json ConfigMap(const std::string& ns, const std::string& name) {
    return {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"batch", "e2e"}}}}},
            {"data", {{"k", name}}}};
  }
  // The test server's control API, as its admin (client certificate).
  static void Control(const std::string& action) {
    std::string dir = Env("HORT_KUBE_DIR");
    std::string cmd = "curl -sf -X POST --cacert " + dir + "/ca.crt --cert " + dir + "/admin.crt --key " + dir +
                      "/admin.key https://127.0.0.1:$(cat " + dir + "/port)/_test/" + action + " >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }

  std::unique_ptr<Client> client_;
  Discovery discovery_;
};

TEST_F(KubeApiE2e, DiscoveryAndVersion) {
  auto v = client_->Version();
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->git_version.rfind("v1.", 0), 0u) << v->git_version;
  const ResourceInfo& deploy = R("deployments.apps");
  EXPECT_EQ(deploy.kind, "Deployment");
  EXPECT_EQ(deploy.GroupVersion(), "apps/v1");
  EXPECT_TRUE(deploy.namespaced);
  EXPECT_TRUE(deploy.Can("list") && deploy.Can("create") && deploy.Can("delete") && deploy.Can("patch"));
  EXPECT_TRUE(deploy.HasSubresource("scale") && deploy.HasSubresource("status"));
  EXPECT_TRUE(R("pods").HasSubresource("exec"));
  EXPECT_FALSE(R("namespaces").namespaced);
  EXPECT_EQ(discovery_.Find("deploy"), discovery_.Find("deployments.apps"));
  EXPECT_EQ(discovery_.Find("cm"), discovery_.Find("configmaps"));
}

TEST_F(KubeApiE2e, ListsWhatKubectlApplied) {
  // tests/e2e/kube_api.sh applied Deployment shared/web and ConfigMap shared/settings with kubectl.
  auto l = client_->List(R("deployments.apps"), "shared", {});
  ASSERT_TRUE(l.ok()) << l.status().message();
  ASSERT_EQ(l->items.size(), 1u);
  EXPECT_EQ(l->items[0]["metadata"]["name"], "web");
  EXPECT_EQ(l->items[0]["kind"], "Deployment");  // filled in: built-in list items carry none
  EXPECT_EQ(l->items[0]["apiVersion"], "apps/v1");
  EXPECT_EQ(l->items[0]["metadata"]["generation"], 1);
  auto cm = client_->Get(R("configmaps"), "shared", "settings");
  ASSERT_TRUE(cm.ok()) << cm.status().message();
  EXPECT_EQ((*cm)["data"]["mode"], "kubectl");
}

TEST_F(KubeApiE2e, CreateDryRunConflictInvalidPatchApplyDelete) {
  EnsureNamespace("hort-e2e");
  const ResourceInfo& cms = R("configmaps");
  auto created = client_->Create(cms, "hort-e2e", ConfigMap("hort-e2e", "from-hort"), {});
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_FALSE((*created)["metadata"]["uid"].get<std::string>().empty());
  EXPECT_FALSE((*created)["metadata"]["resourceVersion"].get<std::string>().empty());

  WriteOptions dry;
  dry.dry_run = true;
  auto d = client_->Create(cms, "hort-e2e", ConfigMap("hort-e2e", "dry"), dry);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_FALSE((*d)["metadata"]["uid"].get<std::string>().empty());
  EXPECT_EQ(client_->Get(cms, "hort-e2e", "dry").status().code(), Code::kNotFound) << "dry-run stored the object";

  auto again = client_->Create(cms, "hort-e2e", ConfigMap("hort-e2e", "from-hort"), {});
  EXPECT_EQ(again.status().code(), Code::kAlreadyExists);
  EXPECT_NE(again.status().message().find("configmaps \"from-hort\" already exists"), std::string::npos)
      << again.status().message();

  auto bad = client_->Create(cms, "hort-e2e", ConfigMap("hort-e2e", "Bad_Name"), {});
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("Bad_Name"), std::string::npos) << bad.status().message();

  auto missing_ns = client_->Create(cms, "no-such-ns", ConfigMap("no-such-ns", "x"), {});
  EXPECT_EQ(missing_ns.status().code(), Code::kNotFound);
  EXPECT_NE(missing_ns.status().message().find("namespaces \"no-such-ns\" not found"), std::string::npos);

  // A replace with a stale resourceVersion conflicts.
  Json stale = *created;
  stale["data"]["k"] = "changed";
  auto patched = client_->MergePatch(cms, "hort-e2e", "from-hort", {{"data", {{"patched", "yes"}}}}, {});
  ASSERT_TRUE(patched.ok()) << patched.status().message();
  EXPECT_EQ((*patched)["data"]["patched"], "yes");
  auto conflict = client_->Replace(cms, "hort-e2e", stale, {});
  EXPECT_EQ(conflict.status().code(), Code::kAlreadyExists);
  EXPECT_NE(conflict.status().message().find("the object has been modified"), std::string::npos)
      << conflict.status().message();

  auto applied = client_->Apply(cms, "hort-e2e", ConfigMap("hort-e2e", "applied"), {});
  ASSERT_TRUE(applied.ok()) << applied.status().message();
  bool apply_entry = false;
  for (const auto& mf : (*applied)["metadata"]["managedFields"]) {
    apply_entry |= mf["manager"] == "hort" && mf["operation"] == "Apply";
  }
  EXPECT_TRUE(apply_entry) << (*applied)["metadata"]["managedFields"].dump();

  ASSERT_TRUE(client_->Create(cms, "hort-e2e", ConfigMap("hort-e2e", "to-delete"), {}).ok());
  EXPECT_TRUE(client_->Delete(cms, "hort-e2e", "to-delete").ok());
  EXPECT_EQ(client_->Get(cms, "hort-e2e", "to-delete").status().code(), Code::kNotFound);
  EXPECT_EQ(client_->Delete(cms, "hort-e2e", "to-delete").code(), Code::kNotFound);
}

TEST_F(KubeApiE2e, PagedListOf2000ConfigMapsSurvivesExpiredContinueTokens) {
  const ResourceInfo& cms = R("configmaps");
  std::set<std::string> want;
  for (int n = 0; n < 20; ++n) {
    char ns[32];
    std::snprintf(ns, sizeof ns, "page-%02d", n);
    EnsureNamespace(ns);
    for (int i = 0; i < 100; ++i) {
      std::string name = "cm-" + std::to_string(i);
      auto c = client_->Create(cms, ns, ConfigMap(ns, name), {});
      ASSERT_TRUE(c.ok()) << c.status().message();
      want.insert(std::string(ns) + "/" + name);
    }
  }
  ListOptions all;
  all.page_size = 0;
  auto unpaged = client_->List(cms, "", all);
  ASSERT_TRUE(unpaged.ok()) << unpaged.status().message();

  ListOptions paged;
  paged.page_size = 500;
  paged.label_selector = "batch=e2e";
  int pages = 0;
  size_t biggest = 0;
  // After page 1 every continue token issued so far expires: client-go's
  // pager then lists once more without paging.
  paged.on_page = [&](size_t n) {
    biggest = std::max(biggest, n);
    if (++pages == 1) Control("expire-continue");
  };
  auto l = client_->List(cms, "", paged);
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(pages, 2) << "page 1, then the 410 and one unpaged list";
  EXPECT_GE(biggest, 2000u) << "no unpaged list after the 410";
  std::set<std::string> got;
  for (const auto& item : l->items) {
    std::string ns = item["metadata"]["namespace"], name = item["metadata"]["name"];
    if (ns.rfind("page-", 0) == 0) got.insert(ns + "/" + name);
    EXPECT_EQ(item["kind"], "ConfigMap");
    EXPECT_EQ(item["apiVersion"], "v1");
  }
  EXPECT_EQ(got, want);

  // Without expiry the pages add up to the unpaged list.
  ListOptions plain;
  plain.page_size = 500;
  auto again = client_->List(cms, "", plain);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->items.size(), unpaged->items.size());
  EXPECT_GE(again->items.size(), 2000u);
}

TEST_F(KubeApiE2e, ACustomResourceDefinitionAppearsInDiscovery) {
  EXPECT_EQ(discovery_.Find("backups.example.hort.dev"), nullptr);
  Json crd = Json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "backups.example.hort.dev"},
    "spec": {"group": "example.hort.dev", "scope": "Namespaced",
      "names": {"plural": "backups", "singular": "backup", "kind": "Backup", "shortNames": ["hbk"]},
      "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
        "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}})");
  auto created = client_->Create(R("customresourcedefinitions.apiextensions.k8s.io"), "", crd, {});
  ASSERT_TRUE(created.ok()) << created.status().message();
  auto d = client_->Discover();  // not asked to refresh: a CRD written by this client invalidates it
  ASSERT_TRUE(d.ok()) << d.status().message();
  const ResourceInfo* backups = d->Find("backups.example.hort.dev");
  ASSERT_NE(backups, nullptr) << "the CRD did not reach discovery";
  EXPECT_EQ(backups->kind, "Backup");
  EXPECT_TRUE(backups->HasSubresource("status"));
  EXPECT_EQ(d->Find("hbk"), backups);
  EnsureNamespace("hort-e2e");
  Json cr = {{"apiVersion", "example.hort.dev/v1"}, {"kind", "Backup"},
             {"metadata", {{"name", "nightly"}}}, {"spec", {{"schedule", "@daily"}}}};
  auto made = client_->Create(*backups, "hort-e2e", cr, {});
  ASSERT_TRUE(made.ok()) << made.status().message();
  EXPECT_EQ((*made)["metadata"]["generation"], 1);
  auto l = client_->List(*backups, "hort-e2e", {});
  ASSERT_TRUE(l.ok()) << l.status().message();
  ASSERT_EQ(l->items.size(), 1u);
  EXPECT_EQ(l->items[0]["spec"]["schedule"], "@daily");
}

}  // namespace
}  // namespace hort::kube
