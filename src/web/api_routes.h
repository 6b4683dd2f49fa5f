// The dashboard's routes on net's generic server: /api/v1/… as JSON. The
// callbacks read the catalog, the state and the live progress at each
// request; nothing is cached.
#pragma once

#include <functional>
#include <vector>

#include "net/http_server.h"
#include "web/api.h"

namespace hort {

struct ApiSources {
  const Catalog& catalog;
  StateStore& state;
  const LiveProgress* progress = nullptr;
  std::function<double()> now;
};

// GET /api/v1/overview, /tests, /repositories, /history, /runs/<id>.
[[nodiscard]] std::vector<HttpHandler> ReadApiHandlers(const ApiSources& src);
// Registered after every other handler: any other /api/ path is a JSON 404
// (it was an empty body), as docs/dashboard.md says every API error is.
[[nodiscard]] std::vector<HttpHandler> ApiNotFoundHandlers();

// GET / (the dashboard) and /assets/<name>, from the embedded files.
[[nodiscard]] std::vector<HttpHandler> PageHandlers();

// A JSON result as an answer: 200, or the error's text with 404 (kNotFound),
// 400 (kInvalidArgument) or 500.
[[nodiscard]] ServerResponse JsonResponse(const Result<nlohmann::json>& r, int ok_status = 200);

}  // namespace hort
