#include "kube/api_client.h"

#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "kube/api_errors.h"
#include "kube/api_paths.h"
#include "kube/json_fields.h"
#include "kube/pager.h"
#include "net/http_client.h"

namespace hort::kube {
namespace {

constexpr const char* kJson = "application/json";
constexpr const char* kAggregatedAccept =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

struct Call {
  std::string method = "GET";
  std::string path;  // with query
  std::string body;
  std::string content_type;
  std::string accept = kJson;
};

class ApiClient : public Client {
 public:
  ApiClient(Connection connection, ApiClientOptions options, ServerAddress address)
      : connection_(std::move(connection)),
        options_(std::move(options)),
        address_(std::move(address)),
        limiter_(options_.qps, options_.burst, options_.clock) {
    HttpOptions http;
    http.insecure_tls = connection_.insecure_skip_tls_verify;
    if (!http.insecure_tls) http.ca_pem = connection_.ca_pem;
    http.client_cert_pem = connection_.client_cert_pem;
    http.client_key_pem = connection_.client_key_pem;
    http.connect_to = address_.connect_to;
    http.connect_timeout_s = options_.connect_timeout_s;
    http_ = std::make_unique<HttpClient>(std::move(http));
    if (!options_.sleep) {
      options_.sleep = [](double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); };
    }
  }

  Result<VersionInfo> Version() override {
    HORT_ASSIGN_OR_RETURN(Json j, Send({.path = "/version"}));
    return VersionInfo{StringAt(j, "/gitVersion"), StringAt(j, "/major"), StringAt(j, "/minor"), StringAt(j, "/platform")};
  }

  Result<Discovery> Discover(bool refresh) override {
    std::lock_guard lock(discovery_mu_);
    if (!discovery_ || refresh) {
      HORT_ASSIGN_OR_RETURN(Discovery d, ReadDiscovery());
      discovery_ = std::move(d);
    }
    return *discovery_;
  }

  Result<Json> Get(const ResourceInfo& r, const std::string& ns, const std::string& name) override {
    return Send({.path = ResourcePath(r, Namespace(r, ns), name)});
  }

  Result<ObjectList> List(const ResourceInfo& r, const std::string& ns, const ListOptions& options) override {
    const std::string path = ResourcePath(r, r.namespaced ? ns : "");
    FetchPage fetch = [&](const std::string& token, int64_t limit) -> Result<Page> {
      HORT_ASSIGN_OR_RETURN(std::string body, SendRaw({.path = path + ListQuery(options, token, limit)}));
      return ParseListPage(body);
    };
    return ListAllPages(fetch, options.page_size, options.on_page);
  }

  Result<Json> Create(const ResourceInfo& r, const std::string& ns, const Json& object,
                      const WriteOptions& options) override {
    return Wrote(r, options, Send({.method = "POST",
                                   .path = ResourcePath(r, ObjectNamespace(r, ns, object)) + WriteQuery(options, false),
                                   .body = Dump(object), .content_type = kJson}));
  }

  Result<Json> Replace(const ResourceInfo& r, const std::string& ns, const Json& object,
                       const WriteOptions& options) override {
    return Wrote(r, options,
                 Send({.method = "PUT",
                       .path = ResourcePath(r, ObjectNamespace(r, ns, object), Name(object)) + WriteQuery(options, false),
                       .body = Dump(object), .content_type = kJson}));
  }

  Result<Json> MergePatch(const ResourceInfo& r, const std::string& ns, const std::string& name, const Json& patch,
                          const WriteOptions& options, const std::string& subresource) override {
    return Wrote(r, options,
                 Send({.method = "PATCH",
                       .path = ResourcePath(r, Namespace(r, ns), name, subresource) + WriteQuery(options, false),
                       .body = Dump(patch), .content_type = "application/merge-patch+json"}));
  }

  Result<Json> Apply(const ResourceInfo& r, const std::string& ns, const Json& object,
                     const WriteOptions& options) override {
    WriteOptions o = options;
    if (o.field_manager.empty()) o.field_manager = "hort";  // the API refuses an apply without one
    // JSON is YAML, so the object goes as it is.
    return Wrote(r, o,
                 Send({.method = "PATCH",
                       .path = ResourcePath(r, ObjectNamespace(r, ns, object), Name(object)) + WriteQuery(o, true),
                       .body = Dump(object), .content_type = "application/apply-patch+yaml"}));
  }

  Status Delete(const ResourceInfo& r, const std::string& ns, const std::string& name,
                Propagation propagation) override {
    Call call{.method = "DELETE", .path = ResourcePath(r, Namespace(r, ns), name)};
    if (propagation != Propagation::kDefault) {
      static const char* kNames[] = {"", "Background", "Foreground", "Orphan"};
      call.body = Json{{"kind", "DeleteOptions"}, {"apiVersion", "v1"},
                       {"propagationPolicy", kNames[static_cast<int>(propagation)]}}.dump();
      call.content_type = kJson;
    }
    Status st = SendRaw(call).status();
    if (st.ok()) (void)Wrote(r, WriteOptions{}, Json());
    return st;
  }

  Result<ExecResult> Exec(const ExecRequest& request, const OutputSink& stdout_sink) override {
    return kube::Exec(connection_, request, stdout_sink);
  }

  std::string DefaultNamespace() const override { return connection_.default_namespace; }
  std::string Describe() const override { return connection_.description; }

 private:
  // A CRD written changes what the server serves: the next Discover() reads
  // discovery again, so a custom resource created right after its CRD is found.
  Result<Json> Wrote(const ResourceInfo& r, const WriteOptions& options, Result<Json> result) {
    if (result.ok() && !options.dry_run && r.group == "apiextensions.k8s.io" && r.resource == "customresourcedefinitions") {
      std::lock_guard lock(discovery_mu_);
      discovery_.reset();
    }
    return result;
  }
  // Objects may carry strings that are not UTF-8 (read from a backup); the
  // API would refuse them, but dumping must not throw.
  static std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

  std::string Namespace(const ResourceInfo& r, const std::string& ns) const {
    if (!r.namespaced) return "";
    return ns.empty() ? connection_.default_namespace : ns;
  }
  std::string ObjectNamespace(const ResourceInfo& r, const std::string& ns, const Json& object) const {
    if (ns.empty() && object.contains("metadata")) {
      std::string own = StringAt(object, "/metadata/namespace");
      if (!own.empty()) return Namespace(r, own);
    }
    return Namespace(r, ns);
  }
  static std::string Name(const Json& object) {
    return StringAt(object, "/metadata/name");
  }

  Result<Json> Send(const Call& call) {
    HORT_ASSIGN_OR_RETURN(std::string body, SendRaw(call));
    auto j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      return Status(Code::kCorruption, connection_.description + ": the answer to " + call.method + " " +
                                           call.path.substr(0, call.path.find('?')) + " is not JSON");
    }
    return j;
  }

  // One request with the rate limit, the bearer token and client-go's retries.
  Result<std::string> SendRaw(const Call& call) {
    const bool idempotent = call.method == "GET";
    for (int attempt = 1;; ++attempt) {
      limiter_.Wait();
      HttpRequest req;
      req.method = call.method;
      req.url = address_.url_base + call.path;
      req.timeout_s = options_.request_timeout_s;
      req.headers = {"Accept: " + call.accept, "User-Agent: hort"};
      if (!call.content_type.empty()) req.headers.push_back("Content-Type: " + call.content_type);
      if (connection_.token) {
        auto token = connection_.token();
        if (!token.ok()) return token.status();
        if (!token->empty()) req.headers.push_back("Authorization: Bearer " + *token);
      }
      req.body = std::span(reinterpret_cast<const uint8_t*>(call.body.data()), call.body.size());
      auto resp = http_->Do(req);
      if (!resp.ok()) {
        if (idempotent && IsConnectionCut(resp.status()) && attempt < kMaxRetries) {
          options_.sleep(1);  // client-go waits 1 s after a reset connection
          continue;
        }
        return TransportError(resp.status(), connection_.server);
      }
      std::string body(resp->body.begin(), resp->body.end());
      if (resp->status >= 200 && resp->status < 300) return body;
      if (auto wait = RetryWait(resp->status, resp->headers); wait && attempt < kMaxRetries) {
        options_.sleep(*wait);
        continue;
      }
      return ParseApiError(resp->status, body, call.path, connection_.description).status;
    }
  }

  Result<Discovery> ReadDiscovery() {
    HORT_ASSIGN_OR_RETURN(std::string api, SendRaw({.path = "/api", .accept = kAggregatedAccept}));
    HORT_ASSIGN_OR_RETURN(std::string apis, SendRaw({.path = "/apis", .accept = kAggregatedAccept}));
    auto is_aggregated = [](const std::string& body) {
      auto j = Json::parse(body, nullptr, false);
      return !j.is_discarded() && j.is_object() &&
             (StringAt(j, "/kind") == "APIGroupDiscoveryList" || StringAt(j, "/apiVersion").rfind("apidiscovery.k8s.io/", 0) == 0);
    };
    if (is_aggregated(api) && is_aggregated(apis)) return ParseAggregated(api, apis);
    return ReadLegacyDiscovery(apis);
  }

  // A server without aggregated discovery (before 1.26, or one that turned
  // it off): /api/v1 plus each version of each group in /apis.
  Result<Discovery> ReadLegacyDiscovery(const std::string& apis_body) {
    std::vector<ResourceListDocument> docs;
    HORT_ASSIGN_OR_RETURN(std::string core, SendRaw({.path = "/api/v1"}));
    docs.push_back({core, true});
    auto groups = Json::parse(apis_body, nullptr, false);
    if (groups.is_discarded() || !groups.is_object() || !groups.contains("groups")) {
      return Status(Code::kCorruption, connection_.description + ": /apis is not an APIGroupList");
    }
    for (const auto& g : ArrayAt(groups, "/groups")) {
      const std::string preferred = StringAt(g, "/preferredVersion/groupVersion");
      std::vector<std::string> versions;
      for (const auto& v : ArrayAt(g, "/versions")) {
        if (std::string gv = StringAt(v, "/groupVersion"); !gv.empty()) versions.push_back(gv);
      }
      std::stable_partition(versions.begin(), versions.end(), [&](const std::string& v) { return v == preferred; });
      for (const auto& gv : versions) {
        auto body = SendRaw({.path = "/apis/" + gv});
        // A broken aggregated API (metrics-server down) must not hide every other group: skip it, as kubectl warns and goes on.
        if (!body.ok() && body.status().code() == Code::kUnavailable) continue;
        if (!body.ok()) return body.status();
        docs.push_back({*body, gv == preferred});
      }
    }
    return ParseResourceLists(docs);
  }

  Connection connection_;
  ApiClientOptions options_;
  ServerAddress address_;
  RateLimiter limiter_;
  std::unique_ptr<HttpClient> http_;
  std::mutex discovery_mu_;
  std::optional<Discovery> discovery_;
};

}  // namespace

Result<ServerAddress> AddressFor(const std::string& server, const std::string& tls_server_name) {
  ServerAddress a{server, {}};
  if (tls_server_name.empty()) return a;
  auto scheme_end = server.find("://");
  if (scheme_end == std::string::npos) return Status(Code::kInvalidArgument, "server \"" + server + "\" is not a URL");
  const std::string scheme = server.substr(0, scheme_end);
  std::string rest = server.substr(scheme_end + 3);
  std::string path;
  if (auto slash = rest.find('/'); slash != std::string::npos) path = rest.substr(slash), rest.resize(slash);
  std::string host = rest, port = scheme == "https" ? "443" : "80";
  auto colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find(']', colon) == std::string::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  a.url_base = scheme + "://" + tls_server_name + ":" + port + path;
  a.connect_to = {tls_server_name + ":" + port + ":" + host + ":" + port};
  return a;
}

std::unique_ptr<Client> NewApiClient(Connection connection, ApiClientOptions options) {
  auto address = AddressFor(connection.server, connection.tls_server_name);
  ServerAddress a = address.ok() ? *address : ServerAddress{connection.server, {}};
  return std::make_unique<ApiClient>(std::move(connection), std::move(options), std::move(a));
}

std::unique_ptr<Client> NewApiClient(Connection connection) { return NewApiClient(std::move(connection), {}); }

Result<std::unique_ptr<Client>> OpenClient(const KubeSettings& settings) {
  HORT_ASSIGN_OR_RETURN(Connection c, Connect(settings));
  ApiClientOptions options;
  if (settings.qps > 0) options.qps = settings.qps;
  if (settings.burst > 0) options.burst = settings.burst;
  return NewApiClient(std::move(c), std::move(options));
}

}  // namespace hort::kube
