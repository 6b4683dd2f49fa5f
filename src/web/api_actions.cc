#include "web/api_actions.h"

#include <nlohmann/json.hpp>

#include "web/api.h"
#include "web/api_routes.h"

namespace hort {
namespace {

using nlohmann::json;

ServerResponse Answer(int status, json body) {
  return JsonResponse(Result<json>(std::move(body)), status);
}

// An Origin header (browsers send one with every POST) must name this
// server: a page elsewhere cannot make the browser act here.
bool SameOrigin(const ServerRequest& r) {
  const std::string origin = r.Header("origin");
  if (origin.empty()) return true;  // curl, scripts: the CSRF token still applies
  const std::string host = r.Header("host");
  return origin == "http://" + host || origin == "https://" + host;
}

int RefusalStatus(Code code) {
  switch (code) {
    case Code::kNotFound: return 404;
    case Code::kAlreadyExists: return 409;
    case Code::kCancelled: return 503;
    case Code::kInvalidArgument: return 400;
    default: return 500;
  }
}

json ActionJson(const ActionRecord& a) {
  return {{"id", a.id}, {"time", TimeJson(a.time)}, {"who", a.who}, {"action", a.action},
          {"target", a.target}, {"result", a.result}, {"detail", a.detail}};
}

}  // namespace

std::vector<HttpHandler> ActionHandlers(DashboardAuth& auth, StateStore& state, ActionTargets targets,
                                        std::function<double()> now) {
  auto session = [&auth](const ServerRequest& r) {
    if (!auth.configured()) {
      return Answer(200, {{"auth", false}, {"user", nullptr}, {"actions", false}, {"csrf", nullptr},
                          {"reason", "actions need serve.auth in the catalog"}});
    }
    const DashboardAuth::Caller c = auth.Authenticate(r);  // the gate let only kOk through
    return Answer(200, {{"auth", true}, {"user", c.who}, {"actions", true}, {"csrf", auth.CsrfToken(c.who)}});
  };

  auto act = [&auth, &state, targets, now](const ServerRequest& r) {
    const std::string kind = r.captures.at(0);
    if (!auth.configured()) return Answer(403, {{"error", "actions need serve.auth in the catalog"}});
    if (!SameOrigin(r)) return Answer(403, {{"error", "cross-origin request refused"}});
    const DashboardAuth::Caller caller = auth.Authenticate(r);
    if (caller.outcome != DashboardAuth::Outcome::kOk) return auth.Unauthorized("credentials required (serve.auth)");
    ActionRecord rec{.time = now(), .who = caller.who, .action = kind};
    auto record = [&](int status, const std::string& result, const std::string& detail) {
      rec.result = result;
      rec.detail = detail;
      auto id = state.RecordAction(rec);
      json body = {{"action", id.ok() ? json(*id) : json(nullptr)}, {"result", result}};
      body[result == "accepted" ? "detail" : "error"] = detail;
      return Answer(status, std::move(body));
    };
    const json body = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    const char* field = kind == "run" ? "job" : "test";
    if (body.is_object() && body.contains(field) && body[field].is_string()) rec.target = body[field].get<std::string>();
    if (!auth.CsrfValid(caller.who, r.Header("x-csrf-token"))) return record(403, "refused", "missing or wrong CSRF token");
    if (rec.target.empty()) return record(400, "refused", std::string("the body must be {\"") + field + "\": \"<id>\"}");
    const Status s = kind == "run" ? targets.run_job(rec.target) : targets.run_test(rec.target);
    if (!s.ok()) return record(RefusalStatus(s.code()), "refused", s.message());
    return record(202, "accepted", kind == "run" ? "queued: " + rec.target + " runs now" : "queued: restore test " + rec.target);
  };

  auto list = [&state](const ServerRequest&) -> ServerResponse {
    auto rows = state.Actions(50);
    if (!rows.ok()) return JsonResponse(rows.status());
    json out = json::array();
    for (const ActionRecord& a : *rows) out.push_back(ActionJson(a));
    return Answer(200, {{"actions", out}});
  };

  return {{"GET", "/api/v1/session", session},
          {"GET", "/api/v1/actions", list},
          {"POST", "/api/v1/actions/(run|test)", act}};
}

}  // namespace hort
