// What the catalog derives once its keys are read: the jobs the scheduler
// runs, and warnings about schedules that cannot meet their service's RPO.
#pragma once

#include "catalog/catalog.h"

namespace hort {

// One job per backup entry ("<service>/<layer>/<entry>", a volumes entry's
// snapshots as "…/snapshots"), per repository check, offsite copy and Velero
// location verify, into c.jobs.
void DeriveJobs(Catalog& c);

// A warning in c.warnings for each backup job whose schedule runs less often
// than its service's RPO allows.
void WarnUnreachableRpo(Catalog& c);

}  // namespace hort
