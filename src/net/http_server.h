// A small HTTP server on a background thread (cpp-httplib). It serves GET
// routes whose bodies come from callbacks, so it knows nothing about what
// it serves: `hort serve` puts /metrics, /status and its page on it, and the
// dashboard's pages can join them without the server learning about either.
#pragma once

#include <functional>
#include <optional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "util/status.h"

namespace httplib {
class Server;
}

namespace hort {

// A request's query parameters (?lang=de&service=paperless), decoded.
using HttpQuery = std::map<std::string, std::string>;

// One GET path; `body`, or `query_body` when the page reads the query. A
// failing callback answers with the error message: 404 for kNotFound, 400
// for kInvalidArgument, else 500.
struct HttpRoute {
  std::string path;
  std::string content_type;
  std::function<Result<std::string>()> body;
  std::function<Result<std::string>(const HttpQuery&)> query_body;
};

// Any request, for routes that need more than a body from a query: the
// method, headers, body, the pattern's captures, the peer's address.
struct ServerRequest {
  std::string method, path, body, remote_addr;
  HttpQuery query;
  std::map<std::string, std::string> headers;  // names in lower case
  std::vector<std::string> captures;           // the pattern's groups
  [[nodiscard]] std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

struct ServerResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8", body;
  std::map<std::string, std::string> headers;
};

// A route by method ("GET", "POST" or "PUT") and a regular expression over the
// whole path ("/api/v1/runs/(\\d+)"); its callback answers everything.
struct HttpHandler {
  std::string method, pattern;
  std::function<ServerResponse(const ServerRequest&)> handle;
};

// hort serve's pages: /metrics (Prometheus), /status (JSON), /table (HTML)
// and /runbook (HTML, ?lang=de|en&service=NAME).
struct HttpContent {
  std::function<Result<std::string>()> metrics, status_json, status_html;
  std::function<Result<std::string>(const HttpQuery&)> runbook_html;
};

class HttpServer {
 public:
  HttpServer();
  ~HttpServer();  // stops and joins
  // Binds `listen` ("host:port", port 0 = any free port) and serves `routes`
  // plus /healthz on a background thread.
  [[nodiscard]] Status Start(const std::string& listen, std::vector<HttpRoute> routes,
                             std::vector<HttpHandler> handlers = {});
  [[nodiscard]] Status Start(const std::string& listen, HttpContent content, std::vector<HttpHandler> handlers = {});
  void Stop();
  [[nodiscard]] int port() const { return port_; }
  // Asked before any route (call before Start): a response ends the request
  // there (authentication), nullopt lets it through.
  using Gate = std::function<std::optional<ServerResponse>(const ServerRequest&)>;
  void SetGate(Gate gate) { gate_ = std::move(gate); }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::vector<HttpRoute> routes_;
  std::vector<HttpHandler> handlers_;
  Gate gate_;
  int port_ = 0;
};

}  // namespace hort
