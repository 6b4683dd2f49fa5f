// The volumes layer's restore test (BT-LH-01, type `volume`), as steps the
// restore-test procedure calls: every `volumes` entry of the scope's
// services → its volume in its store (a pvc entry without `volume:` asks the
// cluster which Longhorn volume the claim is) → the volume's latest backup
// (or one given with --snapshot) restored to a raw image in the scratch
// target, every block checked against its name → e2fsck -fn on each image
// that holds an ext2/3/4 filesystem. The images live in the scratch target,
// which the procedure removes afterwards, also after a failure or a stop;
// a restore that is stopped removes its half-written image itself.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "kube/client.h"
#include "state/state.h"
#include "util/status.h"
#include "volumes/target.h"

namespace hort {

struct VolumeTestUnit {
  std::string label;   // "<service>/volumes/<entry>"
  std::string store;   // the volume_stores name
  std::string volume;  // the volume's name in the store
  std::string backup;  // the one restored
  std::string image;   // <scratch>/<service>/<entry>.img
  bool restored = false;
  uint64_t bytes = 0, blocks = 0;  // restored: the volume's size, the blocks written
  std::string fsck;  // "clean", "errors", "no filesystem" or "" (not checked)

  [[nodiscard]] std::string Describe() const { return volume + " " + store + ":" + backup; }
};

// The environment variables smoke commands of a volume test see.
inline constexpr const char* kTestImageEnv = "HORT_TEST_IMAGE";    // the first restored image
inline constexpr const char* kTestImagesEnv = "HORT_TEST_IMAGES";  // every restored image, one per line

class VolumeTestSteps {
 public:
  using Log = std::function<void(const std::string&)>;
  // `backups`: the --snapshot names, each a backup of one volume in scope.
  // `stop` (the procedure's SIGTERM/timeout flag) ends a restore or e2fsck
  // early. `kube`: the cluster for pvc entries; null opens the catalog's.
  VolumeTestSteps(const Catalog& catalog, const RestoreTestSpec& spec, std::string scratch,
                  std::vector<std::string> backups, const std::atomic<bool>* stop, Log log,
                  kube::Client* kube = nullptr);
  ~VolumeTestSteps();

  [[nodiscard]] Status Resolve();  // volume names, stores opened, backups picked; writes nothing
  // Whether Resolve failed because a --snapshot named no backup in scope:
  // the caller's mistake, refused rather than recorded as a failed test.
  [[nodiscard]] bool GivenRefused() const { return given_refused_; }
  // Each unit to its image, one after the other; a unit that fails is a
  // finding (Validate returns it) and the others still run.
  [[nodiscard]] Status Restore();
  // Findings, one line each: restores that failed (naming the block),
  // e2fsck's verdicts, min_bytes.
  [[nodiscard]] std::vector<std::string> Validate();
  [[nodiscard]] const std::vector<std::string>& notes() const { return notes_; }
  // Whether every volume was restored: smoke commands need the images.
  [[nodiscard]] bool AllRestored() const;
  // Bytes (volume sizes), blocks as the row's "files", one line per unit.
  void Record(TestRecord& rec) const;
  void AddEnv(std::map<std::string, std::string>& env) const;
  [[nodiscard]] const std::vector<VolumeTestUnit>& units() const { return units_; }

 private:
  [[nodiscard]] Result<std::string> VolumeName(const Service& s, const VolumesEntry& e);
  [[nodiscard]] Status PickBackups();
  void CheckFilesystem(VolumeTestUnit& u);
  [[nodiscard]] bool Stopped() const { return stop_ && stop_->load(); }
  const Catalog& c_;
  const RestoreTestSpec& spec_;
  std::string scratch_;
  std::vector<std::string> given_;
  const std::atomic<bool>* stop_;
  Log log_;
  kube::Client* kube_;
  std::unique_ptr<kube::Client> owned_kube_;
  std::map<std::string, volumes::BackupTarget> targets_;  // by store name
  std::vector<VolumeTestUnit> units_;
  std::vector<std::string> findings_, notes_;
  bool given_refused_ = false;
};

// Whether the bytes at `path` hold an ext2/3/4 superblock: the magic 0xEF53
// (little-endian) at byte 1080 = 1024 (the superblock's offset) + 56.
[[nodiscard]] Result<bool> HoldsExtFilesystem(const std::string& path);

}  // namespace hort
