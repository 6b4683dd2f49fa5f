// The two ways Connect builds a Connection, split out so tests can drive
// each directly: kubeconfig files merged as kubectl merges them, and the
// service account of the pod hort runs in.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kube/connection.h"
#include "util/status.h"

namespace hort::kube {

// The kubeconfig files to read: KubeSettings.kubeconfig (explicit), else
// $KUBECONFIG, else ~/.kube/config. Both lists split on ':'.
struct KubeconfigFiles {
  std::vector<std::string> paths;
  bool explicit_paths = false;  // named by the user: a missing one is an error, not skipped
};
[[nodiscard]] KubeconfigFiles FindKubeconfigFiles(const KubeSettings& settings);

// Merges the files (the first file to set a cluster, user or context name
// wins; current-context comes from the first file that sets one) and builds
// the connection for `context` (empty: current-context). kNotFound when none
// of the files exists; kInvalidArgument for everything wrong inside them.
[[nodiscard]] Result<Connection> ConnectionFromKubeconfig(const KubeconfigFiles& files, const std::string& context);

// The pod's service account: KUBERNETES_SERVICE_HOST/PORT and `dir`'s
// token, ca.crt and namespace. The token is re-read when the file changes
// (the kubelet rotates projected tokens).
[[nodiscard]] Result<Connection> ConnectionInCluster(const std::string& dir);

// Where the service-account files are. HORT_KUBE_SERVICEACCOUNT_DIR
// overrides /var/run/secrets/kubernetes.io/serviceaccount: a test hook, so
// unit and end-to-end tests can play a pod without root.
[[nodiscard]] std::string ServiceAccountDir();

// Standard base64 as Go's encoding/base64 reads kubeconfig []byte fields;
// line breaks are tolerated (PEM pasted by hand). nullopt-like failure: kInvalidArgument.
[[nodiscard]] Result<std::string> Base64Decode(std::string_view text);

}  // namespace hort::kube
