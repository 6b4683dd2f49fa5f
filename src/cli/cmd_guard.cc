// hort guard pre-<topic>: back up every layer of the chosen services now,
// tagged, before something risky (the strategy's pre-upgrade hook).
#include <cstdio>

#include "cli/catalog_cli.h"
#include "cli/command.h"
#include "layers/layer.h"

namespace hort::cli {

Command AddGuard(CLI::App& sub, GlobalOptions& g) {
  auto topic = std::make_shared<std::string>();
  auto services = std::make_shared<std::vector<std::string>>();
  sub.add_option("topic", *topic, "pre-<topic>, e.g. pre-upgrade; becomes the snapshots' tag")->required();
  sub.add_option("-s,--service", *services, "only these services (default: all)");
  auto validate = [topic, services]() -> Status {
    if (topic->rfind("pre-", 0) != 0 || topic->size() == 4 || topic->find_first_of(" ,") != std::string::npos) {
      return Status(Code::kInvalidArgument, "the topic must look like pre-<topic>, e.g. pre-upgrade");
    }
    return Status::Ok();
  };
  return Command{validate, [] { return NeedsCatalog(); }, [topic, services, &g](Opened& o) {
    const Catalog& cat = *o.catalog;
    std::vector<const JobSpec*> jobs;
    std::vector<std::string> names = *services;
    if (names.empty()) {
      for (const Service& s : cat.services) names.push_back(s.name);
    }
    for (const auto& n : names) {
      const Service* s = cat.FindService(n);
      if (!s) return Fail(Status(Code::kInvalidArgument, "no service named \"" + n + "\" in " + cat.path));
      for (const JobSpec& j : cat.jobs) {
        if (j.kind == JobSpec::Kind::kBackup && j.service == s) jobs.push_back(&j);
      }
    }
    if (jobs.empty()) return Fail(Status(Code::kInvalidArgument, "the chosen services have nothing to back up"));
    auto state = OpenCatalogState(cat);
    if (!state.ok()) return Fail(state.status());
    JobContext ctx;
    ctx.extra_tags = {*topic};
    ctx.retention = false;  // a guard snapshot is the one to go back to: no retention now
    ctx.state = state->get();
    int failed = RunRecorded(cat, **state, jobs, "guard", ctx, g.quiet);
    if (failed > 0) {
      return FailLine("guard " + *topic + ": " + std::to_string(failed) + " of " + std::to_string(jobs.size()) +
                      " backups FAILED — do not proceed");
    }
    if (!g.quiet) std::printf("guard %s: all %zu backups done\n", topic->c_str(), jobs.size());
    return kExitOk;
  }};
}

}  // namespace hort::cli
