#include "cli/test_views.h"
#include "layers/layer.h"

#include "cli/catalog_cli.h"

#include <vector>

namespace hort::cli {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string JoinLines(const std::string& lines, const std::string& sep) {
  std::string out;
  for (const auto& l : Lines(lines)) out += (out.empty() ? "" : sep) + l;
  return out;
}

const char* ResultWord(const TestRecord& r) { return r.result == RunResult::kSuccess ? "pass" : "FAIL"; }

std::string LastRunText(const TestPlanEntry& e, bool with_date) {
  if (!e.spec->LayerAvailable()) return layers::NotAvailable();
  if (!e.last) return with_date ? "never" : "never run";
  return (with_date ? FormatWhen(e.last->started) + " " : std::string()) + ResultWord(*e.last);
}

std::string ScopeText(const RestoreTestSpec& s) {
  std::string out;
  if (s.scope.empty()) {
    for (const auto& r : s.repositories) out += (out.empty() ? "repositories " : ", ") + r;
    return out.empty() ? "all repositories" : out;
  }
  for (const auto& x : s.scope) out += (out.empty() ? "" : ", ") + x;
  return out;
}

nlohmann::json TestRecordJson(const TestRecord& r) {
  return {{"id", r.id},
          {"test", r.test},
          {"type", r.type},
          {"trigger", r.trigger},
          {"responsible", r.responsible},
          {"started", FormatRfc3339(r.started)},
          {"ended", FormatRfc3339(r.ended)},
          {"result", r.result == RunResult::kSuccess ? "pass" : r.result == RunResult::kFailed ? "fail" : "running"},
          {"restore_seconds", r.restore_seconds},
          {"rto_target_seconds", r.rto_target_seconds},
          {"rto_met", r.rto_target_seconds == 0 || r.restore_seconds <= static_cast<double>(r.rto_target_seconds)},
          {"bytes", r.bytes},
          {"files", r.files},
          {"throughput_bytes_per_second", r.Throughput()},
          {"snapshots", Lines(r.snapshots)},
          {"findings", Lines(r.findings)}};
}

nlohmann::json UnitJson(const RestoreUnit& u) {
  return {{"label", u.label},
          {"repository", u.repository},
          {"snapshot", u.snapshot.id.Hex()},
          {"host", u.snapshot.hostname},
          {"paths", u.snapshot.paths},
          {"target", u.target},
          {"restored", u.restored},
          {"valid", u.valid},
          {"restore_seconds", u.restore_seconds},
          {"check_seconds", u.check_seconds},
          {"files", u.files},
          {"bytes", u.bytes},
          {"throughput_bytes_per_second", u.restore_seconds > 0 ? u.bytes / u.restore_seconds : 0},
          {"problems", u.problems},
          {"problem_count", u.problem_count}};
}

nlohmann::json TestReportJson(const RestoreTestReport& r) {
  nlohmann::json j = TestRecordJson(r.record);
  j["scratch"] = r.scratch;
  j["silence_id"] = r.silence_id;
  j["validate_seconds"] = r.validate_seconds;
  j["units"] = nlohmann::json::array();
  for (const auto& u : r.units) j["units"].push_back(UnitJson(u));
  j["commands"] = nlohmann::json::array();
  for (const auto& c : r.commands) {
    j["commands"].push_back({{"run", c.run}, {"ok", c.ok}, {"exit_code", c.exit_code}, {"timed_out", c.timed_out},
                             {"seconds", c.seconds}, {"output", c.output}});
  }
  j["stage_seconds"] = nlohmann::json::object();
  for (const auto& [stage, ns] : r.stage_times.Snapshot()) j["stage_seconds"][stage] = ns.count() / 1e9;
  return j;
}

nlohmann::json TestPlanJson(const TestPlanEntry& e) {
  const RestoreTestSpec& s = *e.spec;
  nlohmann::json j = {{"id", s.id},
                      {"type", TestTypeName(s.type)},
                      {"scope", s.scope},
                      {"every", s.every},
                      {"every_seconds", s.every_seconds},
                      {"responsible", s.responsible},
                      {"auto", s.auto_run},
                      {"layer_available", s.LayerAvailable()},
                      {"due", e.due},
                      {"late_seconds", e.late_seconds},
                      {"next_due", FormatRfc3339(e.next_due)}};
  j["last"] = e.last ? TestRecordJson(*e.last) : nlohmann::json(nullptr);
  j["last_pass"] = e.last_pass ? TestRecordJson(*e.last_pass) : nlohmann::json(nullptr);
  return j;
}

}  // namespace hort::cli
