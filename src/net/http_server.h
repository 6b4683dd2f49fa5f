// A small HTTP server on a background thread (cpp-httplib). It serves GET
// routes whose bodies come from callbacks, so it knows nothing about what
// it serves: `hort serve` puts /metrics, /status and its page on it, and the
// dashboard's pages can join them without the server learning about either.
#pragma once

#include <functional>
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

// hort serve's pages: /metrics (Prometheus), /status (JSON), / (HTML) and
// /runbook (HTML, ?lang=de|en&service=NAME).
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
  [[nodiscard]] Status Start(const std::string& listen, std::vector<HttpRoute> routes);
  [[nodiscard]] Status Start(const std::string& listen, HttpContent content);
  void Stop();
  [[nodiscard]] int port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::vector<HttpRoute> routes_;
  int port_ = 0;
};

}  // namespace hort
