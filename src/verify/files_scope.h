// What a files restore test restores: each files entry of each service in
// its scope → the latest snapshot of its series, or the one --snapshot names.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "repository/repository.h"
#include "util/status.h"
#include "verify/restore_units.h"

namespace hort {

// Opens a catalog repository by name, its index loaded (the procedure's, with its locks).
using OpenRepository = std::function<Result<Repository*>(const std::string&)>;

struct FilesScope {
  Status status;                  // not ok: nothing to restore, and why
  std::vector<RestoreUnit> units;  // each restored below <scratch>/<service>
  // The failure is the caller's --snapshot (none of the scope's repositories
  // holds it, it is a prefix of several, or it is of no files entry): refused,
  // not recorded as a failed test.
  bool given_refused = false;
};

[[nodiscard]] FilesScope ResolveFilesScope(const Catalog& catalog, const RestoreTestSpec& spec,
                                           const std::vector<std::string>& given, const std::string& scratch,
                                           const OpenRepository& open);

}  // namespace hort
