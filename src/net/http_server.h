// A small HTTP server on a background thread (cpp-httplib). It serves GET
// routes whose bodies come from callbacks, so it knows nothing about what
// it serves: `hort serve` puts /metrics, /status and its page on it, and the
// dashboard's pages can join them without the server learning about either.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "util/status.h"

namespace httplib {
class Server;
}

namespace hort {

// One GET path. A failing callback answers 500 with the error message.
struct HttpRoute {
  std::string path;
  std::string content_type;
  std::function<Result<std::string>()> body;
};

// hort serve's pages: /metrics (Prometheus), /status (JSON) and / (HTML).
struct HttpContent {
  std::function<Result<std::string>()> metrics, status_json, status_html;
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
