// client-go's exec credential plugins (kubeconfig `users[].user.exec`): a
// command, run without a shell, prints an ExecCredential whose status holds a
// token or a client certificate, valid until expirationTimestamp. This is how
// managed clusters (EKS, GKE, OIDC logins) hand out short-lived credentials.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kube/connection.h"
#include "util/clock.h"
#include "util/status.h"

namespace hort::kube {

struct ExecPlugin {
  std::string command;  // a bare name is looked up in PATH; a relative path with '/' is already resolved
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // added to hort's environment
  std::string api_version;   // client.authentication.k8s.io/v1 (or v1beta1)
  std::string cluster_json;  // spec.cluster when provideClusterInfo is set; else empty
  std::string what;          // `user "name" exec plugin "cmd"` for messages
  std::string install_hint;  // kubeconfig installHint, shown when the command is missing
};

struct ExecCredential {
  std::string token;
  std::string client_cert_pem;
  std::string client_key_pem;
  double expires = 0;  // Unix seconds; 0 = never (until the process ends)
};

// Runs the plugin once. A failure names the plugin and carries the first line
// of its stderr, never its stdout (which may hold a credential).
[[nodiscard]] Result<ExecCredential> RunExecPlugin(const ExecPlugin& plugin);

// Reads the plugin's stdout. Exposed for tests.
[[nodiscard]] Result<ExecCredential> ParseExecCredential(const std::string& json, const ExecPlugin& plugin);

// RFC 3339 ("2026-12-03T14:00:00Z", fractions, offsets) to Unix seconds.
[[nodiscard]] Result<double> ParseRfc3339(const std::string& text);

// A TokenSource that runs the plugin when it has no credential or the last
// one expired (with a 10 s margin, so a token is not sent in its last second),
// seeded with `first` when Connect already ran the plugin.
[[nodiscard]] TokenSource ExecTokenSource(ExecPlugin plugin, std::optional<ExecCredential> first,
                                          Clock* clock = nullptr);

}  // namespace hort::kube
