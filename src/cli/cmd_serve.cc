// hort serve: the daemon. Runs every catalog job on time, keeps the state,
// serves /metrics and a status page. SIGTERM/SIGINT: no new jobs, running
// ones finish, then exit 0; a second signal exits at once (130) — the
// state marks such runs interrupted at the next start.
#include <signal.h>

#include <algorithm>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <optional>

#include "cli/json_text.h"
#include "cli/catalog_cli.h"
#include "net/listen_address.h"
#include "cli/command.h"
#include "util/log.h"
#include "cli/protocol_view.h"
#include "metrics/exposition.h"
#include "net/http_server.h"
#include "scheduler/scheduler.h"
#include "status/status_json.h"
#include "agent/dispatch.h"
#include "kube/permissions.h"
#include "status/status_model.h"
#include "status/summary.h"
#include "status/test_due.h"
#include "verify/auto_test_runner.h"
#include "util/file_lock.h"
#include "verify/restore_test.h"
#include "jobs/live_progress.h"
#include "web/api_actions.h"
#include "web/api_routes.h"
#include "web/auth.h"
#include "web/runbook_page.h"
#include "web/status_page.h"

namespace hort::cli {

namespace {

void Log(const std::string& line) { LogEvent(line); }

// Task Leases and holder Jobs a stopped serve left (agent/dispatch.h);
// serve is the one dispatcher, so at its start none of its own is running.
void RemoveStaleAgentTasks(const Catalog& c) {
  const auto layers = c.UsedLayers();
  if (std::find(layers.begin(), layers.end(), "agent") == layers.end()) return;
  std::unique_ptr<kube::Client> owned;
  auto client = CatalogKube(c, JobContext{}, owned);
  Status s = client.ok() ? agent::RemoveStaleTasks(**client, kube::HortNamespace(**client), Log) : client.status();
  if (!s.ok()) Log("agent tasks left by an earlier run were not checked: " + s.message());
}

// Repository figures for /metrics: at start and every 15 minutes.
void RefreshAllStats(const Catalog& c, StateStore& state, RequestCounters& counters) {
  for (const auto& [name, spec] : c.repositories) {
    auto r = OpenCatalogRepository(c, spec, OpenLock::kNone, &counters);
    if (!r.ok()) {
      Log("repository " + name + ": " + r.status().message());
      continue;
    }
    auto s = CollectRepoStats(*r->repo, name);
    if (s.ok()) (void)state.PutRepoStats(*s);
  }
}

}  // namespace

Command AddServe(CLI::App& sub, GlobalOptions& g) {
  auto listen = std::make_shared<std::string>();
  sub.add_option("--listen", *listen, "address for /metrics and the status page (default from the catalog, 127.0.0.1:9464)");
  Needs needs = NeedsCatalog(/*state=*/true);
  needs.context = "refusing to start";
  return MakeCommand(needs, [listen, &g](Opened& o) {
    const Catalog& cat = *o.catalog;
    // The dashboard's credentials are read before anything runs: a missing
    // token file stops serve here, not at the first action.
    auto auth = DashboardAuth::Load(cat.serve.auth);
    if (!auth.ok()) return Fail(auth.status());
    // One daemon per state: two ran every job twice, each with its own
    // retention. The kernel drops the lock when this process ends.
    auto one_daemon = FileLock::TryAcquire(cat.state_path + ".serve-lock");
    if (!one_daemon.ok()) {
      return Fail(one_daemon.status().code() == Code::kLocked
                      ? Status(Code::kLocked, "another hort serve uses the state " + cat.state_path + " (" +
                                                  one_daemon.status().message() + "); one daemon per state")
                      : one_daemon.status());
    }
    const std::atomic<bool>& stop = InstallStopFlag();
    SetLogTimestamps(true);  // the engine's lines (a stale lock removed) read like serve's own

    SystemClock clock;
    RequestCounters counters;
    double started = NowSeconds();
    JobContext ctx;
    ctx.counters = &counters;
    ctx.state = o.state.get();
    ctx.log = Log;
    // Each run's lines go to stderr and into the state under the run's id (the
    // dashboard's run page); its engine counts into `live` while it runs.
    LiveProgress live;
    Scheduler scheduler(cat, *o.state, clock, RunExecutor([&](const JobSpec& job, const RunRecord& run) {
      auto log = [&o, id = run.id](const std::string& line) {
        Log(line);
        if (id) (void)o.state->AppendRunLog(id, NowSeconds(), line);  // a full disk must not stop the job
      };
      log(job.id + ": started (" + run.trigger + ")");
      JobContext run_ctx = ctx;
      run_ctx.log = log;
      std::shared_ptr<ProgressCounters> progress = live.Begin(job.id, run.id, run.started);
      run_ctx.progress = progress.get();
      JobOutcome outcome = RunJob(cat, job, run_ctx);
      live.End(job.id);
      log(job.id + (outcome.ok()                                 ? ": ok"
                    : outcome.status.code() == Code::kPartial ? ": PARTIAL: " + outcome.Error()
                                                              : ": FAILED: " + outcome.Error()));
      return outcome;
    }));
    scheduler.SetLog(Log);
    Status s = scheduler.Startup();
    if (!s.ok()) return Fail(s);
    // Due `auto` restore tests, one at a time; a stop signal makes a running
    // test clean up and record itself as interrupted.
    AutoTestRunner tests(cat, *o.state, clock, [&](const RestoreTestSpec& t, const std::string& trigger) {
      Log("restore test " + t.id + ": started (" + trigger + ")");
      RestoreTestOptions opt;
      opt.trigger = trigger;
      opt.cancel = &stop;
      opt.counters = &counters;
      opt.log = Log;
      auto r = RunRestoreTest(cat, t, *o.state, opt);
      if (!r.ok()) Log("restore test " + t.id + ": " + r.status().message());
      else Log("restore test " + t.id + (r->record.result == RunResult::kSuccess ? ": pass" : ": FAIL: " + r->record.findings));
    });

    HttpServer http;
    std::mutex state_mu;
    HttpContent content;
    // The cluster's PVC coverage, sampled every 5 minutes on its own thread (listing every
    // PVC and Pod at each scrape would load the API server for nothing).
    std::unique_ptr<CoverageSampler> coverage;
    if (CatalogNamesCluster(cat)) coverage = std::make_unique<CoverageSampler>(cat, 300.0, Log);
    content.metrics = [&]() {
      std::optional<CoverageSample> sample = coverage ? coverage->Latest() : std::nullopt;
      return RenderMetrics({&cat, o.state.get(), &counters, NowSeconds(), started, sample ? &*sample : nullptr});
    };
    content.status_json = [&]() -> Result<std::string> {
      HORT_ASSIGN_OR_RETURN(StatusReport rep, BuildStatus(cat, *o.state, NowSeconds()));
      return JsonText(StatusJson(rep, NowSeconds()));
    };
    content.status_html = [&]() -> Result<std::string> {
      const double now = NowSeconds();
      HORT_ASSIGN_OR_RETURN(StatusReport rep, BuildStatus(cat, *o.state, now));
      HORT_ASSIGN_OR_RETURN(auto plan, BuildTestPlan(cat, *o.state, now));
      return StatusPage(rep, Summary(FindProblems(rep, plan, now), rep.jobs.size()), now);
    };
    // ?lang=de|en (default: the daemon's locale, as `hort runbook`), ?service=NAME (unknown: 404).
    content.runbook_html = [&](const HttpQuery& q) -> Result<std::string> {
      Language lang = LanguageFromEnvironment();
      if (auto it = q.find("lang"); it != q.end()) {
        HORT_ASSIGN_OR_RETURN(lang, ParseLanguage(it->second));
      }
      auto service = q.find("service");
      HORT_ASSIGN_OR_RETURN(Runbook rb, BuildRunbook(cat, *o.state, NowSeconds(), service == q.end() ? "" : service->second));
      return RunbookPage(MakeRunbookDocument(rb, lang));
    };
    std::string addr = listen->empty() ? cat.serve.listen : *listen;
    std::vector<HttpHandler> handlers = PageHandlers();
    for (HttpHandler& h : ReadApiHandlers({cat, *o.state, &live, [] { return NowSeconds(); }})) handlers.push_back(std::move(h));
    // From the signal on, no new run is taken (503): the loop below needs up
    // to a second to see the flag and stop the scheduler, and a run accepted
    // in between was answered 202 and never ran.
    auto stopping = [&stop]() -> Status {
      return stop.load() ? Status(Code::kCancelled, "hort serve is stopping; no new runs") : Status::Ok();
    };
    ActionTargets targets{[&](const std::string& job) {
                            HORT_RETURN_IF_ERROR(stopping());
                            return scheduler.RunNow(job);
                          },
                          [&](const std::string& test) {
                            HORT_RETURN_IF_ERROR(stopping());
                            return tests.RunNow(test);
                          }};
    for (HttpHandler& h : ActionHandlers(**auth, *o.state, targets, [] { return NowSeconds(); })) handlers.push_back(std::move(h));
    // /protocol?lang=de|en: the whole protocol as `hort protocol --markdown` prints it.
    handlers.push_back({"GET", "/protocol", [&o](const ServerRequest& r) {
      auto lang = r.query.find("lang");
      if (lang != r.query.end() && lang->second != "de" && lang->second != "en") {  // as /runbook
        return ServerResponse{.status = 400, .body = "lang: expected de or en, got \"" + lang->second + "\"\n"};
      }
      auto rows = o.state->Tests("", 0, 100000);
      if (!rows.ok()) return ServerResponse{.status = 500, .body = rows.status().message() + "\n"};
      std::reverse(rows->begin(), rows->end());  // a protocol reads oldest first
      return ServerResponse{.content_type = "text/plain; charset=utf-8",
                            .body = ProtocolTable(*rows, lang != r.query.end() && lang->second == "en" ? "en" : "de", true)};
    }});
    for (HttpHandler& h : ApiNotFoundHandlers()) handlers.push_back(std::move(h));
    http.SetGate([&auth](const ServerRequest& r) { return (*auth)->Gate(r); });
    s = http.Start(addr, content, std::move(handlers));
    if (!s.ok()) return Fail(s);
    addr = ParseListenAddress(addr)->host + ":" + std::to_string(http.port());  // the port bound, for :0
    Log("hort serve: " + std::to_string(cat.jobs.size()) + " jobs from " + cat.path + ", listening on " + addr);
    RefreshAllStats(cat, *o.state, counters);
    RemoveStaleAgentTasks(cat);
    double next_stats = NowSeconds() + 900, next_recover = NowSeconds() + 60;
    while (!stop.load()) {
      scheduler.Tick();
      tests.Tick();
      if (NowSeconds() >= next_recover) {  // a killed `hort run` beside the daemon: interrupted
        (void)o.state->RecoverInterrupted(NowSeconds());
        next_recover = NowSeconds() + 60;
      }
      if (NowSeconds() >= next_stats && scheduler.Running() == 0) {
        RefreshAllStats(cat, *o.state, counters);
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
  });
}

}  // namespace hort::cli
