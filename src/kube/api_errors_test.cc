// The API's answers as hort's Status, Retry-After, the rate limiter (on a
// FakeClock: no test here waits), URLs and label selectors.
#include "kube/api_errors.h"

#include <gtest/gtest.h>

#include "kube/api_client.h"
#include "kube/api_paths.h"
#include "kube/exec_credential.h"
#include "kube/label_selector.h"
#include "kube/pager.h"
#include "kube/rate_limiter.h"
#include "util/test_clock.h"

namespace hort::kube {
namespace {

const std::string kWhere = "context home (cluster home at https://10.0.0.1:6443)";

ApiErrorInfo Parse(long code, const std::string& body, const std::string& path = "/apis/apps/v1/namespaces/web/deployments") {
  return ParseApiError(code, body, path, kWhere);
}

TEST(ApiError, StatusBodiesMapToHortCodes) {
  auto exists = Parse(409, R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                           R"("message":"deployments.apps \"web\" already exists","reason":"AlreadyExists",)"
                           R"("details":{"name":"web","group":"apps","kind":"deployments"},"code":409})");
  EXPECT_EQ(exists.status.code(), Code::kAlreadyExists);
  EXPECT_EQ(exists.status.message(), kWhere + ": deployments.apps \"web\" already exists");
  EXPECT_EQ(exists.reason, "AlreadyExists");

  const std::pair<long, Code> codes[] = {{400, Code::kInvalidArgument}, {422, Code::kInvalidArgument},
                                         {401, Code::kPermissionDenied}, {403, Code::kPermissionDenied},
                                         {404, Code::kNotFound},         {409, Code::kAlreadyExists},
                                         {410, Code::kNotFound},         {429, Code::kUnavailable},
                                         {500, Code::kUnavailable},      {503, Code::kUnavailable}};
  for (auto [http, code] : codes) {
    auto e = Parse(http, R"({"kind":"Status","message":"m","code":)" + std::to_string(http) + "}");
    EXPECT_EQ(e.status.code(), code) << http;
  }
}

TEST(ApiError, ValidationCausesWhenTheMessageIsEmpty) {
  auto e = Parse(422, R"({"kind":"Status","reason":"Invalid","details":{"causes":[)"
                      R"({"reason":"FieldValueRequired","message":"Required value","field":"spec.selector"}]}})");
  EXPECT_EQ(e.status.message(), kWhere + ": spec.selector: Required value");
}

TEST(ApiError, ExpiredCarriesTheFreshContinueToken) {
  auto e = Parse(410, R"({"kind":"Status","apiVersion":"v1","metadata":{"continue":"eyJ2Ijoi"},"status":"Failure",)"
                      R"("message":"The provided continue parameter is too old to display a consistent list result.",)"
                      R"("reason":"Expired","code":410})");
  EXPECT_EQ(e.status.code(), Code::kNotFound);
  EXPECT_TRUE(IsExpired(e.status));
  EXPECT_NE(e.status.message().find("too old"), std::string::npos);
  EXPECT_EQ(e.continue_token, "eyJ2Ijoi");
  EXPECT_EQ(e.reason, "Expired");
  EXPECT_FALSE(IsExpired(Parse(404, R"({"kind":"Status","message":"pods \"expired\" not found"})").status));
}

TEST(ApiError, PlainTextNotFoundOfAnUnknownGroup) {
  auto e = Parse(404, "404 page not found\n", "/apis/example.com/v1/widgets?limit=500");
  EXPECT_EQ(e.status.code(), Code::kNotFound);
  EXPECT_EQ(e.status.message(), kWhere + ": the server could not find the requested resource (/apis/example.com/v1/widgets)");
}

TEST(ApiError, UnauthorizedNamesTheServerNotTheCredentials) {
  auto e = Parse(401, R"({"kind":"Status","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})");
  EXPECT_EQ(e.status.code(), Code::kPermissionDenied);
  EXPECT_EQ(e.status.message(), "the Kubernetes API of " + kWhere + " rejected hort's credentials (Unauthorized)");
  EXPECT_EQ(Parse(502, "<html>bad gateway</html>").status.message(),
            kWhere + ": the server responded with the status code 502 but did not return more information "
                     "(/apis/apps/v1/namespaces/web/deployments): <html>bad gateway</html>");
}

TEST(ApiError, TransportFailuresForAPerson) {
  const std::string server = "https://10.0.0.1:6443";
  EXPECT_EQ(TransportError(Status(Code::kUnavailable, "connection problem: Couldn't connect to server (Failed to "
                                                      "connect to 10.0.0.1 port 6443 after 0 ms: Connection refused)"),
                           server).message(),
            "cannot reach the Kubernetes API at https://10.0.0.1:6443: connection refused");
  auto tls = TransportError(Status(Code::kInvalidArgument, "TLS: the server's certificate is not trusted (SSL peer "
                                                           "certificate or SSH remote key was not OK); pass its CA"),
                            server);
  EXPECT_EQ(tls.code(), Code::kInvalidArgument);
  EXPECT_NE(tls.message().find("certificate is not trusted"), std::string::npos);
  EXPECT_EQ(TransportError(Status(Code::kUnavailable, "connection problem: Timeout was reached"), server).message(),
            "cannot reach the Kubernetes API at https://10.0.0.1:6443: timed out");
}

TEST(RetryAfter, WholeSecondsOnlyLikeClientGo) {
  EXPECT_EQ(ParseRetryAfter("5"), 5);
  EXPECT_EQ(ParseRetryAfter("0"), 0);
  EXPECT_EQ(ParseRetryAfter(""), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("1.5"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
  EXPECT_EQ(RetryWait(429, {{"retry-after", "3"}}), 3);
  EXPECT_EQ(RetryWait(503, {{"retry-after", "1"}}), 1);
  EXPECT_EQ(RetryWait(503, {}), std::nullopt);           // 5xx without Retry-After: not retried
  EXPECT_EQ(RetryWait(409, {{"retry-after", "1"}}), std::nullopt);
}

TEST(RateLimiter, DefaultIsTheVeleroServersBurst30ThenQps20) {
  FakeClock clock;
  clock.now = 1000;
  RateLimiter limiter(kDefaultQps, kDefaultBurst, &clock);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(limiter.Reserve(), 0.0) << i;
  EXPECT_DOUBLE_EQ(limiter.Reserve(), 0.05);
  EXPECT_DOUBLE_EQ(limiter.Reserve(), 0.1);
}

TEST(RateLimiter, TokenBucketAsClientGoWithItsDefaults) {
  FakeClock clock;
  clock.now = 1000;
  RateLimiter limiter(5, 10, &clock);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(limiter.Reserve(), 0.0) << i;  // the burst
  EXPECT_DOUBLE_EQ(limiter.Reserve(), 0.2);  // then 5 per second, queued
  EXPECT_DOUBLE_EQ(limiter.Reserve(), 0.4);
  clock.now = 1001;  // one second refills five tokens, three of them owed
  EXPECT_DOUBLE_EQ(limiter.Reserve(), 0.0);
  EXPECT_DOUBLE_EQ(limiter.Reserve(), 0.0);
  EXPECT_DOUBLE_EQ(limiter.Reserve(), 0.0);
  EXPECT_DOUBLE_EQ(limiter.Reserve(), 0.2);
  clock.now = 2000;  // a long pause refills only up to the burst
  for (int i = 0; i < 10; ++i) EXPECT_EQ(limiter.Reserve(), 0.0) << i;
  EXPECT_GT(limiter.Reserve(), 0.0);
}

TEST(Paths, CoreGroupsScopesAndEscaping) {
  ResourceInfo pods{"", "v1", "pods", "Pod", "pod", true};
  ResourceInfo deploy{"apps", "v1", "deployments", "Deployment", "deployment", true};
  ResourceInfo sc{"storage.k8s.io", "v1", "storageclasses", "StorageClass", "storageclass", false};
  EXPECT_EQ(ResourcePath(pods, "web", "front-0"), "/api/v1/namespaces/web/pods/front-0");
  EXPECT_EQ(ResourcePath(pods, ""), "/api/v1/pods");
  EXPECT_EQ(ResourcePath(deploy, "web", "front", "status"), "/apis/apps/v1/namespaces/web/deployments/front/status");
  EXPECT_EQ(ResourcePath(sc, "ignored", "fast"), "/apis/storage.k8s.io/v1/storageclasses/fast");
  EXPECT_EQ(ResourcePath(pods, "a b", "x/y?z"), "/api/v1/namespaces/a%20b/pods/x%2Fy%3Fz");
  ListOptions o;
  o.label_selector = "app in (web,db),tier!=cache";
  o.field_selector = "metadata.name=x";
  o.resource_version = "0";
  EXPECT_EQ(ListQuery(o, "", 500),
            "?limit=500&labelSelector=app%20in%20%28web%2Cdb%29%2Ctier%21%3Dcache&fieldSelector=metadata.name%3Dx"
            "&resourceVersion=0");
  EXPECT_EQ(ListQuery(o, "tok=", 500).find("resourceVersion"), std::string::npos);  // never with continue
  EXPECT_NE(ListQuery(o, "tok=", 500).find("continue=tok%3D"), std::string::npos);
  EXPECT_EQ(ListQuery(ListOptions{}, "", 0), "");
  EXPECT_EQ(WriteQuery(WriteOptions{.dry_run = true, .force = true}, true), "?dryRun=All&fieldManager=hort&force=true");
  EXPECT_EQ(WriteQuery(WriteOptions{.force = true}, false), "?fieldManager=hort");
}

TEST(Paths, TlsServerNameGoesIntoTheUrl) {
  auto plain = AddressFor("https://10.0.0.1:6443", "");
  EXPECT_EQ(plain->url_base, "https://10.0.0.1:6443");
  EXPECT_TRUE(plain->connect_to.empty());
  auto named = AddressFor("https://10.0.0.1:6443/k8s/clusters/c-1", "kubernetes.default");
  EXPECT_EQ(named->url_base, "https://kubernetes.default:6443/k8s/clusters/c-1");
  EXPECT_EQ(named->connect_to, std::vector<std::string>{"kubernetes.default:6443:10.0.0.1:6443"});
  auto v6 = AddressFor("https://[fd00::1]", "api");
  EXPECT_EQ(v6->url_base, "https://api:443");
  EXPECT_EQ(v6->connect_to, std::vector<std::string>{"api:443:[fd00::1]:443"});
}

TEST(LabelSelector, EqualityAndSetBased) {
  std::map<std::string, std::string> labels = {{"app", "web"}, {"tier", "front"}};
  auto match = [&](const std::string& s) {
    auto sel = LabelSelector::Parse(s);
    EXPECT_TRUE(sel.ok()) << s;
    return sel.ok() && sel->Matches(labels);
  };
  EXPECT_TRUE(match(""));
  EXPECT_TRUE(match("app=web"));
  EXPECT_TRUE(match("app==web,tier=front"));
  EXPECT_FALSE(match("app=db"));
  EXPECT_TRUE(match("app!=db"));
  EXPECT_TRUE(match("app in (db, web)"));
  EXPECT_FALSE(match("app notin (web)"));
  EXPECT_TRUE(match("tier"));
  EXPECT_FALSE(match("!tier"));
  EXPECT_TRUE(match("!missing"));
  EXPECT_TRUE(match("missing notin (x)"));
  EXPECT_FALSE(LabelSelector::Parse("app in web").ok());
  EXPECT_FALSE(LabelSelector::Parse("a b").ok());
  EXPECT_FALSE(LabelSelector::Parse("app=web,,x").ok());
  // Keys and values the API refuses (400), as labels.Parse does; an empty value is a value.
  EXPECT_TRUE(LabelSelector::Parse("app=web,example.com/role notin (db),x=").ok());
  for (const char* bad : {"app=web!", "app=a b", "bad/key/x=1", "-app=web", "Example.com/app=web", "app in (web, -x)",
                          "a=" "0123456789012345678901234567890123456789012345678901234567890123"}) {
    auto sel = LabelSelector::Parse(bad);
    ASSERT_FALSE(sel.ok()) << bad;
    EXPECT_EQ(sel.status().code(), Code::kInvalidArgument);
  }
}

}  // namespace
TEST(IsConnectionCut, OnlyBrokenConnectionsAreRetried) {
  EXPECT_TRUE(IsConnectionCut(Status(Code::kUnavailable, "connection problem: Failure when receiving data from the peer")));
  EXPECT_TRUE(IsConnectionCut(Status(Code::kUnavailable, "connection problem: Server returned nothing (no headers, no data)")));
  EXPECT_FALSE(IsConnectionCut(Status(Code::kUnavailable, "connection problem: Couldn't connect to server: Connection refused")));
  EXPECT_FALSE(IsConnectionCut(Status(Code::kUnavailable, "connection problem: Timeout was reached")));
  EXPECT_FALSE(IsConnectionCut(Status(Code::kUnavailable, "connection problem: Couldn't resolve host name")));
}

TEST(TransportError, ABadClientKeyIsNotBlamedOnTheServer) {
  Status s = TransportError(Status(Code::kInvalidArgument, "TLS: the client certificate or key cannot be used (Problem with "
                                                           "the local SSL certificate: unable to set private key)"),
                            "https://10.0.0.1:6443");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("client-key"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("certificate-authority"), std::string::npos) << s.message();
}

TEST(MalformedAnswers, AreErrorsNotCrashes) {
  // Status bodies with fields of the wrong type (a proxy, a broken aggregated API).
  auto e = ParseApiError(409, R"({"kind":"Status","message":null,"details":{"retryAfterSeconds":"soon","causes":{}}})",
                         "/api/v1/pods", "cluster");
  EXPECT_EQ(e.status.code(), Code::kAlreadyExists);
  EXPECT_EQ(e.retry_after_seconds, 0);
  EXPECT_EQ(ParseApiError(500, "[1,2]", "/x", "c").status.code(), Code::kUnavailable);
  // A list whose kind is not a string.
  auto page = ParseListPage(R"({"kind":7,"apiVersion":[],"metadata":{"continue":1},"items":[{"metadata":{"name":"a"}}]})");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->kind, "");
  EXPECT_EQ(page->continue_token, "");
  // An exec plugin printing a number where a string belongs.
  ExecPlugin plugin{.command = "p", .api_version = "client.authentication.k8s.io/v1", .what = "plugin p"};
  auto cred = ParseExecCredential(R"({"apiVersion":1,"kind":"ExecCredential","status":{"token":2}})", plugin);
  EXPECT_EQ(cred.status().code(), Code::kInvalidArgument);
}

}  // namespace hort::kube
