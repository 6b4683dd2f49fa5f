#include "net/http_server.h"

#include <httplib.h>

namespace hort {

HttpServer::HttpServer() : server_(std::make_unique<httplib::Server>()) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start(const std::string& listen, HttpContent content) {
  return Start(listen, {{"/metrics", "text/plain; version=0.0.4; charset=utf-8", std::move(content.metrics)},
                        {"/status", "application/json", std::move(content.status_json)},
                        {"/", "text/html; charset=utf-8", std::move(content.status_html)},
                        {"/runbook", "text/html; charset=utf-8", {}, std::move(content.runbook_html)}});
}

Status HttpServer::Start(const std::string& listen, std::vector<HttpRoute> routes) {
  routes_ = std::move(routes);
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return Status(Code::kInvalidArgument, "listen address must be host:port, got " + listen);
  std::string host = listen.substr(0, colon);
  int port = std::atoi(listen.c_str() + colon + 1);
  for (const HttpRoute& route : routes_) {
    if (!route.body && !route.query_body) continue;  // a page this server was not given
    server_->Get(route.path, [&route](const httplib::Request& req, httplib::Response& res) {
      HttpQuery query;
      for (const auto& [key, value] : req.params) query.emplace(key, value);  // the first of a repeated key
      auto body = route.query_body ? route.query_body(query) : route.body();
      if (!body.ok()) {
        const Code code = body.status().code();
        res.status = code == Code::kNotFound ? 404 : code == Code::kInvalidArgument ? 400 : 500;
        res.set_content(body.status().message() + "\n", "text/plain");
        return;
      }
      res.set_content(*body, route.content_type);
    });
  }
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  if (port == 0) {
    port_ = server_->bind_to_any_port(host.c_str());
    if (port_ <= 0) return Status(Code::kIo, "cannot listen on " + listen);
  } else {
    if (!server_->bind_to_port(host.c_str(), port)) {
      return Status(Code::kIo, "cannot listen on " + listen + " (address in use or not available)");
    }
    port_ = port;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return Status::Ok();
}

void HttpServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hort
