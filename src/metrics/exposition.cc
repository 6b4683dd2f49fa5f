#include "metrics/exposition.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <vector>

#include "status/status_model.h"
#include "status/test_due.h"
#include "util/version.h"

namespace hort {
namespace {

std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string Number(double v) {
  char buf[64];
  if (v == static_cast<double>(static_cast<int64_t>(v)) && v < 1e15 && v > -1e15) {
    std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(v));
  } else {
    std::snprintf(buf, sizeof(buf), "%.6f", v);
  }
  return buf;
}

using Labels = std::vector<std::pair<std::string, std::string>>;

// Collects samples per metric so each family is written once with its HELP and TYPE.
class Families {
 public:
  void Add(const std::string& name, const char* type, const char* help, const Labels& labels, double value) {
    auto& f = families_[name];
    if (f.help.empty()) {
      f.help = help;
      f.type = type;
      order_.push_back(name);
    }
    std::string line = name;
    if (!labels.empty()) {
      line += "{";
      for (size_t i = 0; i < labels.size(); ++i) {
        line += (i ? "," : "") + labels[i].first + "=\"" + Escape(labels[i].second) + "\"";
      }
      line += "}";
    }
    f.samples.push_back(line + " " + Number(value));
  }
  std::string Render() const {
    std::string out;
    for (const auto& name : order_) {
      const auto& f = families_.at(name);
      out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + f.type + "\n";
      for (const auto& s : f.samples) out += s + "\n";
    }
    return out;
  }

 private:
  struct Family {
    std::string help, type;
    std::vector<std::string> samples;
  };
  std::map<std::string, Family> families_;
  std::vector<std::string> order_;
};

double LastStatus(const JobStatus& s) {
  if (!s.last_run) return -1;
  return s.last_run->result == RunResult::kSuccess ? 1 : 0;
}

void BackupSamples(Families& f, const JobStatus& s, double now) {
  const JobSpec& j = *s.job;
  Labels l{{"service", s.service},     {"namespace", j.service->ns}, {"layer", s.layer},
           {"entry", s.entry},         {"repository", j.TargetName()},
           {"classification", s.classification}};
  f.Add("hort_backup_last_success_timestamp_seconds", "gauge",
        "End of the last successful backup run (0: never).", l, s.last_success ? s.last_success->ended : 0);
  f.Add("hort_backup_last_run_timestamp_seconds", "gauge", "Start of the last finished backup run (0: never).", l,
        s.last_run ? s.last_run->started : 0);
  f.Add("hort_backup_last_status", "gauge", "Result of the last finished run: 1 success, 0 failure, -1 never ran.", l,
        LastStatus(s));
  f.Add("hort_backup_last_duration_seconds", "gauge", "Duration of the last finished backup run.", l,
        s.last_run ? s.last_run->ended - s.last_run->started : 0);
  f.Add("hort_backup_last_bytes_added", "gauge", "Bytes of new data the last successful run added.", l,
        s.last_success ? static_cast<double>(s.last_success->bytes_added) : 0);
  f.Add("hort_backup_last_files", "gauge", "Files the last successful run processed.", l,
        s.last_success ? static_cast<double>(s.last_success->files) : 0);
  f.Add("hort_backup_expected_interval_seconds", "gauge", "Usual time between two scheduled runs.", l,
        static_cast<double>(s.expected_interval_seconds));
  f.Add("hort_backup_next_run_timestamp_seconds", "gauge",
        "The schedule slot after the last run; in the past means the run is overdue.", l,
        static_cast<double>(s.next_run));
  f.Add("hort_backup_rpo_seconds", "gauge", "The service's recovery point objective.", l,
        static_cast<double>(s.rpo_seconds));
  bool compliant = s.last_success && now - s.last_success->ended <= static_cast<double>(s.rpo_seconds);
  f.Add("hort_backup_rpo_compliant", "gauge", "1 when the last success is younger than the RPO.", l, compliant ? 1 : 0);
  f.Add("hort_backup_running", "gauge", "1 while a run is in progress.", l, s.running ? 1 : 0);
}

// A Velero location hort verifies: the job's result and what it found.
void VeleroSamples(Families& f, const JobStatus& s, const std::map<std::string, VeleroStats>& stats) {
  const VeleroLocationSpec& loc = *s.job->velero;
  Labels l{{"location", loc.name}, {"classification", s.classification}};
  f.Add("hort_velero_verify_last_status", "gauge",
        "Result of the last verification: 1 every backup passed, 0 a backup failed or the location was unreadable, "
        "-1 never ran.",
        l, LastStatus(s));
  f.Add("hort_velero_verify_last_run_timestamp_seconds", "gauge", "End of the last finished verification (0: never).",
        l, s.last_run ? s.last_run->ended : 0);
  f.Add("hort_velero_rpo_seconds", "gauge", "How old the newest Completed backup may be (0: no limit).", l,
        static_cast<double>(loc.rpo_seconds));
  auto it = stats.find(loc.name);
  if (it == stats.end()) return;
  const VeleroStats& v = it->second;
  f.Add("hort_velero_backups", "gauge", "Backups in the location when last verified.", l, static_cast<double>(v.backups));
  f.Add("hort_velero_failed_backups", "gauge", "Backups below the required level when last verified.", l,
        static_cast<double>(v.failed));
  f.Add("hort_velero_verify_level", "gauge", "The level every backup had to reach (0-5).", l,
        static_cast<double>(v.level));
  f.Add("hort_velero_newest_completed_timestamp_seconds", "gauge",
        "Completion of the newest Completed backup (0: none), when last verified.", l,
        static_cast<double>(v.newest_completed));
  f.Add("hort_velero_verified_timestamp_seconds", "gauge", "When these figures were taken.", l,
        static_cast<double>(v.updated));
}

// A volume's snapshots job: in-cluster snapshots on their own schedule.
void SnapshotSamples(Families& f, const JobStatus& s) {
  Labels l{{"service", s.service}, {"namespace", s.job->service->ns}, {"entry", s.job->EntryName()},
           {"classification", s.classification}};
  f.Add("hort_volume_snapshot_last_status", "gauge",
        "Result of the last snapshot run: 1 ready and pruned, 0 failed or timed out, -1 never ran.", l, LastStatus(s));
  f.Add("hort_volume_snapshot_last_success_timestamp_seconds", "gauge", "End of the last successful snapshot run (0: never).",
        l, s.last_success ? s.last_success->ended : 0);
  f.Add("hort_volume_snapshot_expected_interval_seconds", "gauge", "Usual time between two scheduled snapshots.", l,
        static_cast<double>(s.expected_interval_seconds));
}

// Per volume and store: the last backup's figures and verification.
void VolumeSamples(Families& f, const Catalog& c, const std::vector<VolumeStats>& stats) {
  for (const VolumeStats& v : stats) {
    const JobSpec* j = c.FindJob(v.job);
    if (!j || !j->store || j->store->name != v.store) continue;  // an entry no longer in the catalog
    Labels l{{"store", v.store}, {"volume", v.volume}, {"service", j->service->name}, {"entry", j->EntryName()},
             {"classification", ClassificationName(j->service->classification)}};
    f.Add("hort_volume_last_backup_timestamp_seconds", "gauge", "When the volume's last backup finished.", l,
          static_cast<double>(v.last_backup_time));
    f.Add("hort_volume_size_bytes", "gauge", "The volume's size.", l, static_cast<double>(v.size_bytes));
    f.Add("hort_volume_backups", "gauge", "The volume's backups in the store, after retention.", l,
          static_cast<double>(v.backups));
    f.Add("hort_volume_last_backup_new_blocks", "gauge", "Blocks the last backup uploaded.", l,
          static_cast<double>(v.blocks_new));
    f.Add("hort_volume_last_backup_reused_blocks", "gauge", "Blocks of the last backup already in the store.", l,
          static_cast<double>(v.blocks_reused));
    f.Add("hort_volume_last_backup_uploaded_bytes", "gauge", "Bytes the last backup uploaded (compressed).", l,
          static_cast<double>(v.bytes_uploaded));
    f.Add("hort_volume_verify_last_status", "gauge",
          "Last verification of the volume's backups: 1 every block matches, 0 damage found, -1 not verified.", l,
          static_cast<double>(v.verify_result));
    f.Add("hort_volume_verify_last_timestamp_seconds", "gauge", "When the volume was last verified (0: never).", l,
          static_cast<double>(v.verified));
  }
}

// The strictest classification in a test's scope; a dr drill without a
// scope covers everything, so it counts as critical.
const char* TestClassification(const RestoreTestSpec& t) {
  Classification best = t.services.empty() ? Classification::kCritical : Classification::kBestEffort;
  for (const Service* s : t.services) best = std::min(best, s->classification);
  return ClassificationName(best);
}

Status RestoreTestSamples(Families& f, const Catalog& c, StateStore& state, double now) {
  HORT_ASSIGN_OR_RETURN(auto plan, BuildTestPlan(c, state, now));
  for (const TestPlanEntry& e : plan) {
    const RestoreTestSpec& t = *e.spec;
    Labels l{{"test", t.id}, {"type", TestTypeName(t.type)}, {"responsible", t.responsible},
             {"classification", TestClassification(t)}};
    f.Add("hort_restore_test_last_success_timestamp_seconds", "gauge", "End of the last passed restore test (0: never).",
          l, e.last_pass ? e.last_pass->ended : 0);
    f.Add("hort_restore_test_last_run_timestamp_seconds", "gauge", "Start of the last finished restore test (0: never).",
          l, e.last ? e.last->started : 0);
    f.Add("hort_restore_test_last_status", "gauge", "Result of the last restore test: 1 pass, 0 fail, -1 never ran.", l,
          e.last ? (e.last->result == RunResult::kSuccess ? 1 : 0) : -1);
    f.Add("hort_restore_test_duration_seconds", "gauge",
          "Measured restore time (resolve + prepare + restore) of the last restore test: the real RTO.", l,
          e.last ? e.last->restore_seconds : 0);
    f.Add("hort_restore_test_rto_seconds", "gauge", "The strictest RTO target in the test's scope (0: none).", l,
          static_cast<double>(t.RtoTarget()));
    f.Add("hort_restore_test_due", "gauge", "1 when the test is due (never passed, or its last pass is older than every).",
          l, e.due ? 1 : 0);
    f.Add("hort_restore_test_next_due_timestamp_seconds", "gauge", "When the test is (or was) due.", l, e.next_due);
    f.Add("hort_restore_test_interval_seconds", "gauge", "The test plan's frequency.", l,
          static_cast<double>(t.every_seconds));
    f.Add("hort_restore_test_layer_available", "gauge", "0 when the test's layer does not exist in hort yet.", l,
          t.LayerAvailable() ? 1 : 0);
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> RenderMetrics(const ExpositionInput& in) {
  const Catalog& c = *in.catalog;
  HORT_ASSIGN_OR_RETURN(StatusReport report, BuildStatus(c, *in.state, in.now));
  HORT_ASSIGN_OR_RETURN(auto stats, in.state->AllRepoStats());
  HORT_ASSIGN_OR_RETURN(auto velero_stats, in.state->AllVeleroStats());
  HORT_ASSIGN_OR_RETURN(auto volume_stats, in.state->AllVolumeStats());
  Families f;
  f.Add("hort_build_info", "gauge", "Always 1; the version is a label.", {{"version", kHortVersion}}, 1);
  if (in.started > 0) f.Add("hort_serve_start_time_seconds", "gauge", "When hort serve started.", {}, in.started);
  for (const JobStatus& s : report.jobs) {
    const JobSpec& j = *s.job;
    f.Add("hort_job_runs_total", "counter", "Finished runs per job and result, from the state history.",
          {{"hort_job", j.id}, {"result", "success"}}, static_cast<double>(s.runs_success));
    f.Add("hort_job_runs_total", "counter", "Finished runs per job and result, from the state history.",
          {{"hort_job", j.id}, {"result", "failed"}}, static_cast<double>(s.runs_failed));
    if (j.kind == JobSpec::Kind::kBackup) {
      BackupSamples(f, s, in.now);
    } else if (j.kind == JobSpec::Kind::kCheck) {
      Labels l{{"repository", j.repository->name}, {"classification", s.classification}};
      f.Add("hort_repository_last_check_status", "gauge", "Result of the last check: 1 ok, 0 failed, -1 never ran.", l,
            LastStatus(s));
      f.Add("hort_repository_last_check_timestamp_seconds", "gauge", "End of the last finished check.", l,
            s.last_run ? s.last_run->ended : 0);
    } else if (j.kind == JobSpec::Kind::kVerify) {
      VeleroSamples(f, s, velero_stats);
    } else if (j.kind == JobSpec::Kind::kSnapshot) {
      SnapshotSamples(f, s);
    } else {
      Labels l{{"offsite", j.offsite->name}, {"from", j.source->name}, {"to", j.repository->name},
               {"classification", s.classification}};
      f.Add("hort_offsite_last_success_timestamp_seconds", "gauge", "End of the last successful offsite copy.", l,
            s.last_success ? s.last_success->ended : 0);
      f.Add("hort_offsite_last_status", "gauge", "Result of the last copy: 1 ok, 0 failed, -1 never ran.", l,
            LastStatus(s));
      f.Add("hort_offsite_rpo_seconds", "gauge", "Maximum age of the offsite copy.", l,
            static_cast<double>(s.rpo_seconds));
    }
  }
  VolumeSamples(f, c, volume_stats);
  HORT_RETURN_IF_ERROR(RestoreTestSamples(f, c, *in.state, in.now));
  for (const auto& [name, spec] : c.repositories) {
    Labels l{{"repository", name}, {"classification", ClassificationName(RepositoryClassification(c, name))}};
    auto it = stats.find(name);
    if (it == stats.end()) continue;
    const RepoStats& r = it->second;
    f.Add("hort_repository_size_bytes", "gauge", "Bytes stored (packs, index, snapshots, keys).", l,
          static_cast<double>(r.size_bytes));
    f.Add("hort_repository_snapshots", "gauge", "Snapshots in the repository.", l, static_cast<double>(r.snapshots));
    f.Add("hort_repository_locks", "gauge", "Lock files present when last looked.", l, static_cast<double>(r.locks));
    // The oldest lock keeps ageing between two looks.
    double age = r.locks ? r.oldest_lock_age_seconds + (in.now - static_cast<double>(r.updated)) : 0;
    f.Add("hort_repository_oldest_lock_age_seconds", "gauge", "Age of the oldest lock (0: none).", l, age);
    f.Add("hort_repository_stats_timestamp_seconds", "gauge", "When these repository figures were taken.", l,
          static_cast<double>(r.updated));
  }
  if (in.coverage) {
    f.Add("hort_kube_up", "gauge", "1 when the cluster answered the last coverage query, else 0.", {},
          in.coverage->ok ? 1 : 0);
    if (in.coverage->ok) {
      f.Add("hort_pvcs", "gauge", "PersistentVolumeClaims in the cluster.", {}, static_cast<double>(in.coverage->pvcs));
      f.Add("hort_unprotected_pvcs", "gauge", "PVCs that no catalog entry backs up (hort kube coverage).", {},
            static_cast<double>(in.coverage->unprotected));
    }
  }
  if (in.counters) {
    in.counters->ForEach([&](const std::string& repo, const BackendMetrics& m) {
      Labels l{{"repository", repo}};
      f.Add("hort_backend_requests_total", "counter", "Backend requests (retries included).", l,
            static_cast<double>(m.requests.load()));
      f.Add("hort_backend_errors_total", "counter", "Backend requests that failed.", l,
            static_cast<double>(m.errors.load()));
      f.Add("hort_backend_read_bytes_total", "counter", "Bytes read from the backend.", l,
            static_cast<double>(m.bytes_read.load()));
      f.Add("hort_backend_written_bytes_total", "counter", "Bytes written to the backend.", l,
            static_cast<double>(m.bytes_written.load()));
      f.Add("hort_backend_request_seconds_total", "counter", "Time spent in backend requests.", l,
            static_cast<double>(m.latency_ns_total.load()) / 1e9);
    });
  }
  return f.Render();
}

Status WriteTextfile(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("create " + tmp, errno);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return ErrnoStatus("write " + tmp, err);
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus("rename to " + path, err);
  }
  return Status::Ok();
}

}  // namespace hort
