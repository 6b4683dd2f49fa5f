// hort config check: validate hort.yaml and show what would run when.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/json_text.h"
#include "layers/layer.h"
#include "cli/catalog_cli.h"
#include "cli/command.h"
#include "cli/kube_cli.h"
#include "web/auth.h"

namespace hort::cli {

Command AddConfig(CLI::App& sub, GlobalOptions& g) {
  auto* check = sub.add_subcommand("check", "Validate the catalog and list its jobs");
  static bool kube = false;
  static KubeFlags kube_flags;
  check->add_flag("--kube", kube, "Also check that the namespaces, pods and PVCs it names exist in the cluster");
  AddKubeFlags(*check, &kube_flags);
  sub.require_subcommand(1);
  // The catalog is loaded here, not by main: an invalid one is still an answer
  // on stdout with --json ({"valid": false, "errors": [...]}).
  return MakeCommand(NeedsNothing(), [&g](Opened&) {
    std::vector<std::string> errors;
    auto loaded = LoadCatalogForCli(g.config, &errors);
    if (!loaded.ok()) {
      if (g.json) std::printf("%s\n", JsonText({{"valid", false}, {"errors", errors}}).c_str());
      return Fail(loaded.status());
    }
    const Catalog& cat = **loaded;
    std::vector<std::string> warnings = cat.warnings;
    if (Status auth = CheckDashboardAuth(cat.serve.auth, &warnings); !auth.ok()) {
      if (g.json) std::printf("%s\n", JsonText({{"valid", false}, {"errors", nlohmann::json::array({auth.message()})}}).c_str());
      return Fail(auth);
    }
    std::vector<std::string> cluster_problems;
    int cluster_checked = 0;
    if (kube) {
      auto client = OpenKube(kube_flags, &cat);
      if (!client.ok()) return Fail(client.status());
      Status s = CheckCatalogAgainstCluster(**client, cat, &cluster_problems, &cluster_checked);
      if (!s.ok()) return Fail(s.Annotate("config check --kube"));
    }
    int code = cluster_problems.empty() ? kExitOk : kExitFailure;
    if (g.json) {
      nlohmann::json j = {{"valid", true}, {"services", cat.services.size()}, {"jobs", nlohmann::json::array()},
                          {"notes", cat.notes}, {"warnings", warnings}};
      if (kube) j["cluster"] = {{"checked", cluster_checked}, {"problems", cluster_problems}};
      for (const JobSpec& job : cat.jobs) {
        j["jobs"].push_back({{"id", job.id}, {"schedule", job.schedule->effective()}});
      }
      j["tests"] = nlohmann::json::array();
      for (const RestoreTestSpec& t : cat.tests) {
        j["tests"].push_back({{"id", t.id}, {"type", TestTypeName(t.type)}, {"every", t.every}, {"auto", t.auto_run}});
      }
      std::printf("%s\n", JsonText(j).c_str());
      return code;
    }
    std::printf("%s: valid: %zu repositories, %zu services, %zu jobs\n", cat.path.c_str(), cat.repositories.size(),
                cat.services.size(), cat.jobs.size());
    double now = NowSeconds();
    for (const JobSpec& j : cat.jobs) {
      std::printf("  %-40s %-20s next %s\n", j.id.c_str(), j.schedule->effective().c_str(),
                  FormatWhen(static_cast<double>(j.schedule->Next(static_cast<int64_t>(now)))).c_str());
    }
    for (const RestoreTestSpec& t : cat.tests) {
      std::printf("  test %-35s %-20s every %s%s%s\n", t.id.c_str(), TestTypeName(t.type), t.every.c_str(),
                  t.auto_run ? ", automatic" : "",
                  (t.LayerAvailable() ? std::string() : " (" + layers::NotAvailable() + ")").c_str());
    }
    for (const auto& n : cat.notes) std::printf("note: %s\n", n.c_str());
    for (const auto& w : warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    if (kube) {
      std::printf("cluster: %d objects checked, %zu missing\n", cluster_checked, cluster_problems.size());
      for (const auto& p : cluster_problems) std::fprintf(stderr, "%s\n", p.c_str());
    }
    return code;
  });
}

}  // namespace hort::cli
