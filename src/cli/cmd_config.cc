// hort config check: validate hort.yaml and show what would run when.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/json_text.h"
#include "layers/layer.h"
#include "cli/catalog_cli.h"
#include "cli/command.h"

namespace hort::cli {

Command AddConfig(CLI::App& sub, GlobalOptions& g) {
  auto* check = sub.add_subcommand("check", "Validate the catalog and list its jobs");
  sub.require_subcommand(1);
  (void)check;
  return MakeCommand(NeedsCatalog(), [&g](Opened& o) {
    const Catalog& cat = *o.catalog;
    if (g.json) {
      nlohmann::json j = {{"valid", true}, {"services", cat.services.size()}, {"jobs", nlohmann::json::array()},
                          {"notes", cat.notes}};
      for (const JobSpec& job : cat.jobs) {
        j["jobs"].push_back({{"id", job.id}, {"schedule", job.schedule->effective()}});
      }
      j["tests"] = nlohmann::json::array();
      for (const RestoreTestSpec& t : cat.tests) {
        j["tests"].push_back({{"id", t.id}, {"type", TestTypeName(t.type)}, {"every", t.every}, {"auto", t.auto_run}});
      }
      std::printf("%s\n", JsonText(j).c_str());
      return kExitOk;
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
    return kExitOk;
  });
}

}  // namespace hort::cli
