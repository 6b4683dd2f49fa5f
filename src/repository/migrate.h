// restic's repository migrations (`migrate`). Only upgrade_repo_v2 exists
// in restic 0.14 for local, S3 and REST repositories.
#pragma once

#include <string>

#include "repository/repository.h"

namespace hort {

struct Migration {
  const char* name;
  const char* description;
};
inline constexpr Migration kUpgradeRepoV2{"upgrade_repo_v2", "upgrade a repository to version 2"};

// Whether upgrade_repo_v2 applies: the repository is at format version 1.
[[nodiscard]] bool UpgradeRepoV2Applies(const Repository& repo);

// Rewrites the config with version 2, as restic: the raw config is first
// copied to a private temporary folder; if the new one cannot be saved the
// old one is put back and the error names the copy. On success the copy is
// removed. The caller holds the exclusive lock and has checked the repository.
[[nodiscard]] Status UpgradeRepoV2(Repository& repo);

}  // namespace hort
