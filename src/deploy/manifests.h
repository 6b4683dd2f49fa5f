// `hort kube manifests`: everything a cluster needs to run hort, rendered from
// a catalog — Namespace, ServiceAccount, RBAC from the permission table
// (kube/permissions.h) limited to the catalog's layers, the catalog as a
// ConfigMap, the Deployment of `hort serve` with its state PVC, the DaemonSet
// of `hort agent` when files pvc entries need it, a Service, a ServiceMonitor
// and a PrometheusRule (the shipped alert rules, embedded at build time).
// Secrets are referenced, never rendered (deploy/secrets.h).
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "deploy/secrets.h"
#include "kube/client.h"
#include "util/status.h"

namespace hort::deploy {

// Where the image keeps what hort writes (docs/image.md): a PVC is mounted here.
inline constexpr const char* kStateDir = "/var/lib/hort";
// Where the pods read the catalog; relative paths in it resolve against /etc/hort.
inline constexpr const char* kCatalogDir = "/etc/hort";
inline constexpr const char* kCatalogPath = "/etc/hort/hort.yaml";

[[nodiscard]] std::string HortVersion();
[[nodiscard]] std::string DefaultImage();  // what ./run image builds: localhost/hort:<version>
// Why `ref` is no image reference a kubelet pulls ([host[:port]/]path[:tag][@sha256:hex],
// path components lowercase; a first component is the host when it is `localhost` or holds a
// '.', a ':' or an uppercase letter, as distribution/reference splits it); "" when it is one.
[[nodiscard]] std::string ImageReferenceProblem(const std::string& ref);
// The shipped alert rules (deploy/prometheus/hort-rules.yaml), built into the binary.
[[nodiscard]] const char* EmbeddedAlertRules();

struct ManifestOptions {
  std::string image;  // empty: DefaultImage()
  std::string ns = "hort";
  std::string catalog_text;  // the catalog file as written: the ConfigMap holds it verbatim
};

struct Manifest {
  std::string comment;  // why the object looks as it does, above it in the YAML ("" for none)
  kube::Json object;
};

struct Rendered {
  std::vector<Manifest> objects;  // in apply order (Namespace first)
  SecretPlan secrets;
  std::string secret_command;  // CreateSecretCommand; "" when the catalog reads no secret
};

// kInvalidArgument, one line, when the catalog cannot run in the image: its
// state or work_dir outside /var/lib/hort, serve.listen on a loopback address,
// secret files deploy/secrets.h cannot name.
[[nodiscard]] Result<Rendered> RenderManifests(const Catalog& catalog, const ManifestOptions& options);

// One multi-document YAML (kubectl apply -f): a header naming the Secret's keys and
// the command that creates it, then every object.
[[nodiscard]] std::string MultiDocument(const Rendered& r, const std::string& ns);
// "deployment-hort.yaml": one object's file in the --output-dir form.
[[nodiscard]] std::string FileName(const kube::Json& object);
// The --output-dir form: one file per object and kustomization.yaml listing
// them. Files an earlier render listed there that this one does not make are
// removed (returned by name).
[[nodiscard]] Result<std::vector<std::string>> WriteDirectory(const Rendered& r, const std::string& ns,
                                                              const std::string& dir);

}  // namespace hort::deploy
