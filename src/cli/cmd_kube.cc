// hort kube check | coverage | role | manifests: what hort can do in the
// cluster, which PVCs no catalog entry protects, and what runs hort there.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/catalog_cli.h"
#include "cli/command.h"
#include "cli/json_text.h"
#include "cli/kube_cli.h"
#include "cli/table.h"
#include "kube/object_names.h"
#include "kube/permissions.h"
#include "status/pvc_coverage.h"
#include "util/strings.h"

namespace hort::cli {
namespace {

// With a catalog, only what its layers use; without one, everything hort may need.
std::vector<std::string> LayersOf(const Catalog* catalog) {
  std::vector<std::string> layers = catalog ? catalog->UsedLayers() : std::vector<std::string>{};
  if (catalog && layers.empty()) layers.push_back("none");  // the rows every hort needs, nothing more
  return layers;
}

int Check(kube::Client& client, const Catalog* catalog, const GlobalOptions& g) {
  auto version = client.Version();
  if (!version.ok()) return Fail(version.status());
  auto who = kube::WhoAmI(client);
  std::string user = who.ok() ? who->username : "unknown (" + who.status().message() + ")";
  auto checks = kube::CheckPermissions(client, LayersOf(catalog));
  if (!checks.ok()) return Fail(checks.status());
  std::vector<const kube::PermissionCheck*> missing;
  for (const auto& c : *checks) {
    if (!c.allowed) missing.push_back(&c);
  }
  if (g.json) {
    nlohmann::json j = {{"server", client.Describe()},
                        {"version", version->git_version},
                        {"user", who.ok() ? who->username : ""},
                        {"groups", who.ok() ? who->groups : std::vector<std::string>{}},
                        {"permissions", nlohmann::json::array()},
                        {"missing", nlohmann::json::array()}};
    for (const auto& c : *checks) {
      nlohmann::json row = {{"verb", c.permission->verb}, {"resource", kube::PermissionName(*c.permission)},
                            {"where", kube::PermissionWhere(*c.permission, kube::HortNamespace(client))},
                            {"allowed", c.allowed}, {"why", c.permission->why}};
      j["permissions"].push_back(row);
      if (!c.allowed) j["missing"].push_back(std::string(c.permission->verb) + " " + kube::PermissionName(*c.permission));
    }
    std::printf("%s\n", JsonText(j).c_str());
  } else {
    std::printf("server:  %s, Kubernetes %s\n", client.Describe().c_str(), version->git_version.c_str());
    std::printf("user:    %s%s\n", user.c_str(), who.ok() && !who->groups.empty() ? (" (groups " + Join(who->groups, ",") + ")").c_str() : "");
    Table t({"VERB", "RESOURCE", "WHERE", "ALLOWED", "NEEDED FOR"});
    for (const auto& c : *checks) {
      t.Row({c.permission->verb, kube::PermissionName(*c.permission),
             kube::PermissionWhere(*c.permission, kube::HortNamespace(client)), c.allowed ? "yes" : "NO", c.permission->why});
    }
    std::printf("%s", t.Render(false).c_str());
    for (const auto* c : missing) {
      std::printf("missing: %s %s (%s) — needed for %s\n", c->permission->verb, kube::PermissionName(*c->permission).c_str(),
                  kube::PermissionWhere(*c->permission, kube::HortNamespace(client)).c_str(), c->permission->why);
    }
  }
  if (!missing.empty()) {
    return FailLine(std::to_string(missing.size()) + " of " + std::to_string(checks->size()) +
                    " permissions missing, first: " + missing[0]->permission->verb + " " +
                    kube::PermissionName(*missing[0]->permission));
  }
  return kExitOk;
}

int Coverage(kube::Client& client, const Catalog* catalog, const GlobalOptions& g) {
  auto report = CollectCoverage(client, catalog);
  if (!report.ok()) return Fail(report.status());
  if (g.json) {
    std::printf("%s\n", JsonText(CoverageJson(*report)).c_str());
    return kExitOk;
  }
  Table t({"NAMESPACE", "PVC", "SIZE", "STORAGECLASS", "PODS", "NODES", "PROTECTED BY"});
  for (const PvcCoverage& p : report->pvcs) {
    std::string by = p.Protected() ? Join(p.protected_by, ", ")
                                   : (p.namespace_in_catalog ? "UNPROTECTED" : "UNPROTECTED (no service in namespace)");
    t.Row({p.ns, p.name, p.size.empty() ? "-" : p.size, p.storage_class.empty() ? "-" : p.storage_class,
           p.pods.empty() ? "-" : Join(p.pods, ","), p.nodes.empty() ? "-" : Join(p.nodes, ","), by});
  }
  std::printf("%s", t.Render(false).c_str());
  std::printf("%zu of %zu PVCs unprotected", report->UnprotectedCount(), report->pvcs.size());
  if (!report->unprotected_namespaces.empty()) {
    std::printf("; namespaces without a service: %s", Join(report->unprotected_namespaces, ", ").c_str());
  }
  std::printf("%s\n", catalog ? "" : " (no catalog: pass --config to count what it protects)");
  return kExitOk;
}

// The ClusterRole alone, or a List with the Role in `ns` when the layers need one there.
nlohmann::json Roles(const Catalog* catalog, const std::string& ns) {
  nlohmann::json cluster = kube::ClusterRoleFor("hort", LayersOf(catalog));
  nlohmann::json role = kube::RoleFor("hort", ns, LayersOf(catalog));
  if (role.is_null()) return cluster;
  return {{"apiVersion", "v1"}, {"kind", "List"}, {"items", {cluster, role}}};
}

}  // namespace

Command AddKube(CLI::App& sub, GlobalOptions& g) {
  static KubeFlags flags;
  static ManifestFlags manifest_flags;
  static std::string role_ns = "hort";
  auto* check = sub.add_subcommand("check", "Server version, who hort is, and every permission hort needs");
  auto* coverage = sub.add_subcommand("coverage", "Every PVC of the cluster and what protects it; unprotected first");
  auto* role = sub.add_subcommand("role", "Print a ClusterRole granting exactly what hort needs, with --config what the "
                                          "catalog's layers use, and the Role in hort's namespace the agent needs "
                                          "(JSON; kubectl apply -f - takes it)");
  role->add_option("--namespace", role_ns, "hort's namespace, where the Role goes (default: hort)");
  auto* manifests = sub.add_subcommand("manifests", "Print (or write to --output-dir, with a kustomization) everything "
                                                    "that runs hort in the cluster, from the catalog");
  AddManifestFlags(*manifests, &manifest_flags);
  AddKubeFlags(*check, &flags);
  AddKubeFlags(*coverage, &flags);
  sub.require_subcommand(1);
  Needs needs;
  needs.catalog_if_named = true;
  return MakeCommand(needs, [&g, check, role, manifests](Opened& o) {
    if (role->parsed()) {
      if (std::string bad = kube::NameProblem(role_ns, "Namespace"); !bad.empty()) {
        return Fail(Status(Code::kInvalidArgument, "--namespace: \"" + role_ns + "\" is not a namespace name: " + bad));
      }
      std::printf("%s\n", Roles(o.catalog.get(), role_ns).dump(2).c_str());
      return kExitOk;
    }
    if (manifests->parsed()) return KubeManifests(g, manifest_flags);
    auto client = OpenKube(flags, o.catalog.get());
    if (!client.ok()) return Fail(client.status());
    if (check->parsed()) return Check(**client, o.catalog.get(), g);
    return Coverage(**client, o.catalog.get(), g);
  });
}

}  // namespace hort::cli
