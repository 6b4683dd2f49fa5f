#include <cstdio>

#include "cli/command.h"

namespace hort::cli {

Command AddUnlock(CLI::App& sub, GlobalOptions& g) {
  auto remove_all = std::make_shared<bool>(false);
  sub.add_flag("--remove-all", *remove_all, "remove all locks, even non-stale ones");
  return MakeCommand(NeedsRepository(OpenLock::kNone, false), [remove_all, &g](Opened& o) {
    auto r = RemoveLocks(o.repo(), *remove_all);
    if (!r.ok()) return Fail(r.status());
    if (!g.quiet) std::printf("successfully removed %zu locks\n", r->removed);
    return kExitOk;
  });
}

}  // namespace hort::cli
