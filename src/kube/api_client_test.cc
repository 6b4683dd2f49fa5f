// ApiClient against a scripted API server on loopback (cpp-httplib): what
// goes over the wire (paths, queries, headers, bodies), retries, paging,
// discovery both ways, and the messages a person sees.
#include "kube/api_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <thread>

#include "kube/api_errors.h"
#include "kube/test_support.h"

namespace hort::kube {
namespace {

constexpr const char* kToken = "s3cr3t-bearer";

using testing::Testdata;

struct SeenRequest {
  std::string method, path, query, auth, content_type, accept, body;
};

class FakeApi : public ::testing::Test {
 protected:
  void SetUp() override {
    auto record = [this](const httplib::Request& req) {
      std::lock_guard lock(mu);
      std::string query;
      for (const auto& [k, v] : req.params) query += (query.empty() ? "" : "&") + k + "=" + v;
      seen.push_back({req.method, req.path, query, req.get_header_value("Authorization"),
                      req.get_header_value("Content-Type"), req.get_header_value("Accept"), req.body});
    };
    auto handler = [this, record](const httplib::Request& req, httplib::Response& res) {
      record(req);
      std::lock_guard lock(mu);
      auto it = routes.find(req.method + " " + req.path);
      if (it == routes.end()) {
        res.status = 404;
        res.set_content("404 page not found\n", "text/plain");
        return;
      }
      it->second(req, res);
    };
    server.Get(".*", handler);
    server.Post(".*", handler);
    server.Put(".*", handler);
    server.Patch(".*", handler);
    server.Delete(".*", handler);
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void TearDown() override {
    server.stop();
    thread.join();
  }
  std::unique_ptr<Client> NewClient(std::vector<double>* sleeps = nullptr) {
    Connection c;
    c.server = "http://127.0.0.1:" + std::to_string(port);
    c.token = []() -> Result<std::string> { return std::string(kToken); };
    c.default_namespace = "home";
    c.description = "context test (cluster test at " + c.server + ")";
    ApiClientOptions o;
    o.qps = 1e6;  // no throttling in tests; the limiter has its own
    o.burst = 1000000;
    o.sleep = [sleeps](double s) { if (sleeps) sleeps->push_back(s); };
    return NewApiClient(std::move(c), std::move(o));
  }
  void Route(const std::string& key, int status, std::string body, std::map<std::string, std::string> headers = {}) {
    std::lock_guard lock(mu);
    routes[key] = [status, body, headers](const httplib::Request&, httplib::Response& res) {
      res.status = status;
      for (const auto& [k, v] : headers) res.set_header(k, v);
      res.set_content(body, "application/json");
    };
  }

  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::mutex mu;
  std::map<std::string, std::function<void(const httplib::Request&, httplib::Response&)>> routes;
  std::vector<SeenRequest> seen;
};

const ResourceInfo kConfigMaps{"", "v1", "configmaps", "ConfigMap", "configmap", true};
const ResourceInfo kDeployments{"apps", "v1", "deployments", "Deployment", "deployment", true};

TEST_F(FakeApi, ListsInPagesWithTheBearerToken) {
  routes["GET /api/v1/namespaces/web/configmaps"] = [](const httplib::Request& req, httplib::Response& res) {
    std::string token = req.get_param_value("continue");
    if (token.empty()) {
      res.set_content(R"({"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"9","continue":"t1"},)"
                      R"("items":[{"metadata":{"name":"a"}}]})", "application/json");
    } else {
      res.set_content(R"({"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"9"},)"
                      R"("items":[{"metadata":{"name":"b"}}]})", "application/json");
    }
  };
  auto client = NewClient();
  ListOptions o;
  o.page_size = 1;
  o.label_selector = "app=web";
  o.resource_version = "0";
  auto list = client->List(kConfigMaps, "web", o);
  ASSERT_TRUE(list.ok()) << list.status().message();
  ASSERT_EQ(list->items.size(), 2u);
  EXPECT_EQ(list->items[1]["kind"], "ConfigMap");
  EXPECT_EQ(list->resource_version, "9");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].auth, std::string("Bearer ") + kToken);
  EXPECT_EQ(seen[0].query, "labelSelector=app=web&limit=1&resourceVersion=0");
  EXPECT_EQ(seen[1].query, "continue=t1&labelSelector=app=web&limit=1");
}

TEST_F(FakeApi, RetriesWhatTheServerAsksToRetry) {
  int calls = 0;
  routes["GET /api/v1/namespaces/home/configmaps/c"] = [&calls](const httplib::Request&, httplib::Response& res) {
    if (++calls < 3) {
      res.status = calls == 1 ? 429 : 503;
      res.set_header("Retry-After", std::to_string(calls));
      res.set_content(R"({"kind":"Status","message":"slow down","code":429})", "application/json");
      return;
    }
    res.set_content(R"({"kind":"ConfigMap","metadata":{"name":"c"}})", "application/json");
  };
  std::vector<double> sleeps;
  auto client = NewClient(&sleeps);
  auto got = client->Get(kConfigMaps, "", "c");  // "" = the context's namespace
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ((*got)["metadata"]["name"], "c");
  EXPECT_EQ(sleeps, (std::vector<double>{1, 2}));
  // A 5xx without Retry-After is not retried; after kMaxRetries tries the 429 stands.
  Route("GET /api/v1/namespaces/home/configmaps/down", 500, R"({"kind":"Status","message":"etcd down","code":500})");
  EXPECT_EQ(client->Get(kConfigMaps, "home", "down").status().code(), Code::kUnavailable);
  Route("GET /api/v1/namespaces/home/configmaps/busy", 429, R"({"kind":"Status","message":"busy","code":429})",
        {{"Retry-After", "0"}});
  seen.clear();
  auto busy = client->Get(kConfigMaps, "home", "busy");
  EXPECT_EQ(busy.status().code(), Code::kUnavailable);
  EXPECT_EQ(static_cast<int>(seen.size()), kMaxRetries);
}

TEST_F(FakeApi, WritesSayWhatTheyAre) {
  Route("POST /apis/apps/v1/namespaces/web/deployments", 201, R"({"kind":"Deployment"})");
  Route("PUT /apis/apps/v1/namespaces/web/deployments/front", 200, R"({"kind":"Deployment"})");
  Route("PATCH /apis/apps/v1/namespaces/web/deployments/front/status", 200, R"({"kind":"Deployment"})");
  Route("PATCH /apis/apps/v1/namespaces/web/deployments/front", 200, R"({"kind":"Deployment"})");
  Route("DELETE /apis/apps/v1/namespaces/web/deployments/front", 200, R"({"kind":"Status","status":"Success"})");
  auto client = NewClient();
  Json deploy = {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"metadata", {{"name", "front"}, {"namespace", "web"}}}};
  ASSERT_TRUE(client->Create(kDeployments, "", deploy, WriteOptions{.dry_run = true}).ok());
  ASSERT_TRUE(client->Replace(kDeployments, "web", deploy, WriteOptions{}).ok());
  ASSERT_TRUE(client->MergePatch(kDeployments, "web", "front", Json{{"status", {{"replicas", 1}}}}, WriteOptions{}, "status").ok());
  ASSERT_TRUE(client->Apply(kDeployments, "web", deploy, WriteOptions{.field_manager = "", .force = true}).ok());
  ASSERT_TRUE(client->Delete(kDeployments, "web", "front", Propagation::kForeground).ok());
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].query, "dryRun=All&fieldManager=hort");
  EXPECT_EQ(seen[0].content_type, "application/json");
  EXPECT_EQ(Json::parse(seen[0].body)["metadata"]["name"], "front");
  EXPECT_EQ(seen[1].method, "PUT");
  EXPECT_EQ(seen[2].content_type, "application/merge-patch+json");
  EXPECT_EQ(seen[3].content_type, "application/apply-patch+yaml");
  EXPECT_EQ(seen[3].query, "fieldManager=hort&force=true");
  EXPECT_EQ(Json::parse(seen[4].body)["propagationPolicy"], "Foreground");
  EXPECT_EQ(Json::parse(seen[4].body)["kind"], "DeleteOptions");
}

TEST_F(FakeApi, ErrorsNameTheServerButNoCredential) {
  Route("GET /api/v1/namespaces/home/configmaps/x", 401,
        R"({"kind":"Status","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})");
  Route("POST /apis/apps/v1/namespaces/web/deployments", 409,
        R"({"kind":"Status","message":"deployments.apps \"front\" already exists","reason":"AlreadyExists","code":409})");
  auto client = NewClient();
  std::vector<Status> errors;
  errors.push_back(client->Get(kConfigMaps, "", "x").status());
  errors.push_back(client->Create(kDeployments, "web", Json{{"metadata", {{"name", "front"}}}}, {}).status());
  ResourceInfo widgets{"example.com", "v1", "widgets", "Widget", "widget", true};
  errors.push_back(client->List(widgets, "web", {}).status());
  EXPECT_EQ(errors[0].code(), Code::kPermissionDenied);
  EXPECT_EQ(errors[0].message(), "the Kubernetes API of " + client->Describe() + " rejected hort's credentials (Unauthorized)");
  EXPECT_EQ(errors[1].code(), Code::kAlreadyExists);
  EXPECT_EQ(errors[1].message(), client->Describe() + ": deployments.apps \"front\" already exists");
  EXPECT_EQ(errors[2].code(), Code::kNotFound);
  EXPECT_EQ(errors[2].message(), client->Describe() +
                                     ": the server could not find the requested resource (/apis/example.com/v1/namespaces/web/widgets)");
  for (const auto& e : errors) EXPECT_EQ(e.message().find(kToken), std::string::npos) << e.message();
}

TEST_F(FakeApi, UnreachableServer) {
  Connection c;
  c.server = "http://127.0.0.1:1";
  c.token = []() -> Result<std::string> { return std::string(kToken); };
  std::vector<double> sleeps;
  ApiClientOptions o;
  o.sleep = [&](double s) { sleeps.push_back(s); };
  auto client = NewApiClient(std::move(c), std::move(o));
  auto v = client->Version();
  EXPECT_EQ(v.status().code(), Code::kUnavailable);
  EXPECT_EQ(v.status().message(), "cannot reach the Kubernetes API at http://127.0.0.1:1: connection refused");
  EXPECT_TRUE(sleeps.empty());  // a refused connect is not retried (client-go retries only reset/EOF)
  EXPECT_FALSE(client->Delete(kConfigMaps, "x", "y").ok());
  EXPECT_TRUE(sleeps.empty());
}

TEST_F(FakeApi, VersionAndAggregatedDiscovery) {
  Route("GET /version", 200, R"({"major":"1","minor":"31","gitVersion":"v1.31.4+k3s1","platform":"linux/arm64"})");
  Route("GET /api", 200, R"({"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","items":[)"
                         R"({"metadata":{"name":""},"versions":[{"version":"v1","resources":[{"resource":"pods",)"
                         R"("responseKind":{"kind":"Pod"},"scope":"Namespaced","singularResource":"pod",)"
                         R"("verbs":["get","list"],"subresources":[{"subresource":"exec"}]}]}]}]})");
  Route("GET /apis", 200, Testdata("aggregated_v2.json"));
  auto client = NewClient();
  auto v = client->Version();
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->git_version, "v1.31.4+k3s1");
  EXPECT_EQ(v->minor, "31");
  auto d = client->Discover();
  ASSERT_TRUE(d.ok()) << d.status().message();
  ASSERT_NE(d->Find("pod"), nullptr);
  EXPECT_TRUE(d->Find("pod")->HasSubresource("exec"));
  ASSERT_NE(d->Find("deploy"), nullptr);
  EXPECT_EQ(d->Find("deploy")->GroupVersion(), "apps/v1");
  EXPECT_NE(seen[1].accept.find("as=APIGroupDiscoveryList"), std::string::npos);
  const size_t requests = seen.size();
  ASSERT_TRUE(client->Discover().ok());
  EXPECT_EQ(seen.size(), requests);  // cached
  ASSERT_TRUE(client->Discover(true).ok());
  EXPECT_EQ(seen.size(), requests + 2);
}

TEST_F(FakeApi, LegacyDiscoveryWithoutAggregation) {
  Route("GET /api", 200, R"({"kind":"APIVersions","versions":["v1"]})");
  Route("GET /apis", 200, R"({"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"apps","versions":[)"
                          R"({"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}},)"
                          R"({"name":"metrics.k8s.io","versions":[{"groupVersion":"metrics.k8s.io/v1beta1","version":"v1beta1"}],)"
                          R"("preferredVersion":{"groupVersion":"metrics.k8s.io/v1beta1","version":"v1beta1"}}]})");
  Route("GET /api/v1", 200, Testdata("api__v1.json"));
  Route("GET /apis/apps/v1", 200, Testdata("apis__apps__v1.json"));
  Route("GET /apis/metrics.k8s.io/v1beta1", 503, R"({"kind":"Status","message":"service unavailable","code":503})");
  auto client = NewClient();
  auto d = client->Discover();
  ASSERT_TRUE(d.ok()) << d.status().message();
  ASSERT_NE(d->Find("pods"), nullptr);
  ASSERT_NE(d->Find("deployments.apps"), nullptr);
  EXPECT_TRUE(d->Find("pods")->HasSubresource("exec"));
  EXPECT_TRUE(d->Find("deployments.apps")->HasSubresource("scale"));
  EXPECT_TRUE(d->Find("deployments.apps")->preferred);
}

}  // namespace
}  // namespace hort::kube
