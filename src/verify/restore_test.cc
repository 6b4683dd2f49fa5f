// The restore-test procedure, top-down: resolve → prepare → restore → validate →
// clean up → record, a timer per stage. Whatever happens after the row is
// begun — a failed stage, a timeout, SIGTERM — the scratch target is removed,
// the silence expired and the row finished.
#include "verify/restore_test.h"
#include "verify/claim_steps.h"
#include "verify/resources_steps.h"
#include "verify/volume_steps.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "schedule/duration.h"
#include "util/subprocess.h"
#include "verify/drill.h"
#include "verify/files_scope.h"
#include "verify/scratch.h"
#include "verify/silence.h"
#include "verify/watchdog.h"

namespace hort {
namespace {

namespace fs = std::filesystem;

std::string OneLine(std::string s, size_t max = 300) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.size() > max) s = "…" + s.substr(s.size() - max);
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

class Procedure {
 public:
  Procedure(const Catalog& c, const RestoreTestSpec& spec, StateStore& state, const RestoreTestOptions& opt)
      : c_(c), spec_(spec), state_(state), opt_(opt) {}

  Result<RestoreTestReport> Run() {
    if (!spec_.LayerAvailable()) {
      return Status(Code::kUnsupported, "test " + spec_.id + ": the " + TestTypeName(spec_.type) +
                                            " layer is not available yet; nothing was restored and nothing recorded");
    }
    if (spec_.type == RestoreTestSpec::Type::kDr && !opt_.snapshots.empty()) {
      return Status(Code::kInvalidArgument, "test " + spec_.id + ": a dr test restores the newest snapshot of every group "
                                            "of its repositories and takes no --snapshot; nothing was restored and nothing recorded");
    }
    TestRecord& rec = report_.record;
    rec.test = spec_.id;
    rec.type = TestTypeName(spec_.type);
    rec.trigger = opt_.trigger;
    rec.responsible = spec_.responsible;
    rec.started = UnixNow();
    rec.rto_target_seconds = spec_.RtoTarget();
    rec.pid = ::getpid();
    report_.scratch = ScratchTarget(c_, spec_);
    {
      Watchdog watchdog(opt_.cancel, spec_.timeout_seconds, &stop_);
      auto start = std::chrono::steady_clock::now();
      // Resolving only reads (repositories, stores, the cluster; it takes the
      // repositories' shared locks), so it runs before the row is begun: a
      // --snapshot that names nothing in scope is the caller's mistake and is
      // refused, not recorded as a failed test. Any other failure is recorded.
      // Its time is part of the restore's, as a real restore has to find its
      // snapshots too.
      Status s = Stage("resolve", [&] { return Resolve(); });
      if (!s.ok() && GivenRefused()) {
        return Status(s.code(), "test " + spec_.id + ": " + s.message() + "; nothing was restored and nothing recorded");
      }
      HORT_ASSIGN_OR_RETURN(rec.id, state_.BeginTest(rec));
      if (s.ok()) s = Stage("prepare", [&] { return Prepare(); });
      if (s.ok()) s = Stage("restore", [&] { return Restore(); });
      rec.restore_seconds = SecondsSince(start);
      if (s.ok()) s = Stage("validate", [&] { return Validate(); });
      // The whole stage, whatever the type checks in it (re-hash, read-back,
      // readiness waits, e2fsck, smoke commands): the same figure as stage_seconds.
      report_.validate_seconds = StageSeconds("validate");
      if (!s.ok()) Failure(s.message());
      if (stop_.load()) Failure("stopped before the end: " + watchdog.Reason());
      (void)Stage("clean up", [&] { return CleanUp(); });
    }
    rec.ended = UnixNow();
    rec.result = failures_.empty() ? RunResult::kSuccess : RunResult::kFailed;
    std::string findings;
    for (const auto& f : failures_) findings += f + "\n";
    for (const auto& n : notes_) findings += "note: " + n + "\n";
    if (!findings.empty()) findings.pop_back();
    rec.findings = findings;
    for (const RestoreUnit& u : report_.units) {
      rec.bytes += u.bytes;
      rec.files += u.files;
      rec.snapshots += (rec.snapshots.empty() ? "" : "\n") + u.Describe();
    }
    if (volumes_) volumes_->Record(rec);
    if (resources_) {
      rec.files += resources_->Objects();  // objects, for a resources test
      for (const auto& u : resources_->units()) {
        rec.snapshots += (rec.snapshots.empty() ? "" : "\n") + u.label + " " + u.repository + ":" + u.snapshot;
      }
    }
    HORT_RETURN_IF_ERROR(state_.FinishTest(rec));
    return std::move(report_);
  }

 private:
  void Log(const std::string& line) {
    if (opt_.log) opt_.log(spec_.id + ": " + line);
  }
  void Failure(const std::string& line) { failures_.push_back(OneLine(line, 400)); }
  Status Stage(const char* name, const std::function<Status()>& fn) {
    ScopedStageTimer t(&report_.stage_times, name);
    Log(name);
    return fn();
  }
  double StageSeconds(const std::string& name) const {
    const auto times = report_.stage_times.Snapshot();
    auto it = times.find(name);
    return it == times.end() ? 0.0 : static_cast<double>(it->second.count()) / 1e9;
  }

  // What the test restores: the snapshots (or volume backups) of its scope,
  // the latest of each series or the ones --snapshot names. Writes nothing.
  Status Resolve() {
    if (spec_.type == RestoreTestSpec::Type::kResources) {
      resources_ = std::make_unique<ResourcesTestSteps>(
          c_, spec_, [this](const std::string& name) { return Open(name); }, static_cast<int64_t>(UnixNow()), &stop_,
          opt_.snapshots);
      return resources_->Resolve();
    }
    if (spec_.type == RestoreTestSpec::Type::kVolume) {
      volumes_ = std::make_unique<VolumeTestSteps>(c_, spec_, report_.scratch, opt_.snapshots, &stop_,
                                                   [this](const std::string& line) { Log(line); });
      return volumes_->Resolve();
    }
    return spec_.type == RestoreTestSpec::Type::kDr ? ResolveDrill() : ResolveFiles();
  }

  // The scratch target (and scratch namespaces or claims), once the row says
  // this process runs the test: an earlier run's leftovers are removed first.
  Status Prepare() {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(report_.scratch, ec))) {
      HORT_RETURN_IF_ERROR(RemoveScratchTree(report_.scratch));
      notes_.push_back("removed a scratch target left by an earlier run");
    }
    fs::create_directories(report_.scratch, ec);
    if (ec) return Status(Code::kIo, "cannot create the scratch target " + report_.scratch + ": " + ec.message());
    if (resources_) {
      HORT_RETURN_IF_ERROR(resources_->ClaimScratchNamespaces());
      for (const auto& ns : resources_->leftovers()) notes_.push_back("removed scratch namespace " + ns + " left by an earlier run");
    } else if (spec_.scratch_pvc.enabled && !volumes_) {
      claims_ = std::make_unique<ScratchClaimSteps>(c_, spec_, &stop_, [this](const std::string& line) { Log(line); });
      HORT_RETURN_IF_ERROR(claims_->Prepare(report_.units));
    }
    Silence();
    return Status::Ok();
  }

  bool GivenRefused() const {
    return given_refused_ || (resources_ && resources_->GivenRefused()) || (volumes_ && volumes_->GivenRefused());
  }

  Result<Repository*> Open(const std::string& name) {
    auto it = repos_.find(name);
    if (it != repos_.end()) return it->second.repo.get();
    HORT_ASSIGN_OR_RETURN(OpenedRepo r, OpenCatalogRepository(c_, c_.repositories.at(name), OpenLock::kShared,
                                                                     opt_.counters, /*use_cache=*/false));
    HORT_RETURN_IF_ERROR(r.repo->LoadIndex().Annotate("repository " + name));
    Repository* repo = r.repo.get();
    repos_.emplace(name, std::move(r));
    return repo;
  }

  Status ResolveFiles() {
    FilesScope scope = ResolveFilesScope(c_, spec_, opt_.snapshots, report_.scratch,
                                         [this](const std::string& name) { return Open(name); });
    given_refused_ = scope.given_refused;
    report_.units = std::move(scope.units);
    return scope.status;
  }

  // Every host/paths group of the drilled repositories, latest snapshot each.
  Status ResolveDrill() {
    std::vector<std::string> names = spec_.repositories;
    if (names.empty()) {
      for (const auto& [name, r] : c_.repositories) names.push_back(name);
    }
    for (const auto& name : names) {
      HORT_ASSIGN_OR_RETURN(Repository * repo, Open(name));
      HORT_ASSIGN_OR_RETURN(auto units, LatestOfEveryGroup(*repo, name, report_.scratch + "/" + name));
      for (auto& u : units) report_.units.push_back(std::move(u));
    }
    OrderByClassification(report_.units, &c_);
    if (report_.units.empty()) return Status(Code::kNotFound, "the repositories hold no snapshots");
    return Status::Ok();
  }

  // The scope's alerts are silenced while the test runs (never longer than
  // its timeout, so a killed test's silence ends by itself).
  void Silence() {
    if (c_.alertmanager_url.empty()) return;
    std::vector<std::string> names;
    for (const Service* s : spec_.services) names.push_back(s->name);
    if (names.empty()) {
      for (const Service& s : c_.services) names.push_back(s.name);
    }
    if (names.empty()) return;
    am_ = std::make_unique<AlertmanagerClient>(c_.alertmanager_url);
    auto id = am_->CreateSilence({{"service", ExactAlternation(names), true}}, static_cast<double>(spec_.timeout_seconds),
                                 "hort restore test " + spec_.id + " (" + TestTypeName(spec_.type) + ")");
    if (!id.ok()) {
      notes_.push_back("alerts were not silenced: " + id.status().message());
      return;
    }
    report_.silence_id = *id;
    Log("silenced alerts of " + ExactAlternation(names) + " (silence " + *id + ")");
  }

  Status Restore() {
    if (volumes_) return volumes_->Restore();
    if (resources_) {
      HORT_RETURN_IF_ERROR(resources_->Restore());
      Log("restored " + std::to_string(resources_->Objects()) + " objects into " + resources_->FirstScratchNamespace() + " …");
      return Status::Ok();
    }
    double wall = RestoreUnits(report_.units, 2, &stop_);
    char secs[32];
    std::snprintf(secs, sizeof(secs), "%.2f", wall);
    Log("restored " + std::to_string(report_.units.size()) + " snapshot(s) in " + secs + " s");
    return claims_ ? claims_->Restore(report_.units) : Status::Ok();
  }

  Status Validate() {
    if (resources_) return ValidateSteps(resources_->Validate(), resources_->notes());
    if (volumes_) return ValidateSteps(volumes_->Validate(), volumes_->notes(), volumes_->AllRestored());
    (void)ValidateUnits(report_.units, &stop_);  // its own time is part of the stage's
    if (claims_) {
      claims_->Check(report_.units);
      for (const auto& f : claims_->findings()) Failure(f);
      for (const auto& n : claims_->notes()) notes_.push_back(n);
    }
    uint64_t files = 0, bytes = 0;
    for (const RestoreUnit& u : report_.units) {
      files += u.files;
      bytes += u.bytes;
      if (u.restored && u.valid) continue;
      std::string why = u.problems.empty() ? "restore incomplete" : u.problems.front();
      if (u.problem_count > 1) why += " (and " + std::to_string(u.problem_count - 1) + " more problems)";
      Failure(u.label + " (" + u.Describe() + "): " + why);
    }
    for (const auto& p : spec_.validate.expect) {
      struct stat st;
      if (::lstat((report_.scratch + "/" + p).c_str(), &st) != 0) Failure("expected path " + p + " is not in the restored data");
    }
    if (files < spec_.validate.min_files) {
      Failure("restored " + std::to_string(files) + " files, fewer than min_files " + std::to_string(spec_.validate.min_files));
    }
    if (bytes < spec_.validate.min_bytes) {
      Failure("restored " + std::to_string(bytes) + " bytes, fewer than min_bytes " + std::to_string(spec_.validate.min_bytes));
    }
    SmokeCommands();
    CheckRto();
    return Status::Ok();
  }

  // The steps' findings and notes (resources: objects present, workloads
  // ready; volume: blocks, e2fsck), smoke commands with their variables, the RTO.
  Status ValidateSteps(const std::vector<std::string>& findings, const std::vector<std::string>& notes,
                       bool restored = true) {
    for (const auto& f : findings) Failure(f);
    for (const auto& n : notes) notes_.push_back(n);
    // A volume that was not restored has no image: its commands would only add a confusing second finding.
    if (restored) SmokeCommands();
    else if (!spec_.validate.commands.empty()) notes_.push_back("smoke commands not run: a volume was not restored");
    CheckRto();
    return Status::Ok();
  }

  void CheckRto() {
    int64_t rto = spec_.RtoTarget();
    if (rto > 0 && report_.record.restore_seconds > static_cast<double>(rto)) {
      Failure("the restore took " + FormatDuration(static_cast<int64_t>(report_.record.restore_seconds)) +
              ", longer than the RTO target " + FormatDuration(rto));
    }
  }

  void SmokeCommands() {
    std::map<std::string, std::string> env{{"HORT_TEST_ID", spec_.id}, {"HORT_RESTORE_DIR", report_.scratch}};
    if (resources_) env["HORT_TEST_NAMESPACE"] = resources_->FirstScratchNamespace();
    if (volumes_) volumes_->AddEnv(env);
    if (!c_.kubernetes.kubeconfig.empty()) env["KUBECONFIG"] = c_.kubernetes.kubeconfig;
    for (const SmokeCommand& cmd : spec_.validate.commands) {
      if (stop_.load()) return;
      SmokeResult r;
      r.run = cmd.run;
      auto res = RunShellCommand(cmd.run, report_.scratch, env, cmd.timeout_seconds, &stop_);
      if (!res.ok()) {
        Failure("command \"" + cmd.run + "\" could not run: " + res.status().message());
        continue;
      }
      r.exit_code = res->exit_code;
      r.timed_out = res->timed_out;
      r.seconds = res->seconds;
      r.output = res->output.size() > 4096 ? res->output.substr(res->output.size() - 4096) : res->output;
      bool contains = cmd.output_contains.empty() || res->output.find(cmd.output_contains) != std::string::npos;
      r.ok = !res->timed_out && !res->cancelled && res->exit_code == 0 && contains;
      Log("command " + std::string(r.ok ? "ok" : "FAILED") + ": " + cmd.run);
      if (!r.ok && !res->cancelled) {
        std::string why = res->timed_out ? "timed out after " + FormatDuration(cmd.timeout_seconds)
                          : res->exit_code != 0 ? "exited with " + std::to_string(res->exit_code)
                                                : "output lacks \"" + cmd.output_contains + "\"";
        Failure("command \"" + cmd.run + "\" " + why + (r.output.empty() ? "" : ": " + OneLine(r.output, 200)));
      }
      report_.commands.push_back(std::move(r));
    }
  }

  Status CleanUp() {
    // --keep keeps what the test restored into: a resources test's scratch
    // namespaces (its next run removes them first, by their label), the
    // others' scratch target. A resources test restores nothing into the
    // scratch target (only its smoke commands run there): it always goes.
    if (resources_ && opt_.keep) {
      for (const auto& ns : resources_->ScratchNamespaces()) notes_.push_back("scratch namespace " + ns + " kept");
    } else if (resources_) {
      for (const auto& p : resources_->CleanUp()) Failure(p);
    }
    if (claims_) {
      for (const auto& p : claims_->CleanUp()) Failure(p);
    }
    repos_.clear();  // releases the shared locks
    if (!opt_.keep || resources_) {
      if (Status removed = RemoveScratchTree(report_.scratch); !removed.ok()) Failure(removed.message());
    } else {
      notes_.push_back("scratch target kept at " + report_.scratch);
    }
    if (am_ && !report_.silence_id.empty()) {
      Status s = am_->ExpireSilence(report_.silence_id);
      if (!s.ok()) notes_.push_back("the silence was not expired (it ends by itself): " + s.message());
      else Log("silence " + report_.silence_id + " expired");
    }
    return Status::Ok();
  }

  const Catalog& c_;
  const RestoreTestSpec& spec_;
  StateStore& state_;
  const RestoreTestOptions& opt_;
  RestoreTestReport report_;
  std::map<std::string, OpenedRepo> repos_;
  std::unique_ptr<AlertmanagerClient> am_;
  std::unique_ptr<ResourcesTestSteps> resources_;  // type resources only
  std::unique_ptr<VolumeTestSteps> volumes_;       // type volume only
  std::unique_ptr<ScratchClaimSteps> claims_;      // files with scratch_pvc
  std::atomic<bool> stop_{false};
  bool given_refused_ = false;  // a files test's --snapshot (FilesScope::given_refused)
  std::vector<std::string> failures_, notes_;
};

}  // namespace

std::string ScratchTarget(const Catalog& catalog, const RestoreTestSpec& spec) {
  return catalog.work_dir + "/" + spec.id + "-restore-test";
}

Result<RestoreTestReport> RunRestoreTest(const Catalog& catalog, const RestoreTestSpec& spec, StateStore& state,
                                         const RestoreTestOptions& options) {
  return Procedure(catalog, spec, state, options).Run();
}

}  // namespace hort
