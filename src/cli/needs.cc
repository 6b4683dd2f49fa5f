// Opening what a command declared it needs, in one place for every command:
// the catalog (and its state), or a repository with its lock and index.
#include "cli/catalog_cli.h"
#include "cli/command.h"

namespace hort::cli {

namespace {

Result<Opened> Open(const GlobalOptions& g, const Needs& needs) {
  Opened out;
  if (needs.catalog || needs.state || (needs.catalog_if_named && !g.config.empty())) {
    HORT_ASSIGN_OR_RETURN(out.catalog, LoadCatalogForCli(g.config));
    // -o on the command line wins over a repository's or location's
    // `options:` for this process, as restic's -o over its environment.
    HORT_ASSIGN_OR_RETURN(auto given, ExtendedOptionsFrom(g));
    for (const auto& [key, value] : given) {
      for (auto& [name, repository] : out.catalog->repositories) repository.options[key] = value;
      for (auto& [name, location] : out.catalog->velero.locations) location.options[key] = value;
    }
    if (needs.state) {
      HORT_ASSIGN_OR_RETURN(out.state, OpenCatalogState(*out.catalog));
    }
  }
  if (needs.repository) {
    const OpenLock lock = g.no_lock && !needs.lock_always ? OpenLock::kNone : needs.lock;
    HORT_ASSIGN_OR_RETURN(out.repository, OpenRepository(g, lock, needs.index, needs.warm_up, needs.lock_settle));
  }
  return out;
}

}  // namespace

Result<Opened> OpenNeeds(const GlobalOptions& g, const Needs& needs) {
  auto opened = Open(g, needs);
  if (!opened.ok() && needs.context) return opened.status().Annotate(needs.context);
  return opened;
}

}  // namespace hort::cli
