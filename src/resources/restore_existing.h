// Velero's AlreadyExists path of a restore, for one object that a create
// found there: GET, compare with what the restore would make (Velero's
// stripped metadata and status, what the cluster assigned kept from the live
// object), then the existing-resource policy: unchanged, differs (a warning),
// or, with policy update, a merge patch; a ServiceAccount is merged whatever
// the policy. Split from restore_run.cc, which calls it.
#pragma once

#include "kube/client.h"
#include "resources/restore_options.h"
#include "resources/restore_report.h"

namespace hort::resources {

struct ExistingContext {
  kube::Client& client;
  const RestoreOptions& options;
  RestoreReport& report;  // its names for the labels; warnings go into it
  kube::WriteOptions write;
};

// Fills out.action, out.diff and out.message.
void RestoreOverExisting(const ExistingContext& c, const kube::ResourceInfo& r, const nlohmann::json& desired,
                         ItemReport& out);

}  // namespace hort::resources
