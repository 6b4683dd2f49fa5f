#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runbook/runbook.h"
#include "runbook/runbook_commands.h"
#include "runbook/runbook_document.h"
#include "runbook/runbook_json.h"

namespace hort {
namespace {

constexpr const char* kCatalog = R"(work_dir: ./work
defaults: {schedule: "@daily"}
repositories:
  main: {url: ./repo, password_env: MAIN_PW}
  keys: {url: "s3:https://rgw.lan/b", password_file: ./pw, options: {s3.region: eu},
         credentials: {file: ./aws, profile: off}}
volume_stores:
  nas: {url: ./store}
services:
  paperless:
    namespace: productivity
    classification: critical
    storage: longhorn
    rpo: 1d
    rto: 4h
    owner: alice
    files:
      - {pvc: paperless-data, source: ./pvc, repository: main}
      - {name: db, dump: {command: "echo x", container: postgres, extension: .sql}, repository: main}
    resources:
      - {name: manifests, repository: main}
    volumes:
      - {image: ./disk.img, name: disk, store: nas}
  wiki:
    namespace: docs
    classification: best-effort
    rpo: 7d
    rto: 1m
    files:
      - {name: pages, path: "/srv/wiki pages", repository: keys}
tests:
  BT-K8-01:
    type: files
    scope: productivity
    every: 3mo
    responsible: bob
    validate:
      expect: [paperless/data/paperless-data/db.sqlite3]
      min_files: 5
      commands: [{run: "echo `ok`", output_contains: ok}]
  BT-VL-01: {type: resources, scope: paperless, every: 6mo, validate: {expect: [Deployment/paperless]}}
  BT-LH-01: {type: volume, scope: paperless, every: 3mo}
  BT-WIKI: {type: files, scope: wiki, every: 1y}
  BT-DR-01: {type: dr, every: 1y, responsible: carol}
)";

const std::string kSnap = "1a2b3c4d" + std::string(56, 'e');
const std::string kResSnap = "99887766" + std::string(56, 'f');

class RunbookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("hort-runbook-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "hort.yaml") << kCatalog;
    auto c = LoadCatalog((dir_ / "hort.yaml").string());
    ASSERT_TRUE(c.ok()) << c.status().message();
    catalog_ = std::move(*c);
    auto st = StateStore::Open(catalog_->state_path);
    ASSERT_TRUE(st.ok());
    state_ = std::move(*st);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Backup(const std::string& job, const std::string& id, double at) {
    RunRecord r{.job = job, .kind = "backup", .trigger = "schedule", .started = at};
    r.id = *state_->BeginRun(r);
    r.ended = at + 5;
    r.result = RunResult::kSuccess;
    r.snapshot_id = id;
    ASSERT_TRUE(state_->FinishRun(r).ok());
  }
  void Tested(const std::string& test, double seconds, RunResult result) {
    TestRecord t{.test = test, .type = "files", .trigger = "manual", .started = now_ - 3600};
    t.id = *state_->BeginTest(t);
    t.ended = now_ - 3000;
    t.result = result;
    t.restore_seconds = seconds;
    ASSERT_TRUE(state_->FinishTest(t).ok());
  }
  Runbook Build(const std::string& only = "") {
    auto rb = BuildRunbook(*catalog_, *state_, now_, only);
    EXPECT_TRUE(rb.ok()) << rb.status().message();
    return rb.ok() ? std::move(*rb) : Runbook{};
  }
  std::string Markdown(const Runbook& rb, Language l) { return RenderRunbookMarkdown(MakeRunbookDocument(rb, l)); }

  std::filesystem::path dir_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<StateStore> state_;
  const double now_ = 1800000000;
};

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST_F(RunbookTest, ScenariosFollowTheEntryKinds) {
  Runbook rb = Build();
  ASSERT_EQ(rb.services.size(), 2u);
  ASSERT_EQ(rb.services[0].scenarios.size(), 3u);
  EXPECT_EQ(rb.services[0].scenarios[0].scenario, Scenario::kFilesLost);
  EXPECT_EQ(rb.services[0].scenarios[1].scenario, Scenario::kNamespaceDeleted);
  EXPECT_EQ(rb.services[0].scenarios[2].scenario, Scenario::kVolumeLost);
  ASSERT_EQ(rb.services[1].scenarios.size(), 1u) << "wiki has only files: no namespace or volume scenario";
  EXPECT_EQ(rb.services[1].scenarios[0].scenario, Scenario::kFilesLost);
  EXPECT_EQ(rb.cluster.scenario, Scenario::kClusterLost);
  EXPECT_EQ(rb.cluster.order, (std::vector<std::string>{"paperless", "wiki"})) << "critical first";
  EXPECT_EQ(rb.cluster.responsible, "carol");
}

TEST_F(RunbookTest, NamesTheRecordedBackupsInExactCommands) {
  Backup("paperless/files/paperless-data", kSnap, now_ - 7200);
  Backup("paperless/resources/manifests", kResSnap, now_ - 7000);
  ASSERT_TRUE(state_->PutVolumeStats({.store = "nas", .volume = "disk", .job = "paperless/volumes/disk",
                                      .last_backup = "backup-0123456789abcdef", .last_backup_time = 1799990000}).ok());
  const std::string md = Markdown(Build("paperless"), Language::kEnglish);
  const std::string cfg = (dir_ / "hort.yaml").string(), repo = (dir_ / "repo").string();
  EXPECT_TRUE(Has(md, "HORT_PASSWORD=\"$MAIN_PW\" hort -r " + repo + " restore 1a2b3c4d --target " +
                          (dir_ / "work/runbook/paperless/paperless-data").string() + " --verify")) << md;
  EXPECT_TRUE(Has(md, "hort --config " + cfg + " restore 1a2b3c4d --to-pvc productivity/paperless-data")) << md;
  EXPECT_TRUE(Has(md, "from the state: the last successful run of `paperless/files/paperless-data`")) << md;
  EXPECT_TRUE(Has(md, "resources restore 99887766 --namespace-mappings productivity:productivity-restore-test --dry-run"));
  EXPECT_TRUE(Has(md, "hort volumes restore --store " + (dir_ / "store").string() +
                          " --volume disk --backup backup-0123456789abcdef --to "));
  EXPECT_TRUE(Has(md, "Longhorn's UI: Backup → volume `disk` → backup `backup-0123456789abcdef`")) << md;
  // The dump entry has nothing recorded: no dump of a guessed snapshot, the list instead.
  EXPECT_TRUE(Has(md, "`/productivity-postgres.sql` (entry `db`): no backup recorded yet")) << md;
  EXPECT_FALSE(Has(md, " dump latest"));
  EXPECT_TRUE(Has(md, "snapshots --host productivity --path /productivity-postgres.sql"));
  EXPECT_FALSE(Has(md, "`wiki`")) << "--service paperless shows paperless only";
}

// With nothing recorded the command names the entry's series: `latest` of a
// namespace alone is refused once it has two resources entries.
TEST_F(RunbookTest, ResourcesWithNothingRecordedNameTheEntrysSeries) {
  const std::string md = Markdown(Build("paperless"), Language::kEnglish);
  EXPECT_TRUE(Has(md, "resources restore latest --host productivity --path /resources/manifests.tar "
                      "--namespace-mappings productivity:productivity-restore-test --dry-run")) << md;
}

TEST_F(RunbookTest, RepositoryFlagsQuoteAndNameWhereKeysComeFrom) {
  const std::string md = Markdown(Build("wiki"), Language::kEnglish);
  EXPECT_TRUE(Has(md, "hort -r s3:https://rgw.lan/b -p " + (dir_ / "pw").string() + " -o s3.region=eu restore latest "
                      "--host docs --path '/srv/wiki pages' --target ")) << md;
  EXPECT_TRUE(Has(md, "S3 keys: from `" + (dir_ / "aws").string() + " [off]`")) << md;
  EXPECT_EQ(ShellWord("it's"), "'it'\\''s'");
}

TEST_F(RunbookTest, MeasuredTimeAgainstTheRtoAndNeverTested) {
  Tested("BT-K8-01", 12.34, RunResult::kSuccess);  // paperless: RTO 4h
  Tested("BT-WIKI", 75, RunResult::kFailed);       // wiki: RTO 1m
  Runbook rb = Build();
  EXPECT_TRUE(rb.services[0].scenarios[0].tests[0].WithinRto());
  EXPECT_FALSE(rb.services[1].scenarios[0].tests[0].WithinRto());
  const std::string en = Markdown(rb, Language::kEnglish), de = Markdown(rb, Language::kGerman);
  EXPECT_TRUE(Has(en, ": pass, measured restore time `12.3 s`, within the RTO of 4h; Responsible: `bob`")) << en;
  EXPECT_TRUE(Has(en, ": FAIL, measured restore time `1m15s`, OVER the RTO of 1m")) << en;
  EXPECT_TRUE(Has(en, "`BT-LH-01` (volume, every 3mo): never tested")) << en;
  EXPECT_TRUE(Has(de, ": bestanden, gemessene Wiederherstellungszeit `12.3 s`, innerhalb des RTO von 4h; Verantwortlich: `bob`"))
      << de;
  EXPECT_TRUE(Has(de, ": FEHLGESCHLAGEN, gemessene Wiederherstellungszeit `1m15s`, ÜBER dem RTO von 1m")) << de;
  EXPECT_TRUE(Has(de, "`BT-LH-01` (volume, alle 3mo): nie getestet")) << de;
  EXPECT_TRUE(Has(de, "### Dateien verloren — `paperless`"));
  EXPECT_TRUE(Has(de, "### Namespace gelöscht — `paperless`"));
  EXPECT_TRUE(Has(de, "### Volume verloren — `paperless`"));
  EXPECT_TRUE(Has(de, "## Cluster verloren"));
  EXPECT_TRUE(Has(en, "## Cluster lost"));
  EXPECT_TRUE(Has(de, "- **Klassifizierung:** critical"));
  auto j = RunbookJson(rb);
  EXPECT_EQ(j["services"][0]["scenarios"][0]["tests"][0]["last"]["within_rto"], true);
  EXPECT_TRUE(j["services"][0]["scenarios"][2]["tests"][0]["last"].is_null());
}

TEST_F(RunbookTest, ValidationFromTheCoveringTests) {
  const std::string text = RenderRunbookText(MakeRunbookDocument(Build("paperless"), Language::kEnglish));
  EXPECT_TRUE(Has(text, "- paperless/data/paperless-data/db.sqlite3 exists in the restored tree (checked by BT-K8-01)")) << text;
  EXPECT_TRUE(Has(text, "- at least 5 files are restored (checked by BT-K8-01)"));
  EXPECT_TRUE(Has(text, "- Deployment/paperless is back in the namespace (checked by BT-VL-01)"));
  EXPECT_TRUE(Has(text, "- e2fsck -fn on the restored image exits 0"));
  EXPECT_TRUE(Has(text, "$ hort --config " + (dir_ / "hort.yaml").string() + " test run BT-K8-01"));
}

TEST_F(RunbookTest, MarkdownEscapesTextAndFencesCode) {
  EXPECT_EQ(MarkdownEscape("a_b*[c]|<d>#`e`~"), "a\\_b\\*\\[c\\]\\|\\<d\\>\\#\\`e\\`\\~");
  const std::string md = Markdown(Build("paperless"), Language::kEnglish);
  // A smoke command holding backticks is fenced by more of them.
  EXPECT_TRUE(Has(md, "`` echo `ok` `` succeeds and prints `ok`")) << md;
  RunbookDocument doc{.blocks = {{Block::Kind::kBullet, {{"owner *x*_", false}, {"a|b", true}}, {}}}};
  EXPECT_EQ(RenderRunbookMarkdown(doc), "- owner \\*x\\*\\_`a|b`\n");
}

TEST_F(RunbookTest, UnknownServiceNamesTheKnownOnes) {
  auto rb = BuildRunbook(*catalog_, *state_, now_, "nope");
  ASSERT_FALSE(rb.ok());
  EXPECT_EQ(rb.status().code(), Code::kNotFound);
  EXPECT_TRUE(Has(rb.status().message(), "no service \"nope\"")) << rb.status().message();
  EXPECT_TRUE(Has(rb.status().message(), "(services: paperless, wiki)"));
}

}  // namespace
}  // namespace hort

namespace hort {
namespace {

// A drill of the offsite repository alone: the cold start still restores
// what services write to a repository no offsite copy carries there.
TEST_F(RunbookTest, ColdStartRestoresEveryRepositoryServicesWriteTo) {
  std::string text = kCatalog;
  text.replace(text.find("  BT-DR-01: {type: dr,"), std::string("  BT-DR-01: {type: dr,").size(),
               "  BT-DR-01: {type: dr, repositories: [keys],");
  std::ofstream(dir_ / "hort.yaml") << text;
  auto c = LoadCatalog((dir_ / "hort.yaml").string());
  ASSERT_TRUE(c.ok()) << c.status().message();
  catalog_ = std::move(*c);
  Runbook rb = Build();
  std::vector<std::string> stores;
  for (const RecoveryPoint& p : rb.cluster.points) stores.push_back(p.store);
  EXPECT_EQ(stores, (std::vector<std::string>{"keys", "main"})) << "paperless writes to main, which keys holds no copy of";
  ASSERT_EQ(rb.cluster.tests.size(), 1u);
  std::vector<std::string> wiki_stores;  // `runbook -s wiki`: paperless's repository is not wiki's business
  for (const RecoveryPoint& p : Build("wiki").cluster.points) wiki_stores.push_back(p.store);
  EXPECT_EQ(wiki_stores, (std::vector<std::string>{"keys"}));
}

}  // namespace
}  // namespace hort
