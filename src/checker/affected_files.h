// The files a check names as damaged: after the packs were read, every
// snapshot is walked again, and each file that uses a damaged blob (and
// each directory whose tree is damaged) becomes a finding. Runs only when
// something was found damaged.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>

#include "checker/checker.h"
#include "repository/repository.h"

namespace hort::checker_internal {

// What is wrong with each damaged blob or tree, by its ID.
using BadBlobs = std::unordered_map<Id, std::string, IdHash>;

// Adds a kAffectedFile finding through `add` for every file and directory
// of every snapshot that uses one of `bad_blobs`.
void ReportAffectedFiles(Repository& repo, const BadBlobs& bad_blobs, const std::function<void(Finding)>& add);

}  // namespace hort::checker_internal
