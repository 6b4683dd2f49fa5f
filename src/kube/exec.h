// Running a command in a container through the pods/exec subresource, as
// `kubectl exec` does: a WebSocket upgrade speaking v5.channel.k8s.io (v4 as
// the fallback), stdout streamed to the caller, stderr kept, and the exit
// status read from the error channel's Status.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "kube/connection.h"
#include "util/status.h"

namespace hort::kube {

struct ExecRequest {
  std::string ns;
  std::string pod;
  std::string container;  // empty = the pod's only container
  std::vector<std::string> command;
  // The exec fails when no frame arrives for this long. There is no overall
  // limit: a dump streams for as long as it takes. Zero: no idle limit.
  std::chrono::seconds idle_timeout{10 * 60};
};

struct ExecResult {
  int exit_code = 0;        // 0 on success; from the Status' NonZeroExitCode cause otherwise
  std::string stderr_text;  // everything the command wrote to stderr (kept up to 64 KiB)
  std::string protocol;     // "v5.channel.k8s.io" or "v4.channel.k8s.io"
};

// Receives stdout as it arrives, in pieces of at most 64 KiB; a non-OK Status
// aborts the exec (the connection is closed) and is what Exec returns.
using OutputSink = std::function<Status(std::span<const uint8_t>)>;

// A transport or API failure is the Status (403 for a missing pods/exec
// permission, 404 for a missing pod or container); a command that ran and
// failed is an ExecResult with exit_code != 0. Codes: kUnavailable for an
// unreachable server, a lost connection, the idle limit and 5xx/429;
// kPermissionDenied for 401/403; kNotFound for 404; kInvalidArgument for 400,
// an untrusted server certificate, unusable TLS data in the Connection and a
// command the container could not start; kUnsupported for a server that
// speaks neither v5 nor v4.channel.k8s.io. Messages never carry the token.
// Plain http:// servers work too (tests, kubectl proxy).
[[nodiscard]] Result<ExecResult> Exec(const Connection& connection, const ExecRequest& request,
                                      const OutputSink& stdout_sink);

}  // namespace hort::kube
