// The programs hort has started and not yet reaped (dump commands, hooks,
// --stdin-from-command), so a process that exits at once (a second SIGTERM)
// does not leave them running: a `pg_dumpall` outliving the daemon that
// started it keeps its database connection and writes into a closed pipe.
#pragma once

#include <sys/types.h>

namespace hort {

// `pid` was started; `own_group`: it leads its own process group (its
// children go with it).
void ChildStarted(pid_t pid, bool own_group);
void ChildReaped(pid_t pid);
// Sends SIGKILL to every registered child (its group, when it has one). For
// the exit path only: children are not reaped here.
void KillChildrenForExit();

}  // namespace hort
