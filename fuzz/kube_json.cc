// JSON from the Kubernetes API server and from a kubeconfig's exec plugin:
// a list page, aggregated discovery, an error body, an ExecCredential and an
// exec error channel. The same input goes to each.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "kube/api_errors.h"
#include "kube/discovery.h"
#include "kube/exec_credential.h"
#include "kube/exec_frames.h"
#include "kube/pager.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)hort::kube::ParseListPage(text);
  (void)hort::kube::ParseAggregated(text, text);
  (void)hort::kube::ParseApiError(422, text, "/api/v1/namespaces/x/pods", "fuzz");
  (void)hort::kube::DecodeExitStatus(text);
  hort::kube::ExecPlugin plugin;
  plugin.api_version = "client.authentication.k8s.io/v1";
  plugin.what = "fuzz";
  (void)hort::kube::ParseExecCredential(std::string(text), plugin);
  return 0;
}
