#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "metrics/exposition.h"
#include "metrics/status_model.h"

namespace hort {
namespace {

namespace fs = std::filesystem;

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hort-metrics-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "hort.yaml") << R"(repositories:
  main: {url: ./repo, password_env: PW, check: {schedule: "@weekly"}}
  copy: {url: ./copy, password_env: PW}
services:
  web:
    classification: critical
    rpo: 1h
    files:
      - {name: data, path: /srv, schedule: "@hourly", repository: main}
  wiki:
    namespace: docs
    classification: best-effort
    rpo: 1d
    files:
      - {name: pages, path: /wiki, schedule: "@daily", repository: main}
offsite:
  nightly: {from: main, to: copy, schedule: "@daily"}
)";
    auto c = LoadCatalog((dir_ / "hort.yaml").string());
    ASSERT_TRUE(c.ok()) << c.status().message();
    catalog_ = std::move(*c);
    auto st = StateStore::Open(catalog_->state_path);
    ASSERT_TRUE(st.ok());
    state_ = std::move(*st);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Record(const std::string& job, double start, RunResult result) {
    RunRecord r{.job = job, .kind = "backup", .trigger = "schedule", .started = start};
    r.id = *state_->BeginRun(r);
    r.ended = start + 10;
    r.result = result;
    r.bytes_added = 1234;
    r.files = 5;
    if (result == RunResult::kFailed) r.error = "disk on fire";
    ASSERT_TRUE(state_->FinishRun(r).ok());
  }
  const JobStatus& Find(const StatusReport& rep, const std::string& id) {
    for (const auto& j : rep.jobs) if (j.job->id == id) return j;
    static JobStatus none;
    ADD_FAILURE() << "no status for " << id;
    return none;
  }

  fs::path dir_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<StateStore> state_;
  const double now_ = 1800000000;
};

TEST_F(MetricsTest, HealthFollowsRunsAndRpo) {
  auto rep = BuildStatus(*catalog_, *state_, now_);
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(Find(*rep, "web/files/data").health, Health::kNever);
  EXPECT_TRUE(rep->critical_problem);

  Record("web/files/data", now_ - 600, RunResult::kSuccess);
  Record("wiki/files/pages", now_ - 3 * 86400, RunResult::kSuccess);
  rep = BuildStatus(*catalog_, *state_, now_);
  EXPECT_EQ(Find(*rep, "web/files/data").health, Health::kOk);
  EXPECT_EQ(Find(*rep, "wiki/files/pages").health, Health::kLate);
  EXPECT_FALSE(rep->critical_problem) << "only a best-effort service is late";

  Record("web/files/data", now_ - 60, RunResult::kFailed);
  rep = BuildStatus(*catalog_, *state_, now_);
  const JobStatus& web = Find(*rep, "web/files/data");
  EXPECT_EQ(web.health, Health::kFailed);
  EXPECT_EQ(web.last_run->error, "disk on fire");
  EXPECT_EQ(web.last_success->started, now_ - 600);
  EXPECT_EQ(web.runs_success, 1u);
  EXPECT_EQ(web.runs_failed, 1u);
  EXPECT_TRUE(rep->critical_problem);
}

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
