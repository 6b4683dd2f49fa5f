#include "verify/drill.h"

#include <algorithm>

namespace hort {

void OrderByClassification(std::vector<RestoreUnit>& units, const Catalog* catalog) {
  for (RestoreUnit& u : units) {
    u.classification_rank = 3;
    if (!catalog) continue;
    for (const Service& s : catalog->services) {
      if (s.ns == u.snapshot.hostname) u.classification_rank = std::min(u.classification_rank, static_cast<int>(s.classification));
    }
  }
  std::stable_sort(units.begin(), units.end(),
                   [](const RestoreUnit& a, const RestoreUnit& b) { return a.classification_rank < b.classification_rank; });
}

Result<DrillReport> RunDrill(Repository& repo, const std::string& repository, const std::string& target,
                             const Catalog* catalog, const std::atomic<bool>* cancel) {
  DrillReport out;
  HORT_ASSIGN_OR_RETURN(out.units, LatestOfEveryGroup(repo, repository, target));
  if (out.units.empty()) return Status(Code::kNotFound, "the repository holds no snapshots");
  OrderByClassification(out.units, catalog);
  out.restore_seconds = RestoreUnits(out.units, 2, cancel);
  if (cancel && cancel->load()) return Status(Code::kCancelled, "drill interrupted");
  out.validate_seconds = ValidateUnits(out.units, cancel);
  if (cancel && cancel->load()) return Status(Code::kCancelled, "drill interrupted");
  out.ok = true;
  for (const RestoreUnit& u : out.units) {
    out.files += u.files;
    out.bytes += u.bytes;
    out.ok = out.ok && u.restored && u.valid;
  }
  return out;
}

}  // namespace hort
