// The one command table. Each command lives in its own cmd_<name>.cc.
#include "cli/command.h"

namespace hort::cli {

Command AddInit(CLI::App&, GlobalOptions&);
Command AddVersion(CLI::App&, GlobalOptions&);
Command AddBackup(CLI::App&, GlobalOptions&);
Command AddSnapshots(CLI::App&, GlobalOptions&);
Command AddLs(CLI::App&, GlobalOptions&);
Command AddCat(CLI::App&, GlobalOptions&);
Command AddRestore(CLI::App&, GlobalOptions&);
Command AddCheck(CLI::App&, GlobalOptions&);
Command AddForget(CLI::App&, GlobalOptions&);
Command AddPrune(CLI::App&, GlobalOptions&);
Command AddUnlock(CLI::App&, GlobalOptions&);
Command AddKey(CLI::App&, GlobalOptions&);
Command AddTag(CLI::App&, GlobalOptions&);
Command AddDiff(CLI::App&, GlobalOptions&);
Command AddDump(CLI::App&, GlobalOptions&);
Command AddStats(CLI::App&, GlobalOptions&);
Command AddFind(CLI::App&, GlobalOptions&);
Command AddRepair(CLI::App&, GlobalOptions&);
Command AddRebuildIndex(CLI::App&, GlobalOptions&);
Command AddCopy(CLI::App&, GlobalOptions&);
Command AddConfig(CLI::App&, GlobalOptions&);
Command AddServe(CLI::App&, GlobalOptions&);
Command AddRun(CLI::App&, GlobalOptions&);
Command AddStatus(CLI::App&, GlobalOptions&);
Command AddGuard(CLI::App&, GlobalOptions&);
Command AddMetrics(CLI::App&, GlobalOptions&);
Command AddTest(CLI::App&, GlobalOptions&);
Command AddProtocol(CLI::App&, GlobalOptions&);
Command AddReport(CLI::App&, GlobalOptions&);
Command AddRunbook(CLI::App&, GlobalOptions&);
Command AddDr(CLI::App&, GlobalOptions&);
Command AddKube(CLI::App&, GlobalOptions&);
Command AddAgent(CLI::App&, GlobalOptions&);
Command AddResources(CLI::App&, GlobalOptions&);
Command AddVolumes(CLI::App&, GlobalOptions&);
Command AddCache(CLI::App&, GlobalOptions&);
Command AddGenerate(CLI::App&, GlobalOptions&);
Command AddList(CLI::App&, GlobalOptions&);
Command AddMigrate(CLI::App&, GlobalOptions&);
Command AddRecover(CLI::App&, GlobalOptions&);
Command AddMount(CLI::App&, GlobalOptions&);

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec> kCommands = {
      {"init", "Initialize a new repository", AddInit},
      {"backup", "Create a new backup of files and/or directories", AddBackup},
      {"snapshots", "List all snapshots", AddSnapshots},
      {"ls", "List files in a snapshot", AddLs},
      {"cat", "Print internal objects to stdout", AddCat},
      {"restore", "Extract the data from a snapshot", AddRestore},
      {"check", "Check the repository for errors", AddCheck},
      {"forget", "Remove snapshots according to a policy", AddForget},
      {"prune", "Remove unneeded data from the repository", AddPrune},
      {"unlock", "Remove stale locks", AddUnlock},
      {"key", "Manage keys (passwords)", AddKey},
      {"tag", "Modify tags on snapshots", AddTag},
      {"diff", "Show differences between two snapshots", AddDiff},
      {"dump", "Print a file, or a directory as tar, from a snapshot", AddDump},
      {"stats", "Scan the repository and show basic statistics", AddStats},
      {"find", "Find a file, a directory or restic IDs", AddFind},
      {"list", "List objects in the repository", AddList},
      {"recover", "Recover data from the repository not referenced by snapshots", AddRecover},
      {"migrate", "Apply migrations", AddMigrate},
      {"cache", "Operate on local cache directories", AddCache},
      {"mount", "Not supported: use restore or dump (restic mounts the repository with FUSE)", AddMount},
      {"generate", "Generate manual pages and auto-completion files (bash, fish, zsh)", AddGenerate},
      {"copy", "Copy snapshots from one repository to another", AddCopy},
      {"repair", "Repair the index or snapshots", AddRepair},
      {"rebuild-index", "Build a new index from the pack files (same as 'repair index')", AddRebuildIndex},
      {"config", "Check the catalog (hort.yaml)", AddConfig},
      {"serve", "Run the scheduler daemon with /metrics and a status page", AddServe},
      {"run", "Run a catalog job (or every job of a service) now", AddRun},
      {"status", "Show every service's backups against its RPO", AddStatus},
      {"guard", "Back up chosen services now, tagged pre-<topic>", AddGuard},
      {"metrics", "Print the Prometheus metrics, or write a textfile", AddMetrics},
      {"test", "Run, list and show due restore tests of the catalog's test plan", AddTest},
      {"protocol", "Print the restore-test protocol", AddProtocol},
      {"report", "Print the per-service documentation and the test plan", AddReport},
      {"runbook", "Print the restore runbook: per service and scenario the commands, backups and restore tests", AddRunbook},
      {"dr", "Disaster-recovery drill: restore and verify every group of a repository", AddDr},
      {"resources", "Back up and restore cluster objects (Velero's layout); verify Velero backups", AddResources},
      {"volumes", "Back up, restore, verify and thin out block volumes in Longhorn's backupstore", AddVolumes},
      {"kube", "Check hort's access to the cluster; show which PVCs nothing protects", AddKube},
      {"agent", "Run the node agent: back up and restore the claims mounted on this node", AddAgent},
      {"version", "Print version information", AddVersion},
  };
  return kCommands;
}

}  // namespace hort::cli
