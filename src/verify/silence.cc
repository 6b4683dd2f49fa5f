#include "verify/silence.h"

#include <nlohmann/json.hpp>

#include <ctime>

#include "net/http_client.h"

namespace hort {
namespace {

std::string UtcRfc3339(double t) {
  time_t s = static_cast<time_t>(t);
  struct tm tm {};
  gmtime_r(&s, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string BodyText(const HttpResponse& r) {
  std::string s(r.body.begin(), r.body.end());
  if (s.size() > 200) s.resize(200);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

AlertmanagerClient::AlertmanagerClient(std::string base_url)
    : base_(std::move(base_url)), http_(std::make_unique<HttpClient>(HttpOptions{})) {}

AlertmanagerClient::~AlertmanagerClient() = default;

Result<std::string> AlertmanagerClient::CreateSilence(const std::vector<SilenceMatcher>& matchers, double seconds,
                                                      const std::string& comment) {
  nlohmann::json body;
  body["matchers"] = nlohmann::json::array();
  for (const auto& m : matchers) {
    body["matchers"].push_back({{"name", m.name}, {"value", m.value}, {"isRegex", m.is_regex}, {"isEqual", true}});
  }
  double now = static_cast<double>(std::time(nullptr));
  body["startsAt"] = UtcRfc3339(now);
  body["endsAt"] = UtcRfc3339(now + seconds);
  body["createdBy"] = "hort";
  body["comment"] = comment;
  std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  HttpRequest req{"POST", base_ + "/api/v2/silences", {"Content-Type: application/json"}, Bytes(text)};
  HORT_ASSIGN_OR_RETURN(HttpResponse r, http_->Do(req));
  if (r.status != 200) {
    return Status(Code::kUnavailable, "Alertmanager refused the silence: HTTP " + std::to_string(r.status) + ": " + BodyText(r));
  }
  auto j = nlohmann::json::parse(r.body.begin(), r.body.end(), nullptr, false);
  if (j.is_discarded() || !j.contains("silenceID") || !j["silenceID"].is_string()) {
    return Status(Code::kUnavailable, "Alertmanager answered without a silenceID: " + BodyText(r));
  }
  return j["silenceID"].get<std::string>();
}

Status AlertmanagerClient::ExpireSilence(const std::string& id) {
  HORT_ASSIGN_OR_RETURN(HttpResponse r, http_->Do({"DELETE", base_ + "/api/v2/silence/" + id, {}, {}}));
  if (r.status != 200) {
    return Status(Code::kUnavailable, "Alertmanager did not expire silence " + id + ": HTTP " + std::to_string(r.status) +
                                          ": " + BodyText(r));
  }
  return Status::Ok();
}

Result<std::string> AlertmanagerClient::SilenceState(const std::string& id) {
  HORT_ASSIGN_OR_RETURN(HttpResponse r, http_->Do({"GET", base_ + "/api/v2/silence/" + id, {}, {}}));
  if (r.status != 200) return Status(Code::kNotFound, "silence " + id + ": HTTP " + std::to_string(r.status));
  auto j = nlohmann::json::parse(r.body.begin(), r.body.end(), nullptr, false);
  if (j.is_discarded() || !j.contains("status")) return Status(Code::kUnavailable, "silence " + id + ": unreadable answer");
  return j["status"].value("state", "");
}

std::string ExactAlternation(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += '|';
    for (char ch : n) {
      if (std::string_view("\\.^$|?*+()[]{}").find(ch) != std::string_view::npos) out += '\\';
      out += ch;
    }
  }
  return out;
}

}  // namespace hort
