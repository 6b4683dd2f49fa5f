// hort serve's HTTP endpoint: /metrics (Prometheus), /status (JSON), / (a
// small status page) and /healthz. Content comes from callbacks so the
// server knows nothing about catalogs.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "util/status.h"

namespace httplib {
class Server;
}

namespace hort {

struct HttpContent {
  std::function<Result<std::string>()> metrics, status_json, status_html;
};

class HttpServer {
 public:
  HttpServer();
  ~HttpServer();  // stops and joins
  // Binds `listen` ("host:port") and serves on a background thread.
  [[nodiscard]] Status Start(const std::string& listen, HttpContent content);
  void Stop();
  [[nodiscard]] int port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  HttpContent content_;
  int port_ = 0;
};

}  // namespace hort
