// The cluster a command talks to: --kubeconfig/--context, else the catalog's
// `kubernetes:` key, else kubectl's own rules (in-cluster, $KUBECONFIG,
// ~/.kube/config).
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "kube/client.h"

namespace hort::cli {

struct KubeFlags {
  std::string kubeconfig, context;
  double qps = 0;  // 0: the catalog's, else kube's default
  int burst = 0;
};
void AddKubeFlags(CLI::App& sub, KubeFlags* flags);

struct GlobalOptions;

// hort kube manifests (cmd_kube_manifests.cc).
struct ManifestFlags {
  std::string image, ns = "hort", output_dir;
};
void AddManifestFlags(CLI::App& sub, ManifestFlags* flags);
[[nodiscard]] int KubeManifests(const GlobalOptions& g, const ManifestFlags& flags);

[[nodiscard]] Result<std::unique_ptr<kube::Client>> OpenKube(const KubeFlags& flags, const Catalog* catalog);

// config check --kube: the namespaces, pods and PVCs the catalog names exist.
// One line per problem in `problems`; a Status only when the cluster could not be asked.
[[nodiscard]] Status CheckCatalogAgainstCluster(kube::Client& client, const Catalog& catalog,
                                                std::vector<std::string>* problems, int* checked);

}  // namespace hort::cli
