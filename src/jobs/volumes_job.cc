// The volumes layer's jobs: a volume's block backup into its store (the
// source found → backup, or Longhorn asked for one → retention →
// verification → figures into the state), and its in-cluster snapshots.
#include <chrono>
#include <cstdlib>
#include <ctime>

#include "jobs/jobs.h"
#include "util/timer.h"
#include "volumes/backup.h"
#include "volumes/cluster.h"
#include "volumes/forget.h"
#include "volumes/listing.h"
#include "volumes/verify.h"

namespace hort {
namespace {

// Where Longhorn attaches a volume's block device on a node. Tests and a
// hort running outside the node point HORT_LONGHORN_DEVICE_DIR elsewhere.
std::string LonghornDeviceDir() {
  const char* dir = std::getenv("HORT_LONGHORN_DEVICE_DIR");
  return dir && *dir ? dir : "/dev/longhorn";
}

class VolumesJob {
 public:
  VolumesJob(const Catalog& catalog, const JobSpec& job, const JobContext& ctx, JobOutcome& out)
      : c_(catalog), j_(job), e_(*job.volumes), ctx_(ctx), out_(out) {}

  // source → backup (hort's or Longhorn's) → retention → verification → state.
  Status Backup() {
    StageTimes times;
    {
      ScopedStageTimer t(&times, "source");
      HORT_RETURN_IF_ERROR(FindSource());
    }
    HORT_ASSIGN_OR_RETURN(volumes::BackupTarget target, OpenVolumeStore(*j_.store));
    if (e_.longhorn_backup) {
      ScopedStageTimer t(&times, "longhorn");
      HORT_RETURN_IF_ERROR(LonghornBackup());
    } else {
      ScopedStageTimer t(&times, "backup");
      HORT_RETURN_IF_ERROR(HortBackup(target));
    }
    if (ctx_.retention && !e_.keep.Empty()) {
      ScopedStageTimer t(&times, "retention");
      HORT_RETURN_IF_ERROR(Retention(target));
    }
    Status verified = Status::Ok();
    if (e_.verify) {
      ScopedStageTimer t(&times, "verify");
      verified = Verify(target);
    }
    HORT_RETURN_IF_ERROR(Record(target));
    std::string line = "stages:";
    for (const auto& [stage, d] : times.Snapshot()) {
      line += " " + stage + " " + std::to_string(std::chrono::duration<double>(d).count()).substr(0, 5) + " s";
    }
    Log(line);
    return verified;
  }

  // The snapshots job: one snapshot of the claim, waited for, old ones pruned.
  Status Snapshot() {
    const VolumeSnapshotSpec& spec = *e_.snapshots;
    HORT_ASSIGN_OR_RETURN(kube::Client * kube, CatalogKube(c_, ctx_, kube_));
    volumes::SnapshotRequest r;
    r.kind = spec.kind == VolumeSnapshotSpec::Kind::kLonghorn ? volumes::SnapshotRequest::Kind::kLonghorn
                                                              : volumes::SnapshotRequest::Kind::kCsi;
    r.ns = j_.service->ns;
    r.pvc = e_.pvc;
    r.class_name = spec.class_name;
    r.series = e_.SnapshotSeries(j_.service->name);
    if (ctx_.retention) r.keep = spec.keep;
    r.timeout_seconds = spec.timeout_seconds;
    r.log = [this](const std::string& line) { Log(line); };
    HORT_ASSIGN_OR_RETURN(volumes::SnapshotResult s, volumes::TakeSnapshot(*kube, r));
    out_.snapshot_id = s.name;
    out_.bytes_added = s.restore_size;
    Log(s.kind + " " + r.ns + "/" + s.name + " ready after " + std::to_string(static_cast<int>(s.seconds)) + " s; " +
        std::to_string(s.deleted.size()) + " older ones deleted by the keep rule");
    return Status::Ok();
  }

 private:
  void Log(const std::string& line) {
    out_.messages.push_back(line);
    if (ctx_.log) ctx_.log(j_.id + ": " + line);
  }

  // The device or image read and the volume's name in the store.
  Status FindSource() {
    volume_ = e_.volume;
    source_ = e_.source;
    if (e_.kind != VolumesEntry::Kind::kPvc) return Status::Ok();
    HORT_ASSIGN_OR_RETURN(kube::Client * kube, CatalogKube(c_, ctx_, kube_));
    HORT_ASSIGN_OR_RETURN(volumes::PvcVolume pv, volumes::ResolvePvc(*kube, j_.service->ns, e_.pvc));
    HORT_RETURN_IF_ERROR(volumes::RequireLonghorn(pv, j_.service->ns, e_.pvc,
                                                  "hort backs up Longhorn volumes (for another disk give device:)"));
    longhorn_volume_ = pv.volume_handle;
    if (volume_.empty()) volume_ = pv.volume_handle;
    source_ = LonghornDeviceDir() + "/" + pv.volume_handle;
    Log("claim " + j_.service->ns + "/" + e_.pvc + " is Longhorn volume " + pv.volume_handle);
    return Status::Ok();
  }

  Status HortBackup(volumes::BackupTarget& target) {
    volumes::VolumeBackupOptions o;
    o.source = source_;
    o.volume = volume_;
    o.labels = {{"hort.dev/job", j_.id}};
    // The block cache (volumes/block_cache.h) beside the repositories' caches:
    // an unchanged block is named without SHA-512 on the next run.
    o.cache_dir = c_.cache_dir.empty() ? DefaultCacheDir() : c_.cache_dir;
    for (const auto& t : ctx_.extra_tags) o.labels[volumes::kTagLabelPrefix + t] = "true";
    HORT_ASSIGN_OR_RETURN(volumes::VolumeBackupResult r, volumes::BackupVolume(target, o));
    out_.snapshot_id = r.backup_name;
    out_.bytes_added = r.bytes_uploaded;
    out_.files = r.blocks_in_map;
    stats_.last_backup = r.backup_name;
    stats_.size_bytes = r.volume_size;
    stats_.blocks_new = r.blocks_new;
    stats_.blocks_reused = r.blocks_reused;
    stats_.bytes_uploaded = r.bytes_uploaded;
    Log(std::string(r.incremental ? "incremental" : "full") + " backup " + r.backup_name + " of volume " + volume_ +
        ": " + std::to_string(r.blocks_in_map) + " blocks, " + std::to_string(r.blocks_new) + " new, " +
        std::to_string(r.blocks_reused) + " already stored; block cache: " + r.cache + " (" +
        std::to_string(r.blocks_from_cache) + " blocks named from it)");
    return Status::Ok();
  }

  Status LonghornBackup() {
    HORT_ASSIGN_OR_RETURN(kube::Client * kube, CatalogKube(c_, ctx_, kube_));
    volumes::LonghornBackupRequest r;
    r.volume = longhorn_volume_;
    // A series of its own, so the snapshots job's keep rule never deletes
    // the snapshots Longhorn's incremental backups build on.
    r.labels = {{volumes::kSnapshotSeriesLabel, e_.BackupSnapshotSeries(j_.service->name)}};
    r.log = [this](const std::string& line) { Log(line); };
    HORT_ASSIGN_OR_RETURN(volumes::LonghornBackupResult b, volumes::TriggerLonghornBackup(*kube, r));
    out_.snapshot_id = b.backup;
    out_.bytes_added = b.size;
    stats_.last_backup = b.backup;
    Log("Longhorn backed up volume " + longhorn_volume_ + " as " + b.backup + " (" + b.state + ")");
    return Status::Ok();
  }

  Status Retention(volumes::BackupTarget& target) {
    volumes::VolumeForgetOptions o;
    o.volume = volume_;
    o.policy = e_.keep;
    HORT_ASSIGN_OR_RETURN(volumes::VolumeForgetResult r, volumes::ForgetBackups(target, o));
    Log("retention: " + std::to_string(r.removed.size()) + " backups forgotten, " + std::to_string(r.blocks_removed) +
        " blocks removed" + (r.gc_skipped.empty() ? "" : " (no garbage collection: " + r.gc_skipped + ")"));
    return Status::Ok();
  }

  // Every block of the volume's backups read once and checked against its name.
  Status Verify(volumes::BackupTarget& target) {
    volumes::VolumeVerifyOptions o;
    o.volume = volume_;
    o.read_data = true;
    auto r = volumes::VerifyTarget(target, o);
    if (!r.ok()) return r.status();  // no verdict: recorded as not verified (-1), the run fails
    stats_.verified = std::time(nullptr);
    stats_.verify_result = r->Damaged() ? 0 : 1;
    if (r->Damaged()) {
      for (const auto& f : r->findings) {
        if (f.damage) return Status(Code::kCorruption, "verify: " + f.message);
      }
    }
    Log("verify: " + std::to_string(r->blocks_read) + " blocks read, every one matches its name");
    return Status::Ok();
  }

  // The volume's figures into the state, for /metrics and status.
  Status Record(volumes::BackupTarget& target) {
    if (!ctx_.state) return Status::Ok();
    auto listed = volumes::ListTarget(target, volume_);
    if (listed.ok() && !listed->empty()) {
      const volumes::VolumeSummary& v = listed->front();
      stats_.backups = v.backups.size();
      if (stats_.size_bytes == 0) stats_.size_bytes = v.config.size;
    }
    stats_.store = j_.store->name;
    stats_.volume = volume_;
    stats_.job = j_.id;
    stats_.updated = std::time(nullptr);
    stats_.last_backup_time = stats_.updated;
    (void)ctx_.state->PutVolumeStats(stats_);  // best effort: the backup stands without its figures
    return Status::Ok();
  }

  const Catalog& c_;
  const JobSpec& j_;
  const VolumesEntry& e_;
  const JobContext& ctx_;
  JobOutcome& out_;
  std::unique_ptr<kube::Client> kube_;
  std::string volume_, source_, longhorn_volume_;
  VolumeStats stats_;
};

}  // namespace

Result<volumes::BackupTarget> OpenVolumeStore(const VolumeStoreSpec& spec) {
  StoreOptions so;
  so.cacert = spec.cacert;
  so.insecure_tls = spec.insecure_tls;
  so.credentials = spec.credentials;
  volumes::TargetEnv env;
  env.mount_point = spec.mount_point;
  auto target = volumes::OpenTarget(spec.url, so, env);
  if (!target.ok()) return target.status().Annotate("volume store " + spec.name);
  return target;
}

Status RunVolumesJob(const Catalog& catalog, const JobSpec& job, const JobContext& ctx, JobOutcome& out) {
  VolumesJob v(catalog, job, ctx, out);
  return job.kind == JobSpec::Kind::kSnapshot ? v.Snapshot() : v.Backup();
}

}  // namespace hort
