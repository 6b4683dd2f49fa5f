// The pods of hort in the cluster: the Deployment of `hort serve` and the
// DaemonSet of `hort agent`, and what both mount (deploy/manifests.h).
#pragma once

#include <string>

#include "catalog/catalog.h"
#include "deploy/secrets.h"
#include "kube/client.h"

namespace hort::deploy {

struct PodInputs {
  const Catalog* catalog = nullptr;
  const SecretPlan* secrets = nullptr;
  std::string image, ns;
  int port = 9464;
  kube::Json labels;  // the common labels (name, part-of, managed-by, version)
};

[[nodiscard]] kube::Json ServeDeployment(const PodInputs& in);
[[nodiscard]] kube::Json AgentDaemonSet(const PodInputs& in);

}  // namespace hort::deploy
