// Placeholder until the pods/exec WebSocket client (Boost.Beast) lands from
// its own branch; that exec.cc replaces this file whole.
#include "kube/exec.h"

namespace hort::kube {

Result<ExecResult> Exec(const Connection&, const ExecRequest&, const OutputSink&) {
  return Status(Code::kUnsupported, "exec: not built");
}

}  // namespace hort::kube
