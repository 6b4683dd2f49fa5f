// Tests of what is derived from a catalog and its run history (status,
// metrics): the catalog from the test's hort.yaml in a fresh directory, its
// state store, and helpers that record runs.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "state/state.h"
#include "status/status_model.h"

namespace hort {

// Writes `yaml` to dir/hort.yaml, loads it and opens its state store.
inline void LoadCatalogAndState(const std::filesystem::path& dir, const std::string& yaml,
                                std::unique_ptr<Catalog>* catalog, std::unique_ptr<StateStore>* state) {
  std::ofstream(dir / "hort.yaml") << yaml;
  state->reset();
  auto c = LoadCatalog((dir / "hort.yaml").string());
  ASSERT_TRUE(c.ok()) << c.status().message();
  *catalog = std::move(*c);
  auto st = StateStore::Open((*catalog)->state_path);
  ASSERT_TRUE(st.ok());
  *state = std::move(*st);
}

class CatalogStateFixture : public ::testing::Test {
 protected:
  // The catalog of most status and metrics tests: a critical hourly service,
  // a best-effort daily one, a repository check and an offsite copy.
  static constexpr const char* kTwoServices = R"(repositories:
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

  void SetUp() override { Load(kTwoServices); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Load(const std::string& yaml) {
    dir_ = std::filesystem::temp_directory_path() /
           ("hort-status-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    LoadCatalogAndState(dir_, yaml, &catalog_, &state_);
  }

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

  std::filesystem::path dir_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<StateStore> state_;
  const double now_ = 1800000000;
};

}  // namespace hort
