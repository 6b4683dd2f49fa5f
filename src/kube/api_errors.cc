#include "kube/api_errors.h"

#include <nlohmann/json.hpp>

#include "kube/json_fields.h"

namespace hort::kube {
namespace {

Code CodeForHttp(long status) {
  switch (status) {
    case 400: case 422: return Code::kInvalidArgument;
    case 401: case 403: return Code::kPermissionDenied;
    case 404: case 410: return Code::kNotFound;
    case 405: return Code::kUnsupported;
    case 409: return Code::kAlreadyExists;
    case 429: return Code::kUnavailable;
    default: return status >= 500 ? Code::kUnavailable : Code::kInvalidArgument;
  }
}

std::string FirstLine(std::string_view body) {
  std::string s(body.substr(0, std::min<size_t>(body.size(), 200)));
  if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

ApiErrorInfo ParseApiError(long http_status, std::string_view body, const std::string& path, const std::string& where) {
  ApiErrorInfo info;
  const Code code = CodeForHttp(http_status);
  const std::string bare_path = path.substr(0, path.find('?'));
  std::string message;
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded() && StringAt(j, "/kind") == "Status") {
    message = StringAt(j, "/message");
    info.reason = StringAt(j, "/reason");
    info.continue_token = StringAt(j, "/metadata/continue");
    info.retry_after_seconds = static_cast<int>(IntAt(j, "/details/retryAfterSeconds"));
    // 422's causes say which field is wrong; the message alone often does too, but not always.
    if (message.empty()) {
      for (const auto& c : ArrayAt(j, "/details/causes")) {
        message += (message.empty() ? "" : "; ") + StringAt(c, "/field") + ": " + StringAt(c, "/message");
      }
    }
  } else if (http_status == 404) {
    // Go's http.NotFound for a path nothing serves (a group not installed yet): client-go's wording.
    message = "the server could not find the requested resource (" + bare_path + ")";
  } else {
    std::string text = FirstLine(body);
    message = "the server responded with the status code " + std::to_string(http_status) +
              " but did not return more information (" + bare_path + ")" + (text.empty() ? "" : ": " + text);
  }
  if (message.empty()) message = "HTTP " + std::to_string(http_status) + " for " + bare_path;
  if (http_status == 401) {
    info.status = Status(code, "the Kubernetes API of " + where + " rejected hort's credentials (" +
                                   (info.reason.empty() ? std::string("Unauthorized") : info.reason) + ")");
  } else if (http_status == 410) {
    info.status = Status(code, where + ": " + message + " (410 Expired: the continue token expired)");
  } else {
    info.status = Status(code, where + ": " + message);
  }
  return info;
}

bool IsExpired(const Status& status) {
  return status.code() == Code::kNotFound && status.message().find("(410 Expired: ") != std::string::npos;
}

Status TransportError(const Status& net_status, const std::string& server) {
  const std::string& m = net_status.message();
  const std::string head = "cannot reach the Kubernetes API at " + server + ": ";
  auto has = [&](const char* s) { return m.find(s) != std::string::npos; };
  if (has("client certificate or key")) {
    return Status(Code::kInvalidArgument, head + m.substr(m.rfind("TLS: ", 0) == 0 ? 5 : 0) +
                                              "; check client-certificate(-data) and client-key(-data) in the kubeconfig");
  }
  if (m.rfind("TLS:", 0) == 0 || has("certificate")) {
    // net's sentence suggests --cacert, which is not how a kubeconfig names its CA: keep only curl's cause.
    std::string cause;
    if (auto a = m.find('('), b = m.rfind(')'); a != std::string::npos && b != std::string::npos && b > a) {
      cause = " (" + m.substr(a + 1, b - a - 1) + ")";
    }
    return Status(Code::kInvalidArgument, head + "its certificate is not trusted" + cause +
                                              "; check certificate-authority(-data) and tls-server-name in the kubeconfig");
  }
  if (has("Connection refused") || has("connection refused")) return Status(Code::kUnavailable, head + "connection refused");
  if (has("resolve host")) return Status(Code::kUnavailable, head + "host name not found");
  if (has("Timeout") || has("timed out")) return Status(Code::kUnavailable, head + "timed out");
  std::string rest = m.rfind("connection problem: ", 0) == 0 ? m.substr(20) : m;
  return Status(net_status.code(), head + rest);
}

bool IsConnectionCut(const Status& net_status) {
  // curl's sentences for a connection that broke after it was made
  // (CURLE_RECV_ERROR, SEND_ERROR, GOT_NOTHING, PARTIAL_FILE). A refused
  // connect, an unknown host or a timeout is not retried, as in client-go.
  const std::string& m = net_status.message();
  for (const char* cut : {"receiving data from the peer", "sending data to the peer", "Server returned nothing",
                          "partial file"}) {
    if (m.find(cut) != std::string::npos) return true;
  }
  return false;
}

std::optional<int> ParseRetryAfter(std::string_view value) {
  if (value.empty() || value.size() > 9) return std::nullopt;
  int n = 0;
  for (char ch : value) {
    if (ch < '0' || ch > '9') return std::nullopt;  // an HTTP date is not honoured by client-go either
    n = n * 10 + (ch - '0');
  }
  return n;
}

std::optional<int> RetryWait(long http_status, const std::map<std::string, std::string>& headers) {
  if (http_status != 429 && http_status < 500) return std::nullopt;
  auto it = headers.find("retry-after");
  if (it == headers.end()) return std::nullopt;
  return ParseRetryAfter(it->second);
}

}  // namespace hort::kube
