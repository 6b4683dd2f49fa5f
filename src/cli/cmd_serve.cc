// hort serve: the daemon. Runs every catalog job on time, keeps the state,
// serves /metrics and a status page. SIGTERM/SIGINT: no new jobs, running
// ones finish, then exit 0; a second signal exits at once (130) — the
// state marks such runs interrupted at the next start.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>

#include "cli/json_text.h"
#include "cli/catalog_cli.h"
#include "cli/command.h"
#include "cli/status_views.h"
#include "metrics/exposition.h"
#include "net/http_server.h"
#include "metrics/status_model.h"
#include "scheduler/scheduler.h"
#include "verify/restore_test.h"
#include "verify/test_plan.h"

namespace hort::cli {

namespace {

void Log(const std::string& line) {
  static std::mutex mu;
  std::lock_guard<std::mutex> g(mu);
  std::fprintf(stderr, "%s %s\n", FormatRfc3339(NowSeconds()).c_str(), line.c_str());
}

// Repository figures for /metrics: at start and every 15 minutes.
void RefreshAllStats(const Catalog& c, StateStore& state, RequestCounters& counters) {
  for (const auto& [name, spec] : c.repositories) {
    auto r = OpenCatalogRepository(c, spec, JobLock::kNone, &counters);
    if (!r.ok()) {
      Log("repository " + name + ": " + r.status().message());
      continue;
    }
    auto s = CollectRepoStats(*r->repo, name);
    if (s.ok()) (void)state.PutRepoStats(*s);
  }
}

}  // namespace

Runner AddServe(CLI::App& sub, GlobalOptions& g) {
  auto listen = std::make_shared<std::string>();
  sub.add_option("--listen", *listen, "address for /metrics and the status page (default from the catalog, 127.0.0.1:9464)");
  return [listen, &g] {
    auto c = LoadCatalogForCli(g.config);
    if (!c.ok()) return Fail(c.status().Annotate("refusing to start"));
    const Catalog& cat = **c;
    auto state = OpenCatalogState(cat);
    if (!state.ok()) return Fail(state.status());
    const std::atomic<bool>& stop = InstallStopFlag();

    SystemClock clock;
    RequestCounters counters;
    double started = NowSeconds();
    JobContext ctx;
    ctx.counters = &counters;
    ctx.state = state->get();
    ctx.log = Log;
    Scheduler scheduler(cat, **state, clock, [&](const JobSpec& job) {
      Log(job.id + ": started");
      JobOutcome o = RunJob(cat, job, ctx);
      Log(job.id + (o.ok ? ": ok" : ": FAILED: " + o.error));
      return o;
    });
    Status s = scheduler.Startup();
    if (!s.ok()) return Fail(s);
    // Due `auto` restore tests, one at a time; a stop signal makes a running
    // test clean up and record itself as interrupted.
    AutoTestRunner tests(cat, **state, clock, [&](const RestoreTestSpec& t) {
      Log("restore test " + t.id + ": started");
      RestoreTestOptions opt;
      opt.trigger = "auto";
      opt.cancel = &stop;
      opt.counters = &counters;
      opt.log = Log;
      auto r = RunRestoreTest(cat, t, **state, opt);
      if (!r.ok()) Log("restore test " + t.id + ": " + r.status().message());
      else Log("restore test " + t.id + (r->record.result == RunResult::kSuccess ? ": pass" : ": FAIL: " + r->record.findings));
    });

    HttpServer http;
    std::mutex state_mu;
    HttpContent content;
    content.metrics = [&]() { return RenderMetrics({&cat, state->get(), &counters, NowSeconds(), started}); };
    content.status_json = [&]() -> Result<std::string> {
      HORT_ASSIGN_OR_RETURN(StatusReport rep, BuildStatus(cat, **state, NowSeconds()));
      return JsonText(StatusJson(rep, NowSeconds()));
    };
    content.status_html = [&]() -> Result<std::string> {
      HORT_ASSIGN_OR_RETURN(StatusReport rep, BuildStatus(cat, **state, NowSeconds()));
      return StatusPage(rep, NowSeconds());
    };
    std::string addr = listen->empty() ? cat.serve.listen : *listen;
    s = http.Start(addr, content);
    if (!s.ok()) return Fail(s);
    addr = addr.substr(0, addr.rfind(':') + 1) + std::to_string(http.port());
    Log("hort serve: " + std::to_string(cat.jobs.size()) + " jobs from " + cat.path + ", listening on " + addr);
    RefreshAllStats(cat, **state, counters);
    double next_stats = NowSeconds() + 900;
    while (!stop.load()) {
      scheduler.Tick();
      tests.Tick();
      if (NowSeconds() >= next_stats && scheduler.Running() == 0) {
        RefreshAllStats(cat, **state, counters);
        next_stats = NowSeconds() + 900;
      }
      scheduler.WaitForChange(1.0);
    }
    Log("stopping: waiting for " + std::to_string(scheduler.Running()) + " running jobs (signal again to abort)");
    scheduler.Stop();
    scheduler.WaitIdle();
    tests.WaitIdle();
    http.Stop();
    Log("stopped");
    return kExitOk;
  };
}

}  // namespace hort::cli
