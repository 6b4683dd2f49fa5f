// A files restore test with `scratch_pvc:` restores each pvc entry's
// snapshot a second time into a scratch claim through hort agent — the way a
// lost volume comes back in the cluster (`hort restore --to-pvc`) — checks
// that the agent restored as many files as the local restore, and deletes the
// claims afterwards (also after a failure or a stop).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "kube/client.h"
#include "verify/restore_units.h"

namespace hort {

class ScratchClaimSteps {
 public:
  ScratchClaimSteps(const Catalog& catalog, const RestoreTestSpec& spec, const std::atomic<bool>* stop,
                    std::function<void(const std::string&)> log);
  ~ScratchClaimSteps();

  // Creates `<id>-<pvc>` in each pvc entry's namespace (one left by an
  // earlier run is removed first, noted).
  [[nodiscard]] Status Prepare(const std::vector<RestoreUnit>& units);
  // After the local restore: each unit's snapshot into its claim through the agent.
  [[nodiscard]] Status Restore(const std::vector<RestoreUnit>& units);
  // After validation (which counts the local restore's files): a finding
  // for each claim the agent failed or restored a different number of files into.
  void Check(const std::vector<RestoreUnit>& units);
  // Deletes the claims it created; what could not be deleted.
  [[nodiscard]] std::vector<std::string> CleanUp();

  [[nodiscard]] const std::vector<std::string>& findings() const { return findings_; }
  [[nodiscard]] const std::vector<std::string>& notes() const { return notes_; }

 private:
  struct Claim {
    std::string ns, name, label;  // label: the unit's ("paperless/files/data")
    bool created = false, restored = false;
    uint64_t files = 0;
    std::string error;
  };
  [[nodiscard]] Status DeleteClaim(const Claim& c);

  const Catalog& c_;
  const RestoreTestSpec& spec_;
  const std::atomic<bool>* stop_;
  std::function<void(const std::string&)> log_;
  std::unique_ptr<kube::Client> owned_;
  kube::Client* kube_ = nullptr;
  std::vector<Claim> claims_;
  std::vector<std::string> findings_, notes_;
};

// "bt-k8-01-paperless-data": the scratch claim's name (a DNS label).
[[nodiscard]] std::string ScratchClaimName(const std::string& test_id, const std::string& pvc);

}  // namespace hort
