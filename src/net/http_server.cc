#include "net/http_server.h"
#include "net/listen_address.h"

#include <httplib.h>

#include <cctype>

namespace hort {

HttpServer::HttpServer() : server_(std::make_unique<httplib::Server>()) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start(const std::string& listen, HttpContent content, std::vector<HttpHandler> handlers) {
  return Start(listen, {{"/metrics", "text/plain; version=0.0.4; charset=utf-8", std::move(content.metrics)},
                        {"/status", "application/json", std::move(content.status_json)},
                        {"/table", "text/html; charset=utf-8", std::move(content.status_html)},
                        {"/runbook", "text/html; charset=utf-8", {}, std::move(content.runbook_html)}},
               std::move(handlers));
}

namespace {

ServerRequest ToRequest(const httplib::Request& req) {
  ServerRequest r{.method = req.method, .path = req.path, .body = req.body, .remote_addr = req.remote_addr};
  for (const auto& [key, value] : req.params) r.query.emplace(key, value);
  for (const auto& [name, value] : req.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace(lower, value);
  }
  for (size_t i = 1; i < req.matches.size(); ++i) r.captures.push_back(req.matches[i].str());
  return r;
}

void Send(const ServerResponse& out, httplib::Response& res) {
  res.status = out.status;
  for (const auto& [name, value] : out.headers) res.set_header(name, value);
  res.set_content(out.body, out.content_type);
}

}  // namespace

Status HttpServer::Start(const std::string& listen, std::vector<HttpRoute> routes, std::vector<HttpHandler> handlers) {
  routes_ = std::move(routes);
  handlers_ = std::move(handlers);
  auto parsed = ParseListenAddress(listen);
  if (!parsed.ok()) return parsed.status().Annotate("listen address");
  const std::string host = parsed->host;
  const int port = parsed->port;
  // cpp-httplib's default sets SO_REUSEPORT: a second `hort serve` on the
  // same port started without a word and took half the requests. Only
  // SO_REUSEADDR (a restart may bind while old connections wait out TIME_WAIT).
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
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
  // Nothing hort serves takes a large body: the actions' JSON is tiny.
  server_->set_payload_max_length(64 * 1024);
  if (gate_) {
    server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      std::optional<ServerResponse> out = gate_(ToRequest(req));
      if (!out) return httplib::Server::HandlerResponse::Unhandled;
      Send(*out, res);
      return httplib::Server::HandlerResponse::Handled;
    });
  }
  for (const HttpHandler& h : handlers_) {
    auto serve = [&h](const httplib::Request& req, httplib::Response& res) { Send(h.handle(ToRequest(req)), res); };
    if (h.method == "POST") server_->Post(h.pattern, serve);
    else if (h.method == "GET") server_->Get(h.pattern, serve);
    else if (h.method == "PUT") server_->Put(h.pattern, serve);
    else return Status(Code::kInvalidArgument, "HTTP method " + h.method + " is not served");
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
