// Where the Kubernetes API is and how hort proves who it is: one Connection,
// built from a kubeconfig (kubectl's rules) or from the pod hort runs in.
// Secrets (token, client key) live only in this struct and in request
// headers; no error message or log line ever carries them.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "util/status.h"

namespace hort::kube {

// Produces the bearer token for the next request. In a pod it re-reads the
// projected token file (kubelet rotates it); for an exec credential plugin it
// runs the plugin again once the last credential expired.
using TokenSource = std::function<Result<std::string>()>;

struct Connection {
  std::string server;           // "https://host:port" without a trailing slash
  std::string ca_pem;           // trusted CA bundle (file read or data decoded); empty = system store
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // SNI / certificate name override (kubeconfig tls-server-name)
  std::string client_cert_pem;  // client certificate authentication (both or neither)
  std::string client_key_pem;
  TokenSource token;            // bearer token authentication; null = none
  std::string default_namespace = "default";  // context namespace or the pod's namespace file
  std::string description;      // "context home (cluster home at https://…)" or "in-cluster …"; for messages
};

// Catalog key `kubernetes: {kubeconfig, context}` and the --kubeconfig/--context flags.
struct KubeSettings {
  std::string kubeconfig;  // one path or several joined by ':' ; empty = $KUBECONFIG, ~/.kube/config
  std::string context;     // empty = current-context
  double qps = 0;          // client-side rate limit; 0 = kDefaultQps (kube/rate_limiter.h)
  int burst = 0;           // 0 = kDefaultBurst
};

// The connection hort uses: an explicit kubeconfig or context wins; else
// in-cluster when KUBERNETES_SERVICE_HOST is set and the service-account
// token exists; else $KUBECONFIG / ~/.kube/config. Each failure is one line
// naming the file, context, cluster or user at fault (kInvalidArgument, or
// kNotFound when no configuration exists at all).
[[nodiscard]] Result<Connection> Connect(const KubeSettings& settings);

}  // namespace hort::kube
