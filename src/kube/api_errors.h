// What the Kubernetes API's answers mean for hort: a `Status` body (or the
// plain-text 404 of an unknown path) becomes hort's Status with the API's
// own message; Retry-After decides retries the way client-go decides them.
// No function here sees a credential, so none can leak one.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace hort::kube {

// client-go's rest client: at most 10 tries of a request the server asked to
// retry (429 or 5xx with Retry-After), or of a GET that failed in transport.
inline constexpr int kMaxRetries = 10;

struct ApiErrorInfo {
  Status status;
  std::string reason;          // metav1.Status reason: "AlreadyExists", "Expired", … ("" when none)
  std::string continue_token;  // 410 Expired: the Status' fresh metadata.continue (inconsistent list)
  int retry_after_seconds = 0; // details.retryAfterSeconds
};

// A non-2xx answer to `method path` as hort's Status; `where` names the
// server (Connection.description). 410 carries "(410 Expired: …)" so IsExpired
// can tell it from an ordinary 404.
[[nodiscard]] ApiErrorInfo ParseApiError(long http_status, std::string_view body, const std::string& path,
                                         const std::string& where);
[[nodiscard]] bool IsExpired(const Status& status);

// net's transport failure rewritten for a person: "cannot reach the
// Kubernetes API at https://…: connection refused", "… certificate not trusted …".
// Whether a transport failure is a connection that broke after it was made
// (reset, EOF): the only transport failure client-go retries, and only for GETs.
[[nodiscard]] bool IsConnectionCut(const Status& net_status);
[[nodiscard]] Status TransportError(const Status& net_status, const std::string& server);

// The Retry-After header as client-go reads it: whole seconds only.
[[nodiscard]] std::optional<int> ParseRetryAfter(std::string_view value);
// checkWait: whether an answer asks to be retried and after how long.
[[nodiscard]] std::optional<int> RetryWait(long http_status, const std::map<std::string, std::string>& headers);

}  // namespace hort::kube
