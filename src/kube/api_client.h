// The Client for a real API server: requests through net's HttpClient with
// the Connection's TLS material and bearer token, a client-side
// rate limit (kube/rate_limiter.h) and its retries (429/5xx with Retry-After, at
// most kMaxRetries tries; transport failures of GETs), API errors mapped by
// kube/api_errors.h.
#pragma once

#include <functional>
#include <memory>

#include "kube/client.h"
#include "kube/connection.h"
#include "kube/rate_limiter.h"
#include "util/clock.h"

namespace hort::kube {

struct ApiClientOptions {
  double qps = kDefaultQps;
  int burst = kDefaultBurst;
  long connect_timeout_s = 10;
  long request_timeout_s = 60;  // one request, connect to last byte (kubectl has none; a hung server should not hang a backup)
  Clock* clock = nullptr;       // for the rate limiter; nullptr = system clock
  // How the client waits between retries; tests pass one that records and returns.
  std::function<void(double seconds)> sleep;
};

[[nodiscard]] std::unique_ptr<Client> NewApiClient(Connection connection, ApiClientOptions options);

// "https://host:port" split for curl, and the URL base to request when a
// tls-server-name must be presented: the name goes in the URL (curl checks
// the certificate against it and sends it as SNI) and CONNECT_TO maps it to
// the real address. Exposed for tests.
struct ServerAddress {
  std::string url_base;                 // what request paths are appended to
  std::vector<std::string> connect_to;  // for HttpOptions::connect_to
};
[[nodiscard]] Result<ServerAddress> AddressFor(const std::string& server, const std::string& tls_server_name);

}  // namespace hort::kube
