#include "verify/volume_steps.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "jobs/jobs.h"
#include "util/strings.h"
#include "util/subprocess.h"
#include "volumes/cluster.h"
#include "volumes/listing.h"
#include "volumes/restore.h"
#include "volumes/store_io.h"

namespace hort {
namespace {

namespace fs = std::filesystem;

// e2fsck on $PATH, else where Debian puts it: a daemon started with a short
// PATH (systemd, a container) often lacks the sbin directories.
std::string FindE2fsck() {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream in(path);
    for (std::string dir; std::getline(in, dir, ':');) {
      if (!dir.empty()) dirs.push_back(dir);
    }
  }
  dirs.insert(dirs.end(), {"/usr/sbin", "/sbin"});
  for (const auto& dir : dirs) {
    const std::string p = dir + "/e2fsck";
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

// What e2fsck found, for a finding: its first lines that are neither the
// version banner nor a "Pass N:" heading, without the repairs -n declined
// ("…  Clear? no", a lone "Fix? no"), joined with "; ".
std::string FirstFindings(const std::string& output, size_t max_lines = 3) {
  std::stringstream in(output);
  std::string out;
  size_t n = 0;
  for (std::string line; n < max_lines && std::getline(in, line);) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (line.size() >= 4 && line.compare(line.size() - 4, 4, "? no") == 0) {
      const size_t question = line.rfind("  ");
      line = question == std::string::npos ? "" : line.substr(0, question);
    }
    if (line.empty() || line.rfind("e2fsck 1.", 0) == 0 || line.rfind("Pass ", 0) == 0) continue;
    out += (out.empty() ? "" : "; ") + line;
    ++n;
  }
  return out.empty() ? "no output" : out;
}

// e2fsck's last line, "<image>: 13/65536 files (0.0% non-contiguous), 26729/262144 blocks", without the image.
std::string Summary(const std::string& output, const std::string& image) {
  std::stringstream in(output);
  std::string last;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) last = line;
  }
  if (last.rfind(image + ": ", 0) == 0) last = last.substr(image.size() + 2);
  return last;
}

}  // namespace

Result<bool> HoldsExtFilesystem(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + path, errno);
  unsigned char magic[2] = {0, 0};
  ssize_t n = ::pread(fd, magic, sizeof magic, 1080);
  int err = errno;
  ::close(fd);
  if (n < 0) return ErrnoStatus("read " + path, err);
  return n == 2 && magic[0] == 0x53 && magic[1] == 0xEF;
}

VolumeTestSteps::VolumeTestSteps(const Catalog& catalog, const RestoreTestSpec& spec, std::string scratch,
                                 std::vector<std::string> backups, const std::atomic<bool>* stop, Log log,
                                 kube::Client* kube)
    : c_(catalog), spec_(spec), scratch_(std::move(scratch)), given_(std::move(backups)), stop_(stop),
      log_(std::move(log)), kube_(kube) {}

VolumeTestSteps::~VolumeTestSteps() = default;

Status VolumeTestSteps::Resolve() {
  // validate.expect and min_files, which would check nothing here, are
  // refused by the catalog (test_plan_load.cc), the only maker of a spec.
  for (const Service* s : spec_.services) {
    for (const VolumesEntry& e : s->volumes) {
      VolumeTestUnit u;
      u.label = s->name + "/volumes/" + e.name;
      u.store = e.store;
      HORT_ASSIGN_OR_RETURN(u.volume, VolumeName(*s, e));
      u.image = scratch_ + "/" + s->name + "/" + e.name + ".img";
      if (!targets_.count(e.store)) {
        HORT_ASSIGN_OR_RETURN(volumes::BackupTarget t, OpenVolumeStore(c_.volume_stores.at(e.store)));
        // A store that is not there (an unmounted share) would read as one without backups.
        HORT_RETURN_IF_ERROR(volumes::RequireStoreFolder(t).Annotate("volume store " + e.store));
        targets_.emplace(e.store, std::move(t));
      }
      units_.push_back(std::move(u));
    }
  }
  if (units_.empty()) return Status(Code::kNotFound, "no service in the test's scope has a volumes entry");
  return PickBackups();
}

// entry.volume, else the Longhorn volume behind the claim, asked of the cluster.
Result<std::string> VolumeTestSteps::VolumeName(const Service& s, const VolumesEntry& e) {
  if (!e.volume.empty()) return e.volume;
  const std::string claim = s.ns + "/" + e.pvc;
  auto fail = [&](const Status& st) {
    return Status(st.code(), s.name + "/volumes/" + e.name + ": cannot find the volume of claim " + claim +
                                 ", the cluster could not be asked (" + st.message() +
                                 "); give the entry `volume:` to test it without the cluster");
  };
  if (!kube_) {
    JobContext ctx;
    auto client = CatalogKube(c_, ctx, owned_kube_);
    if (!client.ok()) return fail(client.status());
    kube_ = *client;
  }
  auto pv = volumes::ResolvePvc(*kube_, s.ns, e.pvc);
  if (!pv.ok()) {
    if (pv.status().code() == Code::kNotFound || pv.status().code() == Code::kUnsupported) {
      return Status(pv.status().code(), s.name + "/volumes/" + e.name + ": " + pv.status().message());
    }
    return fail(pv.status());
  }
  if (log_) log_("claim " + claim + " is volume " + pv->volume_handle);
  return pv->volume_handle;
}

// Each volume's latest finished backup (the one `volumes restore` takes:
// LastBackupName, as Longhorn restores by default, unless it is empty, gone
// or unfinished), or the one --snapshot names for it.
Status VolumeTestSteps::PickBackups() {
  std::vector<bool> used(given_.size(), false);
  for (VolumeTestUnit& u : units_) {
    auto listed = volumes::ListTarget(targets_.at(u.store), u.volume);
    if ((!listed.ok() && listed.status().code() == Code::kNotFound) || (listed.ok() && listed->empty())) {
      return Status(Code::kNotFound, u.label + ": store " + u.store + " has no volume " + u.volume + " (never backed up?)");
    }
    if (!listed.ok()) return listed.status().Annotate(u.label + ": store " + u.store);
    const volumes::VolumeSummary& v = listed->front();
    if (!v.error.empty()) return Status(Code::kCorruption, u.label + ": volume " + u.volume + ": " + v.error);
    u.backup.clear();
    for (size_t i = 0; i < given_.size(); ++i) {
      for (const volumes::BackupSummary& b : v.backups) {
        if (b.name == given_[i] && !b.in_progress) u.backup = b.name, used[i] = true;
      }
    }
    if (u.backup.empty()) {
      const volumes::VolumeKeys keys(targets_.at(u.store).base, u.volume);
      auto picked = volumes::DefaultRestoreBackup(*targets_.at(u.store).store, keys, v.config);
      if (!picked.ok()) return picked.status().Annotate(u.label + ": store " + u.store);
      if (picked->backup && !picked->passed_over.empty()) {
        // In the row too: the test restored another backup than the one Longhorn would.
        notes_.push_back(u.label + ": " + picked->passed_over + "; tested the newest finished backup, " + picked->backup->name);
        if (log_) log_(notes_.back());
      }
      if (picked->backup) u.backup = picked->backup->name;
    }
    if (u.backup.empty()) {
      return Status(Code::kNotFound, u.label + ": volume " + u.volume + " in store " + u.store + " has no finished backup");
    }
  }
  for (size_t i = 0; i < given_.size(); ++i) {
    if (!used[i]) {
      given_refused_ = true;
      return Status(Code::kInvalidArgument, "backup " + given_[i] + " is not a finished backup of any volume in the test's scope");
    }
  }
  return Status::Ok();
}

Status VolumeTestSteps::Restore() {
  for (VolumeTestUnit& u : units_) {
    if (Stopped()) break;
    std::error_code ec;
    fs::create_directories(fs::path(u.image).parent_path(), ec);
    if (ec) return Status(Code::kIo, "cannot create " + fs::path(u.image).parent_path().string() + ": " + ec.message());
    volumes::VolumeRestoreOptions o;
    o.volume = u.volume;
    o.backup = u.backup;
    o.to = u.image;
    o.stop = stop_;
    auto r = volumes::RestoreVolume(targets_.at(u.store), o);
    if (!r.ok()) {
      // A stop is the procedure's to record ("stopped before the end: …").
      if (r.status().code() != Code::kCancelled) findings_.push_back(u.label + " (" + u.Describe() + "): " + r.status().message());
      continue;
    }
    u.restored = true;
    u.bytes = r->volume_size;
    u.blocks = r->blocks_written;
    if (log_) {
      log_("restored " + u.label + " (" + u.Describe() + "): " + std::to_string(u.blocks) + " blocks, " +
           std::to_string(u.bytes) + " bytes");
    }
  }
  return Status::Ok();
}

bool VolumeTestSteps::AllRestored() const {
  return std::all_of(units_.begin(), units_.end(), [](const VolumeTestUnit& u) { return u.restored; });
}

std::vector<std::string> VolumeTestSteps::Validate() {
  uint64_t bytes = 0;
  for (VolumeTestUnit& u : units_) {
    if (Stopped()) break;
    if (u.restored) CheckFilesystem(u);
    bytes += u.bytes;
  }
  if (bytes < spec_.validate.min_bytes) {
    findings_.push_back("restored " + std::to_string(bytes) + " bytes, fewer than min_bytes " +
                        std::to_string(spec_.validate.min_bytes));
  }
  return findings_;
}

// e2fsck -fn (forced, read-only: it answers "no" to every repair) where the
// image holds an ext2/3/4 filesystem; any exit code but 0 is a finding.
void VolumeTestSteps::CheckFilesystem(VolumeTestUnit& u) {
  auto ext = HoldsExtFilesystem(u.image);
  if (!ext.ok()) {
    findings_.push_back(u.label + ": " + ext.status().message());
    return;
  }
  if (!*ext) {
    u.fsck = "no filesystem";
    notes_.push_back(u.label + ": no ext2/3/4 filesystem in the image (no superblock magic at byte 1080), e2fsck skipped");
    return;
  }
  const std::string e2fsck = FindE2fsck();
  if (e2fsck.empty()) {
    findings_.push_back(u.label + ": the image holds an ext2/3/4 filesystem but e2fsck is not installed (e2fsprogs)");
    return;
  }
  // The output goes to a file beside the image: a badly damaged filesystem
  // makes e2fsck talk for megabytes, and its first lines say the most.
  const std::string log = u.image + ".e2fsck.txt";
  auto r = RunShellCommand(ShellWord(e2fsck) + " -fn " + ShellWord(u.image) + " >" + ShellWord(log) + " 2>&1",
                           scratch_, {}, spec_.timeout_seconds, stop_);
  if (!r.ok()) {
    findings_.push_back(u.label + ": e2fsck could not run: " + r.status().message());
    return;
  }
  if (r->cancelled) return;
  std::ifstream in(log);
  std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (r->exit_code == 0) {
    u.fsck = "clean";
    notes_.push_back(u.label + ": e2fsck -fn clean, " + Summary(output, u.image));
    if (log_) log_("e2fsck -fn " + u.label + ": clean");
    return;
  }
  u.fsck = "errors";
  findings_.push_back(u.label + ": e2fsck -fn " + (r->timed_out ? "timed out" : "exited with " + std::to_string(r->exit_code)) +
                      ": " + FirstFindings(output));
}

void VolumeTestSteps::Record(TestRecord& rec) const {
  for (const VolumeTestUnit& u : units_) {
    rec.bytes += u.bytes;
    rec.files += u.blocks;  // blocks, for a volume test
    rec.snapshots += (rec.snapshots.empty() ? "" : "\n") + u.Describe();
  }
}

void VolumeTestSteps::AddEnv(std::map<std::string, std::string>& env) const {
  std::string all;
  for (const VolumeTestUnit& u : units_) {
    if (!u.restored) continue;
    if (all.empty()) env[kTestImageEnv] = u.image;
    all += (all.empty() ? "" : "\n") + u.image;
  }
  env[kTestImagesEnv] = all;
}

}  // namespace hort
