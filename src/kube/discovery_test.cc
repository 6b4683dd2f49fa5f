// Discovery parsed from kube-apiserver's own documents (tests/kube/fixtures/, see
// ATTRIBUTION.md): aggregated /apis, legacy /api/v1 and /apis/apps/v1.
#include "kube/discovery.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "kube/test_support.h"

namespace hort::kube {
namespace {

using testing::Testdata;

bool Has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

Discovery Aggregated() {
  auto d = ParseAggregated(Testdata("api__v1.json"), Testdata("aggregated_v2.json"));
  EXPECT_TRUE(d.ok()) << d.status().message();
  return d.ok() ? *d : Discovery{};
}

TEST(Discovery, AggregatedDeployments) {
  Discovery d = Aggregated();
  const ResourceInfo* r = d.Find("deployments.apps");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->group, "apps");
  EXPECT_EQ(r->version, "v1");
  EXPECT_EQ(r->kind, "Deployment");
  EXPECT_EQ(r->singular, "deployment");
  EXPECT_TRUE(r->namespaced);
  EXPECT_TRUE(r->preferred);
  EXPECT_TRUE(r->Can("list") && r->Can("create") && r->Can("watch") && r->Can("deletecollection"));
  EXPECT_FALSE(r->Can("proxy"));
  EXPECT_EQ(r->subresources, (std::vector<std::string>{"scale", "status"}));
  EXPECT_EQ(r->short_names, std::vector<std::string>{"deploy"});
  EXPECT_TRUE(Has(r->categories, "all"));
  EXPECT_EQ(r->GroupVersion(), "apps/v1");
  EXPECT_EQ(r->GroupResource(), "deployments.apps");
}

TEST(Discovery, CoreFromTheResourceListWithSubresources) {
  Discovery d = Aggregated();
  const ResourceInfo* pods = d.Find("pods");
  ASSERT_NE(pods, nullptr);
  EXPECT_EQ(pods->group, "");
  EXPECT_EQ(pods->GroupVersion(), "v1");
  EXPECT_TRUE(pods->HasSubresource("exec"));
  EXPECT_TRUE(pods->HasSubresource("log"));
  EXPECT_TRUE(pods->HasSubresource("eviction"));
  EXPECT_FALSE(pods->HasSubresource("scale"));
  const ResourceInfo* ns = d.Find("namespaces");
  ASSERT_NE(ns, nullptr);
  EXPECT_FALSE(ns->namespaced);
  EXPECT_FALSE(ns->Can("deletecollection"));
  // Subresources are not resources of their own.
  EXPECT_EQ(d.Find("pods/exec"), nullptr);
  for (const auto& r : d.resources) EXPECT_EQ(r.resource.find('/'), std::string::npos) << r.resource;
}

TEST(Discovery, FindFollowsKubectl) {
  Discovery d = Aggregated();
  EXPECT_EQ(d.Find("deploy")->GroupResource(), "deployments.apps");
  EXPECT_EQ(d.Find("deployment")->GroupResource(), "deployments.apps");
  EXPECT_EQ(d.Find("Deployment")->GroupResource(), "deployments.apps");
  EXPECT_EQ(d.Find("deployment.apps")->GroupResource(), "deployments.apps");
  EXPECT_EQ(d.Find("deployments.v1.apps")->GroupResource(), "deployments.apps");
  EXPECT_EQ(d.Find("cm")->GroupResource(), "configmaps");
  EXPECT_EQ(d.Find("ConfigMap")->GroupResource(), "configmaps");
  EXPECT_EQ(d.Find("sts")->kind, "StatefulSet");
  // "events" is served by the core group and by events.k8s.io: the core group wins, like kubectl.
  EXPECT_EQ(d.Find("events")->group, "");
  EXPECT_EQ(d.Find("ev")->group, "");
  EXPECT_EQ(d.Find("events.events.k8s.io")->group, "events.k8s.io");
  // autoscaling serves v2 (preferred) and v1.
  EXPECT_EQ(d.Find("hpa")->version, "v2");
  EXPECT_EQ(d.Find("horizontalpodautoscalers.v1.autoscaling")->version, "v1");
  EXPECT_EQ(d.Find("apiservices.apiregistration.k8s.io")->kind, "APIService");
  EXPECT_FALSE(d.Find("apiservices")->namespaced);
  EXPECT_EQ(d.Find("nothing"), nullptr);
  EXPECT_EQ(d.Find("deployments.nothing"), nullptr);
  EXPECT_EQ(d.Find("", "v1", "pods")->kind, "Pod");
  EXPECT_EQ(d.Find("apps", "", "deployments")->version, "v1");
}

TEST(Discovery, PreferredHasOneVersionPerResource) {
  Discovery d = Aggregated();
  int hpa = 0;
  for (const ResourceInfo* r : d.Preferred()) {
    if (r->GroupResource() == "horizontalpodautoscalers.autoscaling") {
      ++hpa;
      EXPECT_EQ(r->version, "v2");
    }
  }
  EXPECT_EQ(hpa, 1);
}

TEST(Discovery, LegacyResourceLists) {
  auto d = ParseResourceLists({{Testdata("api__v1.json"), true}, {Testdata("apis__apps__v1.json"), true}});
  ASSERT_TRUE(d.ok()) << d.status().message();
  const ResourceInfo* deploy = d->Find("deploy");
  ASSERT_NE(deploy, nullptr);
  EXPECT_EQ(deploy->GroupVersion(), "apps/v1");
  EXPECT_EQ(deploy->subresources, (std::vector<std::string>{"scale", "status"}));
  EXPECT_TRUE(deploy->preferred);
  const ResourceInfo* pods = d->Find("po");
  ASSERT_NE(pods, nullptr);
  EXPECT_TRUE(pods->HasSubresource("exec"));
  EXPECT_TRUE(pods->HasSubresource("log"));
  EXPECT_EQ(d->Find("pv")->namespaced, false);
  EXPECT_EQ(d->Find("secrets")->singular, "secret");
}

TEST(Discovery, RejectsWhatIsNotDiscovery) {
  EXPECT_EQ(ParseAggregated("[]", "").status().code(), Code::kCorruption);
  EXPECT_EQ(ParseAggregated("{\"kind\":\"Pod\"}", "").status().code(), Code::kCorruption);
  EXPECT_EQ(ParseResourceLists({{"not json", true}}).status().code(), Code::kCorruption);
  EXPECT_EQ(ParseAggregated("{\"kind\":\"APIGroupDiscoveryList\",\"items\":[{\"versions\":[{\"resources\":7}]}]}", "")
                .status().code(), Code::kOk);  // a resources field of the wrong type is skipped, not fatal
}

}  // namespace
}  // namespace hort::kube
