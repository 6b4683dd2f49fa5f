// The in-memory cluster answers like the API where callers depend on it.
#include "kube/memory_client.h"

#include <gtest/gtest.h>

namespace hort::kube {
namespace {

class MemoryClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    d = *client.Discover();
    ns = *d.Find("ns");
    cm = *d.Find("cm");
    deploy = *d.Find("deployments.apps");
    ASSERT_TRUE(client.Create(ns, "", Json{{"metadata", {{"name", "web"}}}}, {}).ok());
  }
  Json ConfigMap(const std::string& name, Json labels = Json::object()) {
    return Json{{"metadata", {{"name", name}, {"labels", labels}}}, {"data", {{"k", "v"}}}};
  }
  MemoryClient client;
  Discovery d;
  ResourceInfo ns, cm, deploy;
};

TEST_F(MemoryClientTest, BuiltinDiscovery) {
  for (const char* name : {"namespaces", "pods", "pvc", "pv", "configmaps", "secrets", "svc", "deploy",
                           "storageclasses.storage.k8s.io", "nodes"}) {
    EXPECT_NE(d.Find(name), nullptr) << name;
  }
  EXPECT_TRUE(d.Find("pods")->HasSubresource("exec"));
  EXPECT_FALSE(d.Find("pv")->namespaced);
}

TEST_F(MemoryClientTest, CreateSetsServerFieldsAndRefusesDuplicates) {
  auto created = client.Create(cm, "web", ConfigMap("a"), {});
  ASSERT_TRUE(created.ok()) << created.status().message();
  const Json& md = (*created)["metadata"];
  EXPECT_FALSE(md["uid"].get<std::string>().empty());
  EXPECT_FALSE(md["resourceVersion"].get<std::string>().empty());
  EXPECT_EQ(md["creationTimestamp"].get<std::string>().size(), 20u);
  EXPECT_EQ(md["namespace"], "web");
  EXPECT_EQ((*created)["kind"], "ConfigMap");
  EXPECT_EQ((*created)["apiVersion"], "v1");
  auto again = client.Create(cm, "web", ConfigMap("a"), {});
  EXPECT_EQ(again.status().code(), Code::kAlreadyExists);
  EXPECT_EQ(again.status().message(), "configmaps \"a\" already exists");
  EXPECT_EQ(client.Create(cm, "nowhere", ConfigMap("a"), {}).status().message(), "namespaces \"nowhere\" not found");
  auto got = client.Get(cm, "web", "a");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["data"]["k"], "v");
  auto missing = client.Get(deploy, "web", "front");
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_EQ(missing.status().message(), "deployments.apps \"front\" not found");
}

TEST_F(MemoryClientTest, DryRunStoresNothing) {
  auto dry = client.Create(cm, "web", ConfigMap("a"), WriteOptions{.dry_run = true});
  ASSERT_TRUE(dry.ok());
  EXPECT_FALSE((*dry)["metadata"].contains("resourceVersion"));
  EXPECT_EQ(client.Get(cm, "web", "a").status().code(), Code::kNotFound);
}

TEST_F(MemoryClientTest, ListWithSelectorsInKeyOrder) {
  ASSERT_TRUE(client.Create(ns, "", Json{{"metadata", {{"name", "db"}}}}, {}).ok());
  ASSERT_TRUE(client.Create(cm, "web", ConfigMap("b", {{"app", "web"}, {"tier", "front"}}), {}).ok());
  ASSERT_TRUE(client.Create(cm, "web", ConfigMap("a", {{"app", "web"}}), {}).ok());
  ASSERT_TRUE(client.Create(cm, "db", ConfigMap("c", {{"app", "db"}}), {}).ok());
  auto names = [&](const std::string& namespace_, ListOptions o) {
    std::vector<std::string> out;
    auto list = client.List(cm, namespace_, o);
    EXPECT_TRUE(list.ok()) << list.status().message();
    if (list.ok()) for (const auto& item : list->items) out.push_back(item["metadata"]["name"]);
    return out;
  };
  EXPECT_EQ(names("", {}), (std::vector<std::string>{"c", "a", "b"}));  // namespace db before web
  EXPECT_EQ(names("web", {}), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(names("", ListOptions{.label_selector = "app=web"}), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(names("", ListOptions{.label_selector = "app in (db),!tier"}), (std::vector<std::string>{"c"}));
  EXPECT_EQ(names("", ListOptions{.label_selector = "tier"}), (std::vector<std::string>{"b"}));
  EXPECT_EQ(names("", ListOptions{.field_selector = "metadata.name=a"}), (std::vector<std::string>{"a"}));
  EXPECT_EQ(client.List(cm, "", ListOptions{.label_selector = "a b"}).status().code(), Code::kInvalidArgument);
}

TEST_F(MemoryClientTest, ReplaceAndPatchKeepStatusWhereTheApiDoes) {
  Json d1 = {{"metadata", {{"name", "front"}}}, {"spec", {{"replicas", 1}}}, {"status", {{"replicas", 9}}}};
  auto created = client.Create(deploy, "web", d1, {});
  ASSERT_TRUE(created.ok());
  auto patched = client.MergePatch(deploy, "web", "front", Json{{"status", {{"readyReplicas", 1}}}}, {}, "status");
  ASSERT_TRUE(patched.ok()) << patched.status().message();
  EXPECT_EQ((*patched)["status"]["readyReplicas"], 1);
  auto spec = client.MergePatch(deploy, "web", "front", Json{{"spec", {{"replicas", 3}}}, {"status", nullptr}}, {});
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ((*spec)["spec"]["replicas"], 3);
  EXPECT_EQ((*spec)["status"]["readyReplicas"], 1);  // the main resource does not write status
  Json stale = *created;
  auto conflict = client.Replace(deploy, "web", stale, {});
  EXPECT_EQ(conflict.status().code(), Code::kAlreadyExists);
  EXPECT_NE(conflict.status().message().find("the object has been modified"), std::string::npos);
  Json fresh = *spec;
  fresh["spec"]["replicas"] = 5;
  auto replaced = client.Replace(deploy, "web", fresh, {});
  ASSERT_TRUE(replaced.ok()) << replaced.status().message();
  EXPECT_EQ((*replaced)["metadata"]["uid"], (*created)["metadata"]["uid"]);
  EXPECT_NE((*replaced)["metadata"]["resourceVersion"], (*spec)["metadata"]["resourceVersion"]);
}

TEST_F(MemoryClientTest, ApplyCreatesThenMerges) {
  ASSERT_TRUE(client.Apply(cm, "web", ConfigMap("a"), {}).ok());
  Json changed = ConfigMap("a");
  changed["data"]["k2"] = "v2";
  auto applied = client.Apply(cm, "web", changed, WriteOptions{.force = true});
  ASSERT_TRUE(applied.ok()) << applied.status().message();
  EXPECT_EQ((*applied)["data"]["k2"], "v2");
}

TEST_F(MemoryClientTest, DeleteAndNamespaceCascade) {
  ASSERT_TRUE(client.Create(cm, "web", ConfigMap("a"), {}).ok());
  EXPECT_EQ(client.Delete(cm, "web", "nope").code(), Code::kNotFound);
  ASSERT_TRUE(client.Delete(ns, "", "web").ok());
  EXPECT_EQ(client.Get(cm, "web", "a").status().code(), Code::kNotFound);
}

TEST(MemoryClient, ExecGoesToTheHandler) {
  MemoryClient none;
  EXPECT_EQ(none.Exec({}, nullptr).status().code(), Code::kUnsupported);
  MemoryClient client(BuiltinDiscovery(), [](const ExecRequest& r, const OutputSink& out) -> Result<ExecResult> {
    std::string text = "ran " + r.command.at(0);
    HORT_RETURN_IF_ERROR(out(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
    return ExecResult{0, "", "fake"};
  });
  std::string got;
  auto r = client.Exec(ExecRequest{"web", "db-0", "", {"pg_dump"}}, [&](std::span<const uint8_t> b) {
    got.append(b.begin(), b.end());
    return Status::Ok();
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(got, "ran pg_dump");
}

}  // namespace
}  // namespace hort::kube
