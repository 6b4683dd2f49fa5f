// hort volumes snapshot | longhorn-backup: the volumes layer's side in the
// cluster (volumes/cluster.h), declared beside cmd_volumes.cc's store
// subcommands, which stay free of Kubernetes flags.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

#include "cli/command.h"

namespace hort::cli {

struct VolumesClusterCommands {
  CLI::App* snapshot = nullptr;
  CLI::App* longhorn_backup = nullptr;
  std::function<Status()> validate;          // flag checks that need no cluster
  std::function<int(Opened&)> run;           // runs whichever of the two was parsed
  [[nodiscard]] bool Parsed() const { return snapshot->parsed() || longhorn_backup->parsed(); }
};

[[nodiscard]] VolumesClusterCommands AddVolumesCluster(CLI::App& volumes, const GlobalOptions& g);

}  // namespace hort::cli
