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
