#include "runbook/runbook_json.h"

#include "util/local_time.h"

namespace hort {
namespace {

const char* PurposeKey(StepPurpose p) {
  switch (p) {
    case StepPurpose::kRestoreToFolder: return "restore-to-folder";
    case StepPurpose::kRestoreToClaim: return "restore-to-claim";
    case StepPurpose::kDumpToFile: return "dump-to-file";
    case StepPurpose::kListSnapshots: return "list-snapshots";
    case StepPurpose::kResourcesDryRun: return "resources-dry-run";
    case StepPurpose::kResourcesIntoScratch: return "resources-into-scratch";
    case StepPurpose::kResourcesInPlace: return "resources-in-place";
    case StepPurpose::kVolumeRestore: return "volume-restore";
    case StepPurpose::kVolumeList: return "volume-list";
    case StepPurpose::kDrRestore: return "dr-restore";
    case StepPurpose::kRepeatTest: return "repeat-test";
  }
  return "";
}

const char* CheckKey(RunbookCheck::Kind k) {
  switch (k) {
    case RunbookCheck::Kind::kExpectPath: return "expect-path";
    case RunbookCheck::Kind::kExpectObject: return "expect-object";
    case RunbookCheck::Kind::kMinFiles: return "min-files";
    case RunbookCheck::Kind::kMinBytes: return "min-bytes";
    case RunbookCheck::Kind::kSmoke: return "command";
    case RunbookCheck::Kind::kRestoreVerify: return "restore-verify";
    case RunbookCheck::Kind::kDryRunClean: return "dry-run-clean";
    case RunbookCheck::Kind::kBlocksChecked: return "blocks-checked";
    case RunbookCheck::Kind::kE2fsck: return "e2fsck";
    case RunbookCheck::Kind::kDrVerified: return "dr-verified";
  }
  return "";
}

nlohmann::json SectionJson(const ScenarioSection& sec) {
  nlohmann::json points = nlohmann::json::array(), tests = nlohmann::json::array(), checks = nlohmann::json::array();
  for (const RecoveryPoint& p : sec.points) {
    nlohmann::json commands = nlohmann::json::array();
    for (const RunbookCommand& c : p.commands) commands.push_back({{"purpose", PurposeKey(c.purpose)}, {"lines", c.lines}});
    points.push_back({{"job", p.job}, {"what", p.what}, {"id", p.id}, {"short_id", p.short_id},
                      {"time", FormatRfc3339(p.time)}, {"store", p.store}, {"commands", commands}});
  }
  for (const CoveringTest& t : sec.tests) {
    nlohmann::json last = nullptr;
    if (t.last) {
      last = {{"started", FormatRfc3339(t.last->started)}, {"result", RunResultName(t.last->result)},
              {"restore_seconds", t.last->restore_seconds}, {"within_rto", t.WithinRto()}};
    }
    tests.push_back({{"id", t.spec->id}, {"type", TestTypeName(t.spec->type)}, {"responsible", t.spec->responsible},
                     {"every", t.spec->every}, {"rto_seconds", t.rto_seconds}, {"last", last}});
  }
  for (const RunbookCheck& c : sec.checks) {
    checks.push_back({{"kind", CheckKey(c.kind)}, {"value", c.value}, {"output_contains", c.contains}, {"test", c.test}});
  }
  nlohmann::json j = {{"scenario", ScenarioKey(sec.scenario)}, {"responsible", sec.responsible}, {"points", points},
                      {"tests", tests}, {"checks", checks}};
  if (sec.scenario == Scenario::kClusterLost) j["order"] = sec.order;
  return j;
}

}  // namespace

nlohmann::json RunbookJson(const Runbook& rb) {
  nlohmann::json services = nlohmann::json::array();
  for (const ServiceRunbook& sr : rb.services) {
    const Service& s = *sr.service;
    nlohmann::json scenarios = nlohmann::json::array();
    for (const ScenarioSection& sec : sr.scenarios) scenarios.push_back(SectionJson(sec));
    services.push_back({{"service", s.name}, {"namespace", s.ns}, {"classification", ClassificationName(s.classification)},
                        {"owner", s.owner}, {"storage", s.storage}, {"rpo_seconds", s.rpo_seconds},
                        {"rto_seconds", s.rto_seconds}, {"scenarios", scenarios}});
  }
  return {{"generated", FormatRfc3339(rb.generated)}, {"catalog", rb.catalog_path}, {"services", services},
          {"cluster", SectionJson(rb.cluster)}};
}

}  // namespace hort
