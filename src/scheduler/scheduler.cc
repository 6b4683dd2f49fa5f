#include "scheduler/scheduler.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "util/timer.h"

namespace hort {

namespace {

// Only a failure that may pass by itself is retried: a wrong password, a
// missing repository or a failing hook stay as they are until someone acts,
// and a partial backup already saved its snapshot for this slot.
bool WorthRetrying(const RunRecord& r) {
  return r.result == RunResult::kFailed && r.error_code && IsTransient(*r.error_code);
}

// After a restart, runs the old process could not finish (interrupted) are
// tried again too, and so are failures recorded before codes were kept.
bool WorthRetryingAfterRestart(const RunRecord& r) {
  return WorthRetrying(r) || !r.error_code || *r.error_code == Code::kCancelled;
}

}  // namespace

RecordedRun RunAndRecord(StateStore& state, Clock& clock, const JobSpec& job, const std::string& trigger,
                         int64_t scheduled_for, int attempt, const JobExecutor& execute) {
  return RunAndRecord(state, clock, job, trigger, scheduled_for, attempt,
                      RunExecutor([&](const JobSpec& j, const RunRecord&) { return execute(j); }));
}

RecordedRun RunAndRecord(StateStore& state, Clock& clock, const JobSpec& job, const std::string& trigger,
                         int64_t scheduled_for, int attempt, const RunExecutor& execute) {
  RunRecord r;
  r.job = job.id;
  r.kind = job.KindName();
  if (job.service) r.service = job.service->name;
  r.layer = job.layer;
  r.repository = job.TargetName();
  r.trigger = trigger;
  r.scheduled_for = scheduled_for;
  r.attempt = attempt;
  r.pid = ::getpid();
  r.started = clock.Now();
  auto id = state.BeginRun(r);
  if (!id.ok()) {
    r.ended = r.started;
    r.result = RunResult::kFailed;
    if (id.status().code() == Code::kAlreadyExists) {
      // Another process runs this job now: that run serves this one's purpose.
      r.error_code = Code::kAlreadyExists;
      r.error = id.status().message();
      return {r, Status::Ok()};
    }
    // Transient: the daemon retries it once the database is free again.
    r.error_code = Code::kUnavailable;
    r.error = "not run: its start could not be recorded (" + id.status().message() + ")";
    return {r, Status(Code::kUnavailable, r.error)};
  }
  r.id = *id;
  JobOutcome o = execute(job, r);
  r.ended = clock.Now();
  r.result = o.ok()                               ? RunResult::kSuccess
             : o.status.code() == Code::kPartial ? RunResult::kPartial
                                                 : RunResult::kFailed;
  if (!o.ok()) r.error_code = o.status.code();
  r.snapshot_id = o.snapshot_id;
  r.bytes_added = o.bytes_added;
  r.files = o.files;
  r.error = o.Error();
  Status end = state.FinishRun(r);
  for (int i = 1; i < kFinishRunTries && !end.ok(); ++i) end = state.FinishRun(r);
  if (!end.ok()) {
    return {r, Status(end.code(), std::string("ran (") + RunResultName(r.result) +
                                      (r.snapshot_id.empty() ? "" : ", snapshot " + r.snapshot_id.substr(0, 8)) +
                                      (r.error.empty() ? "" : ": " + r.error) +
                                      ") but its end could not be recorded: " + end.message())};
  }
  return {r, Status::Ok()};
}

Scheduler::Scheduler(const Catalog& catalog, StateStore& state, Clock& clock, JobExecutor executor)
    : Scheduler(catalog, state, clock,
                RunExecutor([executor = std::move(executor)](const JobSpec& j, const RunRecord&) { return executor(j); })) {}

Scheduler::Scheduler(const Catalog& catalog, StateStore& state, Clock& clock, RunExecutor executor)
    : catalog_(catalog), state_(state), clock_(clock), executor_(std::move(executor)) {}

Status Scheduler::RunNow(const std::string& job) {
  std::lock_guard<std::mutex> g(mu_);
  if (stopped_) return Status(Code::kCancelled, "hort serve is stopping; no new runs");
  auto known = std::find_if(catalog_.jobs.begin(), catalog_.jobs.end(), [&](const JobSpec& j) { return j.id == job; });
  if (known == catalog_.jobs.end()) return Status(Code::kNotFound, "no job " + job + " in the catalog");
  JobState& js = jobs_[job];
  if (js.running) return Status(Code::kAlreadyExists, job + " is running now");
  HORT_ASSIGN_OR_RETURN(auto elsewhere, state_.LiveRun(job));  // `hort run` beside the daemon
  if (elsewhere) return RunsNow(job, elsewhere->pid, elsewhere->started);
  js.pending = true;
  js.trigger = "manual";
  js.scheduled_for = 0;  // no slot: it sorts before every scheduled run
  js.attempt = 1;
  js.retry_at = 0;
  changed_.notify_all();  // the daemon's loop ticks at once
  return Status::Ok();
}

Scheduler::~Scheduler() {
  Stop();
  WaitIdle();
  std::lock_guard<std::mutex> g(workers_mu_);
  for (auto& w : workers_) w.thread.join();
}

void Scheduler::ReapFinishedThreads() {
  std::lock_guard<std::mutex> g(workers_mu_);
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

Status Scheduler::Startup() {
  int64_t now = static_cast<int64_t>(clock_.Now());
  HORT_ASSIGN_OR_RETURN(auto interrupted, state_.RecoverInterrupted(static_cast<double>(now)));
  std::lock_guard<std::mutex> g(mu_);
  for (const JobSpec& job : catalog_.jobs) {
    JobState& js = jobs_[job.id];
    HORT_ASSIGN_OR_RETURN(int64_t first_seen, state_.FirstSeen(job.id, now));
    HORT_ASSIGN_OR_RETURN(auto last, state_.LastRun(job.id));
    int64_t anchor = last ? static_cast<int64_t>(last->started) : first_seen;
    int64_t missed = job.schedule->Next(anchor);
    js.next_due = job.schedule->Next(now);
    if (missed <= now) {
      js.pending = true;
      js.trigger = "startup";
      js.scheduled_for = missed;
    } else if (last && last->result == RunResult::kFailed && WorthRetryingAfterRestart(*last)) {
      // Interrupted, or failed transiently, before the restart: try again now.
      js.pending = true;
      js.trigger = "retry";
      js.scheduled_for = last->scheduled_for;
      js.attempt = last->attempt + 1;
    }
  }
  return Status::Ok();
}

std::vector<std::string> Scheduler::RepositoriesOf(const JobSpec& job) const {
  std::vector<std::string> out;
  if (job.repository) out.push_back(job.repository->name);
  if (job.source) out.push_back(job.source->name);
  if (job.store) out.push_back("volume store " + job.store->name);  // never a repository's name
  return out;
}

void Scheduler::Tick() {
  ReapFinishedThreads();
  int64_t now = static_cast<int64_t>(clock_.Now());
  std::lock_guard<std::mutex> g(mu_);
  if (stopped_) return;
  for (const JobSpec& job : catalog_.jobs) {
    JobState& js = jobs_[job.id];
    if (js.next_due == 0) js.next_due = job.schedule->Next(now);
    if (now >= js.next_due) {
      // Several slots passed (a long job, a stalled clock): one run serves them all.
      if (!js.pending) {
        js.pending = true;
        js.trigger = "schedule";
        js.scheduled_for = js.next_due;
        js.attempt = 1;
        js.retry_at = 0;
      }
      js.next_due = job.schedule->Next(now);
    }
    if (js.retry_at != 0 && now >= js.retry_at && !js.pending) {
      js.pending = true;
      js.trigger = "retry";
      js.retry_at = 0;
    }
  }
  // Oldest slot first, so a busy repository serves its jobs in order.
  std::vector<const JobSpec*> order;
  for (const JobSpec& job : catalog_.jobs) {
    if (jobs_[job.id].pending) order.push_back(&job);
  }
  std::stable_sort(order.begin(), order.end(), [&](const JobSpec* a, const JobSpec* b) {
    return jobs_[a->id].scheduled_for < jobs_[b->id].scheduled_for;
  });
  for (const JobSpec* job : order) {
    if (running_ >= static_cast<size_t>(catalog_.serve.max_jobs)) break;
    JobState& js = jobs_[job->id];
    if (js.running) continue;
    // A `hort run` of this job in another process: the slot waits for it to end.
    auto elsewhere = state_.LiveRun(job->id);
    if (elsewhere.ok() && elsewhere->has_value()) continue;
    auto repos = RepositoriesOf(*job);
    bool free = std::none_of(repos.begin(), repos.end(), [&](const std::string& r) { return busy_repos_.count(r) > 0; });
    if (free) Start(*job, js);
  }
}

void Scheduler::Start(const JobSpec& job, JobState& js) {
  js.pending = false;
  js.running = true;
  ++running_;
  auto repos = RepositoriesOf(job);
  for (const auto& r : repos) busy_repos_.insert(r);
  std::string trigger = js.trigger;
  int64_t slot = js.scheduled_for;
  int attempt = js.attempt;
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::lock_guard<std::mutex> wg(workers_mu_);
  workers_.push_back({std::thread([this, &job, trigger, slot, attempt, repos, done] {
    auto [r, recorded] = RunAndRecord(state_, clock_, job, trigger, slot, attempt, executor_);
    if (!recorded.ok() && log_) log_(job.id + ": " + recorded.message());
    std::lock_guard<std::mutex> g(mu_);
    JobState& js = jobs_[job.id];
    js.running = false;
    --running_;
    for (const auto& name : repos) busy_repos_.erase(name);
    if (WorthRetrying(r) && attempt <= catalog_.serve.retry_attempts) {
      double backoff = static_cast<double>(catalog_.serve.retry_backoff_seconds) * std::pow(2.0, attempt - 1);
      js.retry_at = static_cast<int64_t>(r.ended + backoff);
      js.attempt = attempt + 1;
      js.scheduled_for = slot;
    } else {
      js.retry_at = 0;
      js.attempt = 1;
    }
    done->store(true);
    changed_.notify_all();
  }), done});
}

void Scheduler::WaitIdle() {
  std::unique_lock<std::mutex> g(mu_);
  changed_.wait(g, [&] { return running_ == 0; });
}

void Scheduler::WaitForChange(double seconds) {
  std::unique_lock<std::mutex> g(mu_);
  changed_.wait_for(g, std::chrono::duration<double>(seconds));
}

void Scheduler::Stop() {
  std::lock_guard<std::mutex> g(mu_);
  stopped_ = true;
  changed_.notify_all();
}

size_t Scheduler::Pending() {
  std::lock_guard<std::mutex> g(mu_);
  size_t n = 0;
  for (const auto& [id, js] : jobs_) n += js.pending ? 1 : 0;
  return n;
}

size_t Scheduler::Running() {
  std::lock_guard<std::mutex> g(mu_);
  return running_;
}

int64_t Scheduler::NextDue() {
  std::lock_guard<std::mutex> g(mu_);
  int64_t next = INT64_MAX;
  for (const auto& [id, js] : jobs_) {
    next = std::min(next, js.next_due);
    if (js.retry_at) next = std::min(next, js.retry_at);
    if (js.pending) next = 0;
  }
  return next;
}

}  // namespace hort
