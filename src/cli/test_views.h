// JSON and text views of restore tests shared by `test`, `protocol`,
// `report` and `dr` (docs/json.md).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "verify/drill.h"
#include "verify/restore_test.h"
#include "status/test_due.h"

namespace hort::cli {

[[nodiscard]] nlohmann::json TestRecordJson(const TestRecord& r);
[[nodiscard]] nlohmann::json TestReportJson(const RestoreTestReport& r);
[[nodiscard]] nlohmann::json TestPlanJson(const TestPlanEntry& e);
[[nodiscard]] nlohmann::json UnitJson(const RestoreUnit& u);
// "productivity, media" or "all repositories" for a dr test without a scope.
[[nodiscard]] std::string ScopeText(const RestoreTestSpec& s);
// "pass" or "FAIL".
[[nodiscard]] const char* ResultWord(const TestRecord& r);
// The plan's view of a test's last run: "layer not available yet", "never
// run", or the run's date (with `with_date`) and result word.
[[nodiscard]] std::string LastRunText(const TestPlanEntry& e, bool with_date);
// Findings one per line → "a; b".
[[nodiscard]] std::string JoinLines(const std::string& lines, const std::string& sep);

}  // namespace hort::cli
