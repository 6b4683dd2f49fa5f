// Moved: retention lives in policy/ now (policy/retention.h for the generic
// rules, policy/snapshot_retention.h for restic snapshots). This header only
// forwards there until jobs/run_job.cc includes the new one; include
// policy/snapshot_retention.h in new code.
#pragma once

#include "policy/snapshot_retention.h"
