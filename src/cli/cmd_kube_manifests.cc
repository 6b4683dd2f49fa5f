// hort kube manifests: the objects that run hort in the cluster, rendered from
// the catalog (deploy/manifests.h); stdout or one file per object.
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/command.h"
#include "cli/kube_cli.h"
#include "deploy/manifests.h"
#include "kube/object_names.h"

namespace hort::cli {

void AddManifestFlags(CLI::App& sub, ManifestFlags* flags) {
  sub.add_option("--image", flags->image, "the image the pods run (default: " + deploy::DefaultImage() + ", what ./run image builds)");
  sub.add_option("--namespace", flags->ns, "hort's namespace (default: hort)");
  sub.add_option("--output-dir", flags->output_dir, "one file per object and a kustomization.yaml there, instead of stdout");
}

int KubeManifests(const GlobalOptions& g, const ManifestFlags& flags) {
  if (std::string bad = kube::NameProblem(flags.ns, "Namespace"); !bad.empty()) {
    return Fail(Status(Code::kInvalidArgument, "--namespace: \"" + flags.ns + "\" is not a namespace name: " + bad));
  }
  if (!flags.image.empty()) {
    if (std::string bad = deploy::ImageReferenceProblem(flags.image); !bad.empty()) {
      return Fail(Status(Code::kInvalidArgument, "--image: \"" + flags.image + "\" is not an image reference: " + bad));
    }
  }
  std::string path = DefaultCatalogPath(g.config);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrnoStatus(path + ": cannot read the catalog file", errno));
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return Fail(Status(Code::kIo, path + ": cannot read the catalog file"));
  // The catalog as the pods read it: mounted at /etc/hort/hort.yaml, relative paths resolved there.
  CatalogErrors errors;
  auto catalog = LoadCatalogAt(path, deploy::kCatalogDir, &errors);
  if (!catalog.ok()) return Fail(CatalogLoadFailure(path, catalog.status(), errors));
  deploy::ManifestOptions options{.image = flags.image, .ns = flags.ns, .catalog_text = text.str()};
  auto rendered = deploy::RenderManifests(**catalog, options);
  if (!rendered.ok()) return Fail(rendered.status());
  if (flags.output_dir.empty()) {
    std::fputs(deploy::MultiDocument(*rendered, flags.ns).c_str(), stdout);
  } else {
    auto removed = deploy::WriteDirectory(*rendered, flags.ns, flags.output_dir);
    if (!removed.ok()) return Fail(removed.status());
    if (!g.quiet) {
      std::printf("wrote %zu objects and kustomization.yaml to %s\n", rendered->objects.size(), flags.output_dir.c_str());
      for (const std::string& name : *removed) std::printf("removed %s (the catalog no longer makes it)\n", name.c_str());
    }
  }
  if (!rendered->secret_command.empty() && !g.quiet) {
    std::fprintf(stderr, "Create the Secret %s (never rendered) before the pods can start:\n  %s\n", deploy::kSecretName,
                 rendered->secret_command.c_str());
  }
  for (const std::string& note : rendered->secrets.notes) std::fprintf(stderr, "note: %s\n", note.c_str());
  return kExitOk;
}

}  // namespace hort::cli
