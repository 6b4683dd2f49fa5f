// The one command table. Each command lives in its own cmd_<name>.cc.
#include "cli/command.h"

namespace hort::cli {

Runner AddInit(CLI::App&, GlobalOptions&);
Runner AddVersion(CLI::App&, GlobalOptions&);
Runner AddBackup(CLI::App&, GlobalOptions&);
Runner AddSnapshots(CLI::App&, GlobalOptions&);
Runner AddLs(CLI::App&, GlobalOptions&);
Runner AddCat(CLI::App&, GlobalOptions&);
Runner AddRestore(CLI::App&, GlobalOptions&);
Runner AddCheck(CLI::App&, GlobalOptions&);
Runner AddForget(CLI::App&, GlobalOptions&);
Runner AddPrune(CLI::App&, GlobalOptions&);
Runner AddUnlock(CLI::App&, GlobalOptions&);
Runner AddKey(CLI::App&, GlobalOptions&);
Runner AddTag(CLI::App&, GlobalOptions&);
Runner AddDiff(CLI::App&, GlobalOptions&);
Runner AddDump(CLI::App&, GlobalOptions&);
Runner AddStats(CLI::App&, GlobalOptions&);
Runner AddFind(CLI::App&, GlobalOptions&);
Runner AddRepair(CLI::App&, GlobalOptions&);
Runner AddRebuildIndex(CLI::App&, GlobalOptions&);
Runner AddCopy(CLI::App&, GlobalOptions&);
Runner AddConfig(CLI::App&, GlobalOptions&);
Runner AddServe(CLI::App&, GlobalOptions&);
Runner AddRun(CLI::App&, GlobalOptions&);
Runner AddStatus(CLI::App&, GlobalOptions&);
Runner AddGuard(CLI::App&, GlobalOptions&);
Runner AddMetrics(CLI::App&, GlobalOptions&);
Runner AddTest(CLI::App&, GlobalOptions&);
Runner AddProtocol(CLI::App&, GlobalOptions&);
Runner AddReport(CLI::App&, GlobalOptions&);
Runner AddDr(CLI::App&, GlobalOptions&);

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
      {"dr", "Disaster-recovery drill: restore and verify every group of a repository", AddDr},
      {"version", "Print version information", AddVersion},
  };
  return kCommands;
}

}  // namespace hort::cli
