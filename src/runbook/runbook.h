// The restore runbook (`hort runbook`, the dashboard's /runbook): for each
// service and each loss scenario its catalog entries make meaningful, the
// newest backups the state recorded, the exact hort commands that bring them
// back, the restore tests that cover the scenario with what they last
// measured against the service's RTO, who is responsible, and how to validate.
//
// The model holds no words: runbook_document.h renders it in one language,
// runbook_json.h as JSON. Everything comes from the catalog and the state;
// no repository is opened, so the runbook needs no password.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "state/state.h"

namespace hort {

enum class Scenario { kFilesLost, kNamespaceDeleted, kVolumeLost, kClusterLost };
[[nodiscard]] const char* ScenarioKey(Scenario s);  // files-lost, namespace-deleted, volume-lost, cluster-lost
// The type of restore test that covers the scenario (files, resources, volume, dr).
[[nodiscard]] RestoreTestSpec::Type ScenarioTestType(Scenario s);

// What a command line is for; the renderer puts the caption before it.
enum class StepPurpose {
  kRestoreToFolder,      // hort restore ID --target DIR --verify
  kRestoreToClaim,       // hort restore ID --to-pvc NS/PVC (hort agent, in the cluster)
  kDumpToFile,           // hort dump ID /<ns>-<container><ext>
  kListSnapshots,        // hort snapshots --host NS --path P
  kResourcesDryRun,      // resources restore … --namespace-mappings NS:NS-restore-test --dry-run
  kResourcesIntoScratch, // … without --dry-run, looked at, deleted
  kResourcesInPlace,     // resources restore ID
  kVolumeRestore,        // volumes restore … --to IMG; e2fsck -fn IMG
  kVolumeList,           // volumes ls
  kDrRestore,            // dr --target DIR
  kRepeatTest,           // test run ID
};

struct RunbookCommand {
  StepPurpose purpose;
  std::vector<std::string> lines;  // shell lines, arguments quoted
};

// How to tell that a restore worked.
struct RunbookCheck {
  enum class Kind {
    kExpectPath,     // value: a path the restore test expects (relative to its scratch target)
    kExpectObject,   // value: Kind/name that must be back
    kMinFiles,       // value: a count
    kMinBytes,       // value: a size text
    kSmoke,          // value: a shell command; contains: text its output must contain
    kRestoreVerify,  // restore --verify re-reads every file against the snapshot
    kDryRunClean,    // the dry run fails no object
    kBlocksChecked,  // every block is checked against its name while restoring
    kE2fsck,         // e2fsck -fn on the image exits 0
    kDrVerified,     // hort dr verifies every group
  } kind;
  std::string value, contains, test;  // test: the restore test that checks it ("" for hort's own checks)
};

// One catalog entry's newest backup (or a repository's, for a lost cluster).
struct RecoveryPoint {
  std::string job;       // <service>/<layer>/<entry>; empty for a repository
  std::string what;      // /data/paperless-data, /resources/manifests.tar, the volume's name, the repository's
  std::string id;        // full snapshot ID or backup-<16 hex>; empty: nothing recorded yet
  std::string short_id;  // 8 hex of a snapshot, the backup's name
  double time = 0;       // when the run that wrote it ended
  std::string store;     // volumes: the volume store; repositories: the repository's name
  std::string s3_keys;   // a credentials file or command the commands' S3 keys come from ("" when the environment)
  bool longhorn_ui = false;  // Longhorn's UI can restore it too
  std::vector<RunbookCommand> commands;
};

// A restore test of the plan that covers the scenario, and its last run.
struct CoveringTest {
  const RestoreTestSpec* spec = nullptr;
  std::optional<TestRecord> last;  // nullopt: never tested
  int64_t rto_seconds = 0;  // the measured time is held against this (the service's RTO; 0: none)
  [[nodiscard]] bool WithinRto() const { return last && rto_seconds > 0 && last->restore_seconds <= rto_seconds; }
};

struct ScenarioSection {
  Scenario scenario = Scenario::kFilesLost;
  std::vector<RecoveryPoint> points;
  std::vector<CoveringTest> tests;
  std::vector<RunbookCheck> checks;
  std::string responsible;           // the covering tests' responsible, else the service's owner
  std::vector<std::string> order;    // cluster lost: the services to restore, critical first
};

struct ServiceRunbook {
  const Service* service = nullptr;
  std::vector<ScenarioSection> scenarios;  // only those its entries make meaningful
};

struct Runbook {
  std::string catalog_path;  // absolute: the commands name it
  double generated = 0;
  std::vector<ServiceRunbook> services;
  ScenarioSection cluster;  // cluster lost: once, for every service
};

// `only_service` empty: every service. An unknown service is kNotFound
// naming the catalog's services.
[[nodiscard]] Result<Runbook> BuildRunbook(const Catalog& catalog, StateStore& state, double now,
                                           const std::string& only_service);

}  // namespace hort
