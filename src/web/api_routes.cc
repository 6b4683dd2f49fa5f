#include "web/api_routes.h"

#include <cstdlib>

#include "web/assets.h"

namespace hort {

ServerResponse JsonResponse(const Result<nlohmann::json>& r, int ok_status) {
  ServerResponse out;
  out.headers["Cache-Control"] = "no-store";
  if (!r.ok()) {
    const Code code = r.status().code();
    out.status = code == Code::kNotFound ? 404 : code == Code::kInvalidArgument ? 400 : 500;
    out.content_type = "application/json";
    // A message may quote a server's words: replace bytes that are not UTF-8.
    out.body = nlohmann::json{{"error", r.status().message()}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    return out;
  }
  out.status = ok_status;
  out.content_type = "application/json";
  // Replace, not throw, on bytes that are not UTF-8 (a dump's stderr may carry any).
  out.body = r->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return out;
}

std::vector<HttpHandler> PageHandlers() {
  auto serve = [](const std::string& path) {
    const WebAsset* a = FindWebAsset(path);
    if (!a) return ServerResponse{.status = 404, .body = "no such file\n"};
    return ServerResponse{.status = 200, .content_type = WebAssetType(path),
                          .body = std::string(reinterpret_cast<const char*>(a->data), a->size),
                          // The page never loads from elsewhere; the browser enforces it too.
                          .headers = {{"Content-Security-Policy",
                                       "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"},
                                      {"X-Content-Type-Options", "nosniff"}}};
  };
  return {{"GET", "/", [serve](const ServerRequest&) { return serve("/index.html"); }},
          {"GET", "/assets/([a-z]+\\.(?:css|js))", [serve](const ServerRequest& r) { return serve("/" + r.captures.at(0)); }}};
}

std::vector<HttpHandler> ReadApiHandlers(const ApiSources& src) {
  auto input = [src] { return ApiInput{src.catalog, src.state, src.progress, src.now()}; };
  return {
      {"GET", "/api/v1/overview", [input](const ServerRequest&) { return JsonResponse(OverviewJson(input())); }},
      {"GET", "/api/v1/tests", [input](const ServerRequest&) { return JsonResponse(TestsJson(input())); }},
      {"GET", "/api/v1/repositories", [input](const ServerRequest&) { return JsonResponse(RepositoriesJson(input())); }},
      {"GET", "/api/v1/history",
       [input](const ServerRequest& r) {
         auto it = r.query.find("days");
         // Whole days only: "5x" was read as 5, "x" as 0.
         if (it != r.query.end() && (it->second.empty() || it->second.size() > 4 ||
                                     it->second.find_first_not_of("0123456789") != std::string::npos)) {
           return JsonResponse(Status(Code::kInvalidArgument, "days: expected a whole number, got \"" + it->second + "\""));
         }
         const int days = it == r.query.end() ? 30 : std::atoi(it->second.c_str());
         return JsonResponse(HistoryJson(input(), days));
       }},
      {"GET", "/api/v1/runs/(\\d+)",
       [input](const ServerRequest& r) { return JsonResponse(RunJson(input(), std::atoll(r.captures.at(0).c_str()))); }},
  };
}

std::vector<HttpHandler> ApiNotFoundHandlers() {
  auto not_found = [](const ServerRequest& r) {
    return JsonResponse(Status(Code::kNotFound, "no such API path: " + r.path));
  };
  return {{"GET", "/api/.*", not_found}, {"POST", "/api/.*", not_found}};
}

}  // namespace hort
