// hort test run|list|due: the catalog's restore tests (docs/cli.md).
#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/json_text.h"
#include "layers/layer.h"
#include "cli/catalog_cli.h"
#include "cli/command.h"
#include "cli/table.h"
#include "cli/test_views.h"
#include "schedule/duration.h"
#include "verify/restore_test.h"
#include "status/test_due.h"

namespace hort::cli {
namespace {

struct TestFlags {
  std::string id;
  std::vector<std::string> snapshots;
  bool keep = false;
};

void PrintReport(const RestoreTestSpec& spec, const RestoreTestReport& r) {
  const TestRecord& rec = r.record;
  bool pass = rec.result == RunResult::kSuccess;
  std::printf("%s (%s, responsible %s): %s\n", spec.id.c_str(), rec.type.c_str(),
              rec.responsible.empty() ? "-" : rec.responsible.c_str(), pass ? "PASS" : "FAIL");
  std::string rto = rec.rto_target_seconds ? " (RTO target " + FormatDuration(rec.rto_target_seconds) + ")" : "";
  const bool objects = spec.type == RestoreTestSpec::Type::kResources;
  const bool volume = spec.type == RestoreTestSpec::Type::kVolume;  // "files" are blocks, units the volumes
  if (objects) {
    std::printf("  restore   %s%s: %llu objects into scratch namespaces\n", FormatSeconds(rec.restore_seconds).c_str(),
                rto.c_str(), static_cast<unsigned long long>(rec.files));
  } else {
    std::printf("  restore   %s%s: %s, %llu %s, %s\n", FormatSeconds(rec.restore_seconds).c_str(), rto.c_str(),
                FormatBytes(rec.bytes).c_str(), static_cast<unsigned long long>(rec.files), volume ? "blocks" : "files",
                FormatRate(rec.Throughput()).c_str());
  }
  if (volume) std::printf("    %s\n", JoinLines(rec.snapshots, "\n    ").c_str());
  for (const RestoreUnit& u : r.units) {
    std::printf("    %-36s %s  %s\n", u.label.c_str(), u.Describe().c_str(),
                u.restored && u.valid ? "ok" : "PROBLEMS");
  }
  std::printf("  validate  %s: %s; %zu commands\n", FormatSeconds(r.validate_seconds).c_str(),
              objects  ? "every restored object read back from the cluster, expected objects present"
              : volume ? "every block checked against its name, e2fsck -fn on each ext2/3/4 image"
                       : "every file re-hashed and its metadata compared",
              r.commands.size());
  for (const SmokeResult& c : r.commands) {
    std::printf("    %-6s %s (%.1f s)\n", c.ok ? "ok" : "FAILED", c.run.c_str(), c.seconds);
  }
  if (!r.silence_id.empty()) std::printf("  silence   %s created and expired\n", r.silence_id.c_str());
  if (!rec.findings.empty()) {
    std::printf("  findings:\n");
    size_t start = 0;
    while (start <= rec.findings.size()) {
      size_t end = rec.findings.find('\n', start);
      if (end == std::string::npos) end = rec.findings.size();
      std::printf("    - %s\n", rec.findings.substr(start, end - start).c_str());
      start = end + 1;
    }
  }
  std::printf("  recorded as protocol row %lld\n", static_cast<long long>(rec.id));
}

int Run(GlobalOptions& g, const Catalog& cat, const TestFlags& f) {
  const RestoreTestSpec* spec = cat.FindTest(f.id);
  if (!spec) return Fail(Status(Code::kInvalidArgument, "no test \"" + f.id + "\" in " + cat.path + " (see `hort test list`)"));
  auto state = OpenCatalogState(cat);
  if (!state.ok()) return Fail(state.status());
  const std::atomic<bool>& stop = InstallStopFlag();
  RestoreTestOptions opt;
  opt.snapshots = f.snapshots;
  opt.keep = f.keep;
  opt.cancel = &stop;
  if (!g.quiet && !g.json) opt.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  auto r = RunRestoreTest(cat, *spec, **state, opt);
  if (!r.ok()) return Fail(r.status());
  if (g.json) std::printf("%s\n", JsonText(TestReportJson(*r)).c_str());
  else PrintReport(*spec, *r);
  if (stop.load()) return kExitInterrupted;
  return r->record.result == RunResult::kSuccess ? kExitOk : kExitTestFailed;
}

int List(GlobalOptions& g, const Catalog& cat, bool due_only) {
  auto state = OpenCatalogState(cat);
  if (!state.ok()) return Fail(state.status());
  double now = NowSeconds();
  auto plan = BuildTestPlan(cat, **state, now);
  if (!plan.ok()) return Fail(plan.status());
  std::vector<TestPlanEntry> rows = due_only ? DueFirst(*plan) : *plan;
  if (g.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& e : rows) j.push_back(TestPlanJson(e));
    std::printf("%s\n", JsonText(j).c_str());
    return kExitOk;
  }
  if (due_only && rows.empty()) {
    std::printf("no restore test is due\n");
    return kExitOk;
  }
  Table t(due_only ? std::vector<std::string>{"ID", "TYPE", "SCOPE", "LATE BY", "DUE SINCE", "LAST PASS", "RESPONSIBLE", "NOTE"}
                   : std::vector<std::string>{"ID", "TYPE", "SCOPE", "EVERY", "RESPONSIBLE", "AUTO", "LAST RUN", "RESULT", "NEXT DUE"});
  for (const auto& e : rows) {
    const RestoreTestSpec& s = *e.spec;
    std::string note = !s.LayerAvailable() ? layers::NotAvailable() : e.last_pass ? "" : "never passed";
    if (due_only) {
      t.Row({s.id, TestTypeName(s.type), ScopeText(s), FormatDuration(static_cast<int64_t>(e.late_seconds / 60) * 60),
             FormatWhen(e.next_due), e.last_pass ? FormatWhen(e.last_pass->started) : "never", s.responsible, note});
    } else {
      std::string result = LastRunText(e, false);
      std::string next = FormatWhen(e.next_due) + (e.due ? " (due)" : "");
      t.Row({s.id, TestTypeName(s.type), ScopeText(s), s.every, s.responsible, s.auto_run ? "yes" : "no",
             e.last ? FormatWhen(e.last->started) : "-", result, next});
    }
  }
  std::printf("%s", t.Render(false).c_str());
  return kExitOk;
}

}  // namespace

Command AddTest(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<TestFlags>();
  auto* run = sub.add_subcommand("run", "Perform a restore test: prepare, restore, validate, clean up, record");
  run->add_option("id", f->id, "test ID from the catalog's tests:")->required();
  run->add_option("--snapshot", f->snapshots, "restore this snapshot instead of the latest of its series (repeatable)");
  run->add_flag("--keep", f->keep, "keep the scratch target for inspection");
  auto* list = sub.add_subcommand("list", "List the test plan with last run and next due date");
  auto* due = sub.add_subcommand("due", "List the tests that are due, most overdue first");
  sub.require_subcommand(1);
  return MakeCommand(NeedsCatalog(), [f, &g, run, list, due](Opened& o) {
    if (run->parsed()) return Run(g, *o.catalog, *f);
    if (list->parsed()) return List(g, *o.catalog, false);
    (void)due;
    return List(g, *o.catalog, true);
  });
}

}  // namespace hort::cli
