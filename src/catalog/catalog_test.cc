#include "catalog/catalog.h"

#include <gtest/gtest.h>

#include "catalog/catalog_test_support.h"

#include <filesystem>
#include <fstream>
#include <set>

namespace hort {
namespace {

namespace fs = std::filesystem;

const char* kMinimal = R"(repositories:
  main:
    url: ./repo
    password_env: PW
services:
  app:
    classification: critical
    rpo: 1d
    files:
      - path: /srv/app
        schedule: "@daily"
        repository: main
)";

TEST(CatalogExample, HomelabLoads) {
  CatalogErrors errors;
  auto c = LoadCatalog(HORT_SOURCE_DIR "/examples/homelab.yaml", &errors);
  ASSERT_TRUE(c.ok()) << c.status().message();
  const Catalog& cat = **c;
  EXPECT_EQ(cat.timezone, "Europe/Berlin");
  ASSERT_EQ(cat.services.size(), 3u);
  const Service* p = cat.FindService("paperless");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->ns, "productivity");
  EXPECT_EQ(p->classification, Classification::kCritical);
  EXPECT_EQ(p->rpo_seconds, 86400);
  EXPECT_EQ(p->rto_seconds, 4 * 3600);
  ASSERT_EQ(p->files.size(), 3u);
  EXPECT_EQ(p->files[0].SnapshotPaths(p->ns), std::vector<std::string>{"/data/paperless-data"});
  EXPECT_TRUE(p->files[0].ViaAgent());  // no source: hort agent reads the claim
  EXPECT_EQ(cat.UsedLayers(), (std::vector<std::string>{"files", "agent", "resources", "volumes"}));
  EXPECT_TRUE(p->files[0].verify.enabled);
  EXPECT_EQ(p->files[2].SnapshotPaths(p->ns), std::vector<std::string>{"/productivity-postgres.sql"});
  EXPECT_EQ(p->files[2].schedule.effective(), "0 */6 * * *");
  EXPECT_EQ(p->files[2].keep.last, 8);
  EXPECT_EQ(p->files[1].keep.daily, 7);  // from defaults
  EXPECT_EQ(p->files[1].repository, "primary");
  // @daily-random is seeded per service, like K8up's "<namespace>/<schedule>@backup".
  EXPECT_EQ(p->files[0].schedule.effective(), *K8upRandomSchedule("@daily-random", "productivity/paperless@backup"));
  ASSERT_EQ(p->resources.size(), 1u);
  EXPECT_EQ(p->resources[0].name, "manifests");
  EXPECT_EQ(p->resources[0].namespaces, std::vector<std::string>{"productivity"});
  EXPECT_EQ(p->resources[0].SnapshotPath(), "/resources/manifests.tar");
  EXPECT_NE(cat.FindJob("paperless/resources/manifests"), nullptr);
  ASSERT_EQ(p->volumes.size(), 1u);
  const VolumesEntry& v = p->volumes[0];
  EXPECT_EQ(v.kind, VolumesEntry::Kind::kPvc);
  EXPECT_EQ(v.name, "paperless-data");
  EXPECT_EQ(v.volume, "");  // the Longhorn volume behind the claim, found when it runs
  EXPECT_EQ(v.store, "nas");
  EXPECT_EQ(v.keep.weekly, 4);
  ASSERT_TRUE(v.snapshots);
  EXPECT_EQ(v.snapshots->kind, VolumeSnapshotSpec::Kind::kCsi);
  EXPECT_EQ(v.snapshots->class_name, "longhorn-snapshot");
  EXPECT_EQ(v.snapshots->keep.hourly, 24);
  EXPECT_EQ(cat.volume_stores.at("nas").mount_point, "/mnt/longhorn-backups");
  const JobSpec* vb = cat.FindJob("paperless/volumes/paperless-data");
  ASSERT_NE(vb, nullptr);
  EXPECT_EQ(vb->kind, JobSpec::Kind::kBackup);
  EXPECT_EQ(vb->TargetName(), "nas");
  EXPECT_EQ(vb->RowLabel(), "volumes");
  const JobSpec* vs = cat.FindJob("paperless/volumes/paperless-data/snapshots");
  ASSERT_NE(vs, nullptr);
  EXPECT_EQ(vs->KindName(), std::string("snapshot"));
  EXPECT_EQ(vs->schedule, &v.snapshots->schedule);
  EXPECT_EQ(vs->TargetName(), "");
  ASSERT_NE(cat.FindJob("paperless/files/db"), nullptr);
  ASSERT_NE(cat.FindJob("check/primary"), nullptr);
  const JobSpec* copy = cat.FindJob("offsite/nightly");
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->source->name, "primary");
  EXPECT_EQ(copy->repository->name, "offsite");
  EXPECT_EQ(cat.jobs.size(), 5u + 1u + 2u + 2u + 1u);  // files, resources, volumes (backup, snapshots), checks, offsite
  // The strategy's four tests.
  ASSERT_EQ(cat.tests.size(), 4u);
  EXPECT_EQ(cat.FindTest("BT-K8-01")->services.at(0)->name, "overseerr");
  EXPECT_EQ(cat.FindTest("BT-VL-01")->services.size(), 2u);
  EXPECT_TRUE(cat.FindTest("BT-LH-01")->LayerAvailable());
  EXPECT_TRUE(cat.FindTest("BT-VL-01")->LayerAvailable());
  EXPECT_EQ(cat.FindTest("BT-DR-01")->repositories.size(), 2u);
  EXPECT_EQ(cat.alertmanager_url, "http://alertmanager.monitoring.svc:9093");
}

TEST_F(CatalogTest, RelativePathsResolveNextToTheCatalog) {
  auto c = LoadCatalog(Write(kMinimal));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ((*c)->repositories.at("main").url, (dir_ / "repo").string());
  EXPECT_EQ((*c)->state_path, (dir_ / "hort-state.sqlite").string());
  EXPECT_EQ((*c)->jobs.size(), 1u);
  EXPECT_EQ((*c)->jobs[0].id, "app/files/app");
  EXPECT_EQ((*c)->kubernetes.qps, 0);  // hort's default (kube/rate_limiter.h)
  auto limited = LoadCatalog(Write(std::string(kMinimal) + "kubernetes: {qps: 50, burst: 100}\n"));
  ASSERT_TRUE(limited.ok()) << limited.status().message();
  EXPECT_EQ((*limited)->kubernetes.qps, 50);
  EXPECT_EQ((*limited)->kubernetes.burst, 100);
}

// A password file that is not there is a warning: the catalog still loads,
// since it is often checked away from the pod that mounts the secret.
TEST_F(CatalogTest, APasswordFileThatIsNotThereIsAWarning) {
  std::string text = kMinimal;
  text.replace(text.find("password_env: PW"), 16, "password_file: missing.txt");
  auto c = LoadCatalog(Write(text));
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ((*c)->warnings.size(), 1u);
  EXPECT_NE((*c)->warnings[0].find("repositories.main.password_file: " + (dir_ / "missing.txt").string() + " is not a file here"),
            std::string::npos) << (*c)->warnings[0];
  std::ofstream((dir_ / "missing.txt").string()) << "pw\n";
  auto present = LoadCatalog(Write(text));
  ASSERT_TRUE(present.ok());
  EXPECT_TRUE((*present)->warnings.empty());
}

// Found by checks in another order (the password sources after the keys,
// the services after the repositories), listed top-down as a reader fixes them.
TEST_F(CatalogTest, ErrorsAreListedInTheFilesOrder) {
  const auto errors = Errors("services:\n  - name: a\nrepositories:\n  main:\n    url: ./r\n    password_fil: /p\n");
  ASSERT_EQ(errors.size(), 3u) << ::testing::PrintToString(errors);
  EXPECT_NE(errors[0].find(":2:3: services: "), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find(":5:5: repositories.main: needs one password source"), std::string::npos) << errors[1];
  EXPECT_NE(errors[2].find(":6:5: repositories.main.password_fil: unknown key"), std::string::npos) << errors[2];
}

TEST_F(CatalogTest, ErrorsNameFileLineAndKey) {
  std::string file = (dir_ / "hort.yaml").string();
  auto one = [&](const std::string& text, const std::string& expect) {
    auto errors = Errors(text);
    ASSERT_FALSE(errors.empty()) << "accepted: " << text;
    bool found = false;
    for (const auto& e : errors) found = found || e.find(expect) != std::string::npos;
    EXPECT_TRUE(found) << "expected \"" << expect << "\" in:\n" << ::testing::PrintToString(errors);
    EXPECT_EQ(errors[0].rfind(file + ":", 0), 0u) << errors[0];
  };
  std::string m = kMinimal;
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = m;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  one(replace("    rpo: 1d\n", "    rpo: 1d\n    colour: blue\n"), ":9:5: services.app.colour: unknown key");
  one(replace("rpo: 1d", "rpo: one day"), ":8:10: services.app.rpo: invalid duration \"one day\"");
  {  // a rule that fails its own check is the one error: not also "keeps nothing"
    const auto errors = Errors(replace("        repository: main\n", "        repository: main\n        keep: {last: three}\n"));
    ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
    EXPECT_NE(errors[0].find("keep.last"), std::string::npos) << errors[0];
  }
  one(replace("\"@daily\"", "\"61 * * * *\""), ":11:19: services.app.files[0].schedule: invalid schedule \"61 * * * *\": minute 61 out of range");
  one(replace("repository: main", "repository: backup"), ":12:21: services.app.files[0].repository: no repository named \"backup\"");
  one(replace("critical", "vital"), "services.app.classification: expected critical, important or best-effort");
  one(m + "  app:\n    classification: critical\n    rpo: 1d\n", ":13:3: services.app: duplicate name");
  one(replace("      - path: /srv/app\n", "      - path: /srv/app\n        name: x\n      - path: /srv/b\n        name: x\n        schedule: \"@daily\"\n        repository: main\n"),
      "duplicate entry name \"x\"");
  one(replace("    password_env: PW\n", ""), "repositories.main: needs one password source");
  one(replace("    password_env: PW\n", "    password_env: PW\n    password_file: /x\n"), "give only one of");
  one(replace("    password_env: PW\n", "    password_env: PW\n    credentials: {}\n"),
      "repositories.main.credentials: needs one source: env, file or command");
  one(replace("    password_env: PW\n", "    password_env: PW\n    credentials: {file: /k, command: x}\n"),
      "repositories.main.credentials: give only one of env, file and command");
  one(replace("    password_env: PW\n", "    password_env: PW\n    credentials: {env: {secret_access_key: \"wJalr/K7MDENG+bPx\"}}\n"),
      "repositories.main.credentials.env.secret_access_key: expected the upper-case name of an environment variable, not a value");
  // A real-looking secret without '/' or '+' is refused too: it is not an upper-case name.
  one(replace("    password_env: PW\n", "    password_env: PW\n    credentials: {env: {secret_access_key: wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY}}\n"),
      "expected the upper-case name of an environment variable");
  one(replace("    password_env: PW\n", "    password_env: PW\n    options: {bogus: x}\n"),
      "repositories.main.options.bogus: option bogus is not known");
  one(replace("    password_env: PW\n", "    password_env: PW\n    options: {retry.max-time: soon}\n"),
      "repositories.main.options.retry.max-time: retry.max-time must be a positive number of seconds");
  one(replace("    password_env: PW\n", "    password_env: PW\n    credentials: {command: x, profile: p}\n"),
      "repositories.main.credentials.profile: only with file");
  one(replace("    rpo: 1d\n", ""), "services.app.rpo: is required");
  one(replace("path: /srv/app", "path: srv/app"), "paths must be absolute");
  one(replace("path: /srv/app", "pvc: data\n        dump: {command: x, container: c}"), "needs exactly one of path, pvc, dump and k8up_annotations");
  one(m + "offsite:\n  x: {from: main, to: elsewhere, schedule: \"@daily\"}\n", "offsite.x.to: no repository named \"elsewhere\"");
  // A subset check would refuse at its hour is refused when the catalog loads.
  one(replace("    password_env: PW\n", "    password_env: PW\n    check: {schedule: \"@weekly\", read_data_subset: 1/2/3}\n"),
      "repositories.main.check.read_data_subset: invalid --read-data-subset \"1/2/3\"");
  one(replace("        repository: main\n", "        repository: main\n        verify: {read_data_subset: 0k}\n"),
      "services.app.files[0].verify.read_data_subset: invalid --read-data-subset \"0k\"");
  // Issue #25: an empty name aborted every catalog command (std::out_of_range).
  one(m + "offsite:\n  x: {from: \"\", to: main, schedule: \"@daily\"}\n", "offsite.x.from: must name a repository, got \"\"");
  one(m + "offsite:\n  x: {from: main, to: \"\", schedule: \"@daily\"}\n", "offsite.x.to: must name a repository, got \"\"");
  one(m + "timezone: Mars/Olympus\n", "unknown time zone");
  one(m + "kubernetes: {qps: 0}\n", "kubernetes.qps");
  one(m + "kubernetes: {burst: 5000}\n", "kubernetes.burst");
  one("repositories: [1\n", ":2:1: end of sequence flow not found");
  // The volumes layer.
  const std::string stores = m + "volume_stores:\n  nas: {url: ./store}\n";
  auto vol = [&](const std::string& entry) {
    std::string s = stores;
    return s.replace(s.find("    rpo: 1d\n"), 12, "    rpo: 1d\n    volumes:\n      - " + entry + "\n");
  };
  EXPECT_EQ(Errors(vol("{pvc: x, schedule: \"@daily\", store: nas}")), std::vector<std::string>{});
  one(vol("{pvc: x, schedule: \"@often\", store: nas}"), "services.app.volumes[0].schedule: invalid schedule");
  one(vol("{pvc: x, schedule: \"@daily\", repository: main}"), "services.app.volumes[0].repository: unknown key");
  one(vol("{pvc: x, schedule: \"@daily\", store: nope}"), "services.app.volumes[0].store: no store named \"nope\" in volume_stores");
  one(vol("{pvc: x, schedule: \"@daily\", store: \"\"}"), "services.app.volumes[0].store: must name a store in volume_stores, got \"\"");
  one(vol("{pvc: x, device: /dev/sdb, schedule: \"@daily\", store: nas}"), "needs exactly one of pvc, device and image");
  one(vol("{image: /x.img, schedule: \"@daily\", store: nas}"), "a device or image entry needs a name or a volume");
  one(vol("{image: /x.img, volume: ../etc, schedule: \"@daily\", store: nas}"), "services.app.volumes[0].volume: volume name");
  one(vol("{image: /x.img, volume: a/b, schedule: \"@daily\", store: nas}"), "volume name");
  one(vol("{image: /x.img, name: v, schedule: \"@daily\", store: nas, snapshots: {schedule: \"@hourly\", keep: {last: 3}}}"),
      "only pvc entries take snapshots");
  one(vol("{pvc: x, schedule: \"@daily\", store: nas, snapshots: {schedule: \"@hourly\"}}"), "needs keep");
  one(vol("{pvc: x, schedule: \"@daily\", store: nas, snapshots: {schedule: \"@hourly\", keep: {last: 2}, longhorn: true, class: c}}"),
      "a VolumeSnapshotClass is for CSI snapshots");
  one(vol("{pvc: x, schedule: \"@daily\", store: nas, snapshots: {schedule: \"@hourly\", keep: {last: 2, tags: [a]}}}"),
      "services.app.volumes[0].snapshots.keep.tags: snapshots carry no tags");
  one(vol("{pvc: x, volume: vx, schedule: \"@daily\", store: nas, longhorn: {trigger_backup: true}}"),
      "services.app.volumes[0].volume: Longhorn names a triggered backup's volume itself");
  one(vol("{pvc: x, name: \"Docs Archive\", schedule: \"@daily\", store: nas}"), "an entry name takes letters, digits");
  one(vol("{pvc: x, name: " + std::string(60, 'n') + ", schedule: \"@daily\", store: nas, snapshots: {schedule: \"@hourly\", keep: {last: 1}}}"),
      "is not a Kubernetes label value");
  one(vol("{image: /x.img, name: v, schedule: \"@daily\", store: nas, longhorn: {trigger_backup: true}}"),
      "only a pvc entry has a Longhorn volume");
  one(vol("{pvc: x, schedule: \"@daily\", store: nas}\n      - {pvc: x, name: y, schedule: \"@daily\", store: nas}"),
      "backs up claim app/x to store nas, as app/volumes/x does");
  // A volume test restores block images: expect/min_files would only fail at run time.
  for (const char* k : {"expect: [app/x]", "min_files: 3"}) {
    one(vol("{pvc: x, schedule: \"@daily\", store: nas}") + "tests:\n  BT-LH-01: {type: volume, scope: app, every: 3mo, validate: {" + k + "}}\n",
        "tests.BT-LH-01.validate." + std::string(k).substr(0, std::string(k).find(':')) +
            ": does not apply to a volume test: check inside the image with a command on $HORT_TEST_IMAGE");
  }
  EXPECT_EQ(Errors(vol("{pvc: x, schedule: \"@daily\", store: nas}") +
                   "tests:\n  BT-LH-01: {type: volume, scope: app, every: 3mo, validate: {min_bytes: 1}}\n"),
            std::vector<std::string>{});
  one(m + "volume_stores:\n  nas: {url: \"azblob://c/p\"}\n", "volume_stores.nas.url: store URL azblob://c/p: unknown kind");
  one(m + "volume_stores:\n  nas: {url: ./store, mount_point: /mnt}\n", "only nfs:// and cifs:// stores are mounted");
  one(m + "volume_stores:\n  nas: {url: ./store, password_file: x}\n", "volume_stores.nas.password_file: unknown key");
  // The test plan.
  auto test = [&](const std::string& body) { return m + "tests:\n  T-1:\n" + body; };
  one(test("    type: files\n    scope: nowhere\n    every: 3mo\n"), "tests.T-1.scope: no service or namespace named \"nowhere\"");
  one(test("    type: backup\n    scope: app\n    every: 3mo\n"), "tests.T-1.type: expected files, resources, volume or dr");
  one(test("    type: files\n    scope: app\n    every: often\n"), "tests.T-1.every: invalid duration");
  one(test("    type: files\n    scope: app\n"), "tests.T-1.every: is required");
  one(test("    type: files\n    every: 1mo\n"), "tests.T-1.scope: is required");
  one(test("    type: files\n    scope: app\n    every: 1mo\n    repositories: [main]\n"), "only dr tests name repositories");
  one(test("    type: dr\n    every: 1y\n    repositories: [nope]\n"), "tests.T-1.repositories: no repository named \"nope\"");
  one(test("    type: files\n    scope: app\n    every: 1mo\n    validate: {expect: [/abs/path]}\n"), "paths are relative to the scratch target");
  one(test("    type: files\n    scope: app\n    every: 1mo\n    validate: {commands: [{run: x, colour: red}]}\n"),
      "tests.T-1.validate.commands[0].colour: unknown key");
  one(m + "tests:\n  \"a:b\":\n    type: dr\n    every: 1y\n", "a test id may use letters");
  one(test("    type: dr\n    every: 1y\n    scratch_pvc: {size: 1Gi}\n"), "only files tests restore into a scratch claim");
  one(test("    type: files\n    scope: app\n    every: 1mo\n    scratch_pvc: {storage_class: x}\n"), "tests.T-1.scratch_pvc.size: is required");
  one(test("    type: files\n    scope: app\n    every: 1mo\n    scratch_pvc: {size: lots}\n"), "expected a Kubernetes quantity");
  for (const char* size : {"10GG", "10 Gi", "1K", "0", "-1Gi"}) {  // as kube-apiserver reads a quantity
    one(test(std::string("    type: files\n    scope: app\n    every: 1mo\n    scratch_pvc: {size: \"") + size + "\"}\n"),
        "expected a Kubernetes quantity such as 10Gi, greater than zero");
  }
  EXPECT_EQ(Errors(test("    type: files\n    scope: app\n    every: 1mo\n    scratch_pvc: {size: 10Gi, storage_class: longhorn}\n")),
            std::vector<std::string>{});
  one(m + "alertmanager: {url: am.local:9093}\n", "alertmanager.url: expected an http:// or https:// URL");
}

TEST_F(CatalogTest, CredentialsNameTheirSourceNotTheSecret) {
  std::string m = kMinimal;
  auto with = [&](const std::string& credentials) {
    std::string s = m;
    s.replace(s.find("    password_env: PW\n"), 21, "    password_env: PW\n    credentials: " + credentials + "\n");
    auto c = LoadCatalog(Write(s));
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? (*c)->repositories.at("main").credentials : std::nullopt;
  };
  EXPECT_FALSE(LoadCatalog(Write(m)).value()->repositories.at("main").credentials.has_value())
      << "no credentials key: the process environment, as before";
  auto env = with("{env: {access_key_id: OFFSITE_KEY, secret_access_key: OFFSITE_SECRET}}");
  ASSERT_TRUE(env.has_value());
  EXPECT_EQ(env->kind, CredentialSource::Kind::kEnvironment);
  EXPECT_EQ(env->access_key_var, "OFFSITE_KEY");
  EXPECT_EQ(env->secret_key_var, "OFFSITE_SECRET");
  EXPECT_EQ(env->session_token_var, "AWS_SESSION_TOKEN");
  auto file = with("{file: aws/credentials, profile: offsite}");
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->kind, CredentialSource::Kind::kFile);
  EXPECT_EQ(file->file, (dir_ / "aws/credentials").string());
  EXPECT_EQ(file->profile, "offsite");
  auto command = with("{command: pass show s3/offsite}");
  ASSERT_TRUE(command.has_value());
  EXPECT_EQ(command->kind, CredentialSource::Kind::kCommand);
  EXPECT_EQ(command->command, "pass show s3/offsite");
}

TEST_F(CatalogTest, TestPlanResolvesScopes) {
  std::string text = std::string(kMinimal) +
                     "  other:\n    namespace: media\n    classification: important\n    rpo: 1d\n    rto: 2h\n"
                     "  third:\n    namespace: media\n    classification: best-effort\n    rpo: 1d\n    rto: 30m\n"
                     "alertmanager: {url: http://127.0.0.1:9093/}\n"
                     "tests:\n  BT-K8-01:\n    type: files\n    scope: app\n    every: 3mo\n    auto: true\n"
                     "    validate: {expect: [app/srv/app], min_files: 2, commands: ['true', {run: 'sleep 1', timeout: 5s}]}\n"
                     "  BT-VL-01: {type: resources, scope: media, every: 6mo, responsible: bob}\n"
                     "  BT-DR-01: {type: dr, every: 1y}\n";
  auto c = LoadCatalog(Write(text));
  ASSERT_TRUE(c.ok()) << c.status().message();
  const Catalog& cat = **c;
  EXPECT_EQ(cat.alertmanager_url, "http://127.0.0.1:9093");
  ASSERT_EQ(cat.tests.size(), 3u);
  const RestoreTestSpec* k8 = cat.FindTest("BT-K8-01");
  ASSERT_NE(k8, nullptr);
  EXPECT_EQ(k8->every_seconds, 90 * 86400);
  EXPECT_TRUE(k8->auto_run);
  ASSERT_EQ(k8->validate.commands.size(), 2u);
  EXPECT_EQ(k8->validate.commands[1].timeout_seconds, 5);
  EXPECT_EQ(k8->validate.min_files, 2u);
  const RestoreTestSpec* vl = cat.FindTest("BT-VL-01");
  ASSERT_EQ(vl->services.size(), 2u);  // the namespace's services
  EXPECT_EQ(vl->RtoTarget(), 30 * 60);  // the strictest
  EXPECT_TRUE(vl->LayerAvailable());
  EXPECT_TRUE(cat.FindTest("BT-DR-01")->services.empty());
  EXPECT_TRUE(cat.FindTest("BT-DR-01")->LayerAvailable());
}

TEST_F(CatalogTest, TwoServicesCannotShareAResourcesSeries) {
  auto errors = Errors(R"(repositories:
  main: {url: ./repo, password_env: PW}
services:
  paperless:
    namespace: productivity
    classification: critical
    rpo: 1d
    resources: [{schedule: "@daily", repository: main}]
  n8n:
    namespace: productivity
    classification: important
    rpo: 1d
    resources: [{schedule: "@daily", repository: main}]
)");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("would share the snapshot series /resources/resources.tar of namespace productivity"),
            std::string::npos) << errors[0];
}

// Two services in one namespace, each dumping its postgres container to .sql:
// one series, so one retention forgot the other's dumps (a new-user probe).
TEST_F(CatalogTest, TwoFilesEntriesCannotShareASeries) {
  auto errors = Errors(R"(repositories:
  main: {url: ./repo, password_env: PW}
  other: {url: ./other, password_env: PW}
services:
  paperless:
    namespace: productivity
    classification: critical
    rpo: 1d
    files:
      - {name: db, dump: {command: "pg_dumpall", container: postgres, extension: .sql}, schedule: "@daily", repository: main, keep: {last: 5}}
      - {path: /srv/a, schedule: "@daily", repository: main}
      - {name: again, path: /srv/a, schedule: "@daily", repository: other}
  n8n:
    namespace: productivity
    classification: important
    rpo: 1d
    files:
      - {name: db, dump: {command: "pg_dumpall", container: postgres, extension: .sql}, schedule: "@daily", repository: main, keep: {last: 1}}
      - {name: db2, dump: {command: "pg_dumpall", container: postgres, extension: .dump}, schedule: "@daily", repository: main}
      - {name: a, path: /srv/a, schedule: "@daily", repository: main}
)");
  ASSERT_EQ(errors.size(), 2u) << (errors.empty() ? "" : errors[0]);
  EXPECT_NE(errors[0].find("entry \"db\" writes the snapshot series of paperless/files/db (host productivity, "
                           "/productivity-postgres.sql, repository main)"),
            std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("entry \"a\" writes the snapshot series of paperless/files/a"), std::string::npos) << errors[1];
}

TEST_F(CatalogTest, RestoreTestsNeverWriteIntoABackedUpFolder) {
  const char* tail = R"(
repositories:
  main: {url: ./repo, password_env: PW}
services:
  paperless:
    classification: critical
    rpo: 1d
    files:
      - {path: /srv/data, schedule: "@daily", repository: main}
      - {pvc: media, source: /mnt/media/, schedule: "@daily", repository: main}
)";
  auto inside = Errors(std::string("work_dir: /srv/data/hort-work") + tail);
  ASSERT_EQ(inside.size(), 1u);
  EXPECT_NE(inside[0].find("work_dir: /srv/data/hort-work is inside /srv/data, which paperless/files/data backs up"),
            std::string::npos) << inside[0];
  auto same = Errors(std::string("work_dir: /mnt/media") + tail);
  ASSERT_EQ(same.size(), 1u);
  EXPECT_NE(same[0].find("is inside /mnt/media/, which paperless/files/media"), std::string::npos) << same[0];
  EXPECT_TRUE(Errors(std::string("work_dir: /srv/data2") + tail).empty()) << "a sibling with a longer name is outside";
  EXPECT_TRUE(Errors(std::string("work_dir: /srv") + tail).empty()) << "a parent of a source is outside it";
}

// A drill restores repositories: it covers the services whose snapshots are
// in them (directly or through an offsite copy), not every service.
TEST_F(CatalogTest, ADrillCoversTheServicesWhoseRepositoriesItRestores) {
  auto c = LoadCatalog(Write(R"(repositories:
  main: {url: ./main, password_env: PW}
  offsite: {url: ./offsite, password_env: PW}
  far: {url: ./far, password_env: PW}
  other: {url: ./other, password_env: PW}
offsite:
  nightly: {from: main, to: offsite, schedule: "@daily"}
  weekly: {from: offsite, to: far, schedule: "@weekly"}
services:
  paperless: {classification: critical, rpo: 1d, files: [{path: /srv/p, schedule: "@daily", repository: main}]}
  wiki: {classification: important, rpo: 1d, resources: [{name: manifests, schedule: "@daily", repository: other}]}
  stateless: {classification: best-effort, rpo: 7d}
tests:
  DR-FAR: {type: dr, repositories: [far], every: 1y}
  DR-OTHER: {type: dr, repositories: [other], every: 1y}
  DR-ALL: {type: dr, every: 1y}
  DR-WIKI: {type: dr, scope: wiki, repositories: [offsite], every: 1y}
  FILES: {type: files, scope: paperless, every: 3mo}
)"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  const Service& paperless = *(*c)->FindService("paperless");
  const Service& wiki = *(*c)->FindService("wiki");
  const Service& stateless = *(*c)->FindService("stateless");
  auto covers = [&](const char* test, const Service& s) { return (*c)->TestCovers(*(*c)->FindTest(test), s); };
  EXPECT_TRUE(covers("DR-FAR", paperless)) << "main reaches far through two offsite copies";
  EXPECT_FALSE(covers("DR-FAR", wiki));
  EXPECT_FALSE(covers("DR-OTHER", paperless));
  EXPECT_TRUE(covers("DR-OTHER", wiki));
  EXPECT_TRUE(covers("DR-ALL", paperless));
  EXPECT_TRUE(covers("DR-ALL", wiki));
  EXPECT_FALSE(covers("DR-ALL", stateless)) << "a service that backs up nothing is restored by no drill";
  EXPECT_FALSE(covers("DR-WIKI", paperless)) << "outside the scope";
  EXPECT_FALSE(covers("DR-WIKI", wiki)) << "in the scope, but none of its snapshots is in offsite";
  EXPECT_TRUE(covers("FILES", paperless));
  EXPECT_FALSE(covers("FILES", wiki));
  EXPECT_EQ((*c)->CopiedInto({"far"}), (std::set<std::string>{"far", "main", "offsite"}));
}

TEST_F(CatalogTest, AClusterWideEntryTakesNoNamespaces) {
  const char* base = R"(repositories:
  main: {url: ./repo, password_env: PW}
services:
  platform:
    namespace: kube-system
    classification: important
    rpo: 1d
    resources: [{name: cluster, cluster_wide: true, schedule: "@daily", repository: main%s}]
)";
  char ok[512], bad[512];
  std::snprintf(ok, sizeof ok, base, "");
  std::snprintf(bad, sizeof bad, base, ", namespaces: [a]");
  EXPECT_TRUE(Errors(ok).empty());
  auto errors = Errors(bad);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("a cluster_wide entry takes every cluster-scoped object"), std::string::npos) << errors[0];
}

// An entry's backups are named <entry>-<YYYYMMDDHHMMSS>, as Velero's of a
// schedule: a name no Backup can have is refused here, not by a later export.
TEST_F(CatalogTest, AResourcesEntryNameMakesValidVeleroBackupNames) {
  const char* base = R"(repositories:
  main: {url: ./repo, password_env: PW}
services:
  paperless:
    namespace: productivity
    classification: important
    rpo: 1d
    resources: [{name: %s, schedule: "@daily", repository: main}]
)";
  for (const char* name : {"manifests", "configs.v2", "a-1"}) {
    char text[512];
    std::snprintf(text, sizeof text, base, name);
    EXPECT_TRUE(Errors(text).empty()) << name;
  }
  for (const char* name : {"UPPER_case", "-lead", "a_b", "\"x.\""}) {
    char text[512];
    std::snprintf(text, sizeof text, base, name);
    auto errors = Errors(text);
    ASSERT_EQ(errors.size(), 1u) << name;
    EXPECT_NE(errors[0].find("an entry name starts its Velero backups' names (<name>-<YYYYMMDDHHMMSS>): a lowercase "
                             "RFC 1123 subdomain"),
              std::string::npos)
        << errors[0];
  }
}

TEST_F(CatalogTest, VeleroLocationsAreVerifiedOnASchedule) {
  std::string text = std::string(kMinimal) + R"(velero:
  locations:
    nas:
      url: ./bsl
      rpo: 26h
    cloud:
      url: s3:https://s3.example.org/velero/cluster
      credentials: {env: {access_key_id: VELERO_KEY, secret_access_key: VELERO_SECRET}}
      options: {s3.region: eu-central-1}
  verify: {schedule: "@daily", level: 5}
)";
  auto c = LoadCatalog(Write(text));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const VeleroSpec& v = (*c)->velero;
  ASSERT_EQ(v.locations.size(), 2u);
  EXPECT_EQ(v.locations.at("nas").url, (dir_ / "bsl").string());
  EXPECT_EQ(v.locations.at("nas").rpo_seconds, 26 * 3600);
  ASSERT_TRUE(v.locations.at("cloud").credentials.has_value());
  EXPECT_EQ(v.locations.at("cloud").credentials->secret_key_var, "VELERO_SECRET");
  EXPECT_EQ(v.locations.at("cloud").options.at("s3.region"), "eu-central-1");
  ASSERT_TRUE(v.verify.has_value());
  EXPECT_EQ(v.verify->level, 5);
  const JobSpec* job = (*c)->FindJob("velero/nas");
  ASSERT_NE(job, nullptr);
  EXPECT_EQ(job->kind, JobSpec::Kind::kVerify);
  EXPECT_EQ(job->velero, &v.locations.at("nas"));
  EXPECT_STREQ(job->KindName(), "verify");
  EXPECT_EQ(job->RowLabel(), "velero");
  EXPECT_NE((*c)->FindJob("velero/cloud"), nullptr);

  // Locations without `verify` are usable by name; nothing is scheduled.
  auto plain = LoadCatalog(Write(std::string(kMinimal) + "velero: {locations: {nas: {url: ./bsl}}}\n"));
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ((*plain)->FindJob("velero/nas"), nullptr);

  auto errors = Errors(std::string(kMinimal) + "velero: {verify: {schedule: \"@daily\", level: 6}}\n");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find("velero.verify: there are no velero.locations to verify"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("velero.verify.level"), std::string::npos) << errors[1];
  errors = Errors(std::string(kMinimal) + "velero: {locations: {nas: {url: ./bsl, password: x}}}\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("password"), std::string::npos) << errors[0];
  errors = Errors(std::string(kMinimal) +
                  "velero: {locations: {nas: {url: ./bsl, rpo: 1d}}, verify: {schedule: \"@daily\", level: 0}}\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("location nas's rpo needs level 1 or more"), std::string::npos) << errors[0];
  auto classified = LoadCatalog(Write(std::string(kMinimal) +
                                      "velero: {locations: {nas: {url: ./bsl, classification: critical}}}\n"));
  ASSERT_TRUE(classified.ok()) << classified.status().ToString();
  EXPECT_EQ((*classified)->velero.locations.at("nas").classification, Classification::kCritical);
}

TEST_F(CatalogTest, DefaultPathOrder) {
  ::unsetenv("HORT_CONFIG");
  EXPECT_EQ(DefaultCatalogPath(""), "hort.yaml");
  ::setenv("HORT_CONFIG", "/etc/hort.yaml", 1);
  EXPECT_EQ(DefaultCatalogPath(""), "/etc/hort.yaml");
  EXPECT_EQ(DefaultCatalogPath("x.yaml"), "x.yaml");
  ::unsetenv("HORT_CONFIG");
}

}  // namespace
}  // namespace hort
