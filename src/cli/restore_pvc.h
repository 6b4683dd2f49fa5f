// hort restore SNAPSHOT --to-pvc NS/NAME: the snapshot restored into a claim
// by the agent on the node that mounts it (or a holder Job's node), with
// --create making the claim first. The catalog names the repository and the
// cluster; the agent opens the repository with its own copy of the secrets.
#pragma once

#include <string>

#include "cli/command.h"
#include "cli/kube_cli.h"
#include "cli/snapshot_filter.h"

namespace hort::cli {

struct PvcRestoreFlags {
  std::string to_pvc;  // NS/NAME
  std::string repository, size, storage_class, image;
  bool create = false;
  KubeFlags kube;
};

void AddPvcRestoreFlags(CLI::App& sub, PvcRestoreFlags* flags);
[[nodiscard]] Status ValidatePvcRestore(const PvcRestoreFlags& flags, bool has_target);
[[nodiscard]] int RestoreToPvc(const PvcRestoreFlags& flags, const std::string& ref, const SnapshotFilter& filter,
                               const GlobalOptions& g, Opened& opened);

}  // namespace hort::cli
