#include <gtest/gtest.h>

#include <fstream>

#include "metrics/exposition.h"
#include "status/catalog_state_fixture.h"

namespace hort {
namespace {

using MetricsTest = CatalogStateFixture;

TEST_F(MetricsTest, ExpositionCarriesTheDocumentedSeries) {
  Record("web/files/data", now_ - 600, RunResult::kSuccess);
  Record("check/main", now_ - 900, RunResult::kFailed);
  ASSERT_TRUE(state_->PutRepoStats({"main", static_cast<int64_t>(now_) - 100, 5000, 3, 1, 50}).ok());
  RequestCounters counters;
  counters.For("main")->requests = 7;
  auto text = RenderMetrics({catalog_.get(), state_.get(), &counters, now_, now_ - 5});
  ASSERT_TRUE(text.ok()) << text.status().message();
  const std::string labels =
      "{service=\"web\",namespace=\"web\",layer=\"files\",entry=\"data\",repository=\"main\",classification=\"critical\"}";
  for (const std::string& line : {
           "hort_backup_last_status" + labels + " 1",
           "hort_backup_last_success_timestamp_seconds" + labels + " " + std::to_string(int64_t(now_ - 590)),
           "hort_backup_rpo_seconds" + labels + " 3600",
           "hort_backup_rpo_compliant" + labels + " 1",
           "hort_backup_last_bytes_added" + labels + " 1234",
           "hort_backup_expected_interval_seconds" + labels + " 3600",
           std::string("hort_backup_last_status{service=\"wiki\",namespace=\"docs\",layer=\"files\",entry=\"pages\","
                       "repository=\"main\",classification=\"best-effort\"} -1"),
           std::string("hort_repository_last_check_status{repository=\"main\",classification=\"critical\"} 0"),
           std::string("hort_repository_size_bytes{repository=\"main\",classification=\"critical\"} 5000"),
           std::string("hort_repository_oldest_lock_age_seconds{repository=\"main\",classification=\"critical\"} 150"),
           std::string("hort_offsite_last_status{offsite=\"nightly\",from=\"main\",to=\"copy\",classification=\"critical\"} -1"),
           std::string("hort_backend_requests_total{repository=\"main\"} 7"),
           std::string("hort_job_runs_total{hort_job=\"check/main\",result=\"failed\"} 1"),
           std::string("# TYPE hort_job_runs_total counter"),
       }) {
    EXPECT_NE(text->find(line + "\n"), std::string::npos) << "missing: " << line << "\n" << *text;
  }
}

TEST_F(MetricsTest, VeleroLocationsCarryTheirVerification) {
  Load(R"(repositories:
  main: {url: ./repo, password_env: PW}
services:
  api:
    classification: important
    rpo: 1d
    resources: [{name: manifests, schedule: "@daily", repository: main}]
  wiki:
    classification: best-effort
    rpo: 1d
    files: [{name: pages, path: /wiki, schedule: "@daily", repository: main}]
velero:
  locations:
    nas: {url: ./bsl, rpo: 26h}
    cloud: {url: ./bsl2}
  verify: {schedule: "@daily", level: 4}
)");
  if (HasFatalFailure()) return;
  Record("velero/nas", now_ - 300, RunResult::kFailed);
  VeleroStats nas{.location = "nas", .updated = static_cast<int64_t>(now_) - 290, .backups = 7, .failed = 2,
                  .newest_completed = static_cast<int64_t>(now_) - 3600, .newest_name = "daily-1", .level = 4};
  ASSERT_TRUE(state_->PutVeleroStats(nas).ok());
  auto text = RenderMetrics({catalog_.get(), state_.get(), nullptr, now_, 0});
  ASSERT_TRUE(text.ok()) << text.status().message();
  // The location's classification is the strictest among services with resources entries.
  const std::string l = "{location=\"nas\",classification=\"important\"}";
  for (const std::string& line : {
           "hort_velero_verify_last_status" + l + " 0",
           "hort_velero_backups" + l + " 7",
           "hort_velero_failed_backups" + l + " 2",
           "hort_velero_verify_level" + l + " 4",
           "hort_velero_rpo_seconds" + l + " 93600",
           "hort_velero_newest_completed_timestamp_seconds" + l + " " + std::to_string(int64_t(now_ - 3600)),
           std::string("hort_velero_verify_last_status{location=\"cloud\",classification=\"important\"} -1"),
       }) {
    EXPECT_NE(text->find(line + "\n"), std::string::npos) << "missing: " << line << "\n" << *text;
  }
  // A location never verified has no figures yet, only its status.
  EXPECT_EQ(text->find("hort_velero_backups{location=\"cloud\""), std::string::npos);
}

TEST_F(MetricsTest, TextfileIsReplacedAtomically) {
  std::string path = (dir_ / "hort.prom").string();
  ASSERT_TRUE(WriteTextfile(path, "a 1\n").ok());
  ASSERT_TRUE(WriteTextfile(path, "a 2\n").ok());
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "a 2");
  EXPECT_FALSE(WriteTextfile("/proc/nope/hort.prom", "x").ok());
}

}  // namespace
}  // namespace hort
