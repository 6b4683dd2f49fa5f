// hort run JOB|SERVICE: run catalog jobs now, recorded like scheduled runs.
#include <cstdio>

#include "cli/catalog_cli.h"
#include "cli/command.h"

namespace hort::cli {

Runner AddRun(CLI::App& sub, GlobalOptions& g) {
  auto name = std::make_shared<std::string>();
  sub.add_option("job", *name, "a job ID (see `hort config check`) or a service name")->required();
  return [name, &g] {
    auto c = LoadCatalogForCli(g.config);
    if (!c.ok()) return Fail(c.status());
    auto jobs = SelectJobs(**c, *name);
    if (jobs.empty()) return Fail(Status(Code::kInvalidArgument, "no job or service named \"" + *name + "\" in " + (*c)->path));
    auto state = OpenCatalogState(**c);
    if (!state.ok()) return Fail(state.status());
    (void)(*state)->RecoverInterrupted(NowSeconds());
    JobContext ctx;
    ctx.state = state->get();
    if (g.verbose > 0) ctx.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    return RunRecorded(**c, **state, jobs, "manual", ctx, g.quiet) == 0 ? kExitOk : kExitFailure;
  };
}

}  // namespace hort::cli
