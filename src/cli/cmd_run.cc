// hort run JOB|SERVICE: run catalog jobs now, recorded like scheduled runs.
#include <cstdio>

#include "cli/catalog_cli.h"
#include "cli/command.h"

namespace hort::cli {

Command AddRun(CLI::App& sub, GlobalOptions& g) {
  auto name = std::make_shared<std::string>();
  sub.add_option("job", *name, "a job ID (see `hort config check`) or a service name")->required();
  return MakeCommand(NeedsCatalog(), [name, &g](Opened& o) {
    auto jobs = SelectJobs(*o.catalog, *name);
    if (jobs.empty()) return Fail(Status(Code::kInvalidArgument, "no job or service named \"" + *name + "\" in " + o.catalog->path));
    auto state = OpenCatalogState(*o.catalog);
    if (!state.ok()) return Fail(state.status());
    JobContext ctx;
    ctx.state = state->get();
    if (g.verbose > 0) ctx.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    return RunRecorded(*o.catalog, **state, jobs, "manual", ctx, g.quiet) == 0 ? kExitOk : kExitFailure;
  });
}

}  // namespace hort::cli
