#include "verify/restore_units.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>

#include "policy/snapshot_retention.h"
#include "restorer/restorer.h"
#include "util/thread_pool.h"
#include "verify/tree_check.h"

namespace hort {
namespace {

// Collects the restorer's per-item errors as problems of the unit.
class UnitObserver : public RestoreObserver {
 public:
  explicit UnitObserver(RestoreUnit& unit) : unit_(unit) {}
  void OnError(const std::string& item, const Status& s) override {
    std::lock_guard<std::mutex> g(mu_);
    if (++unit_.problem_count <= 10) unit_.problems.push_back("restore " + item + ": " + s.message());
  }

 private:
  RestoreUnit& unit_;
  std::mutex mu_;
};

void RestoreOne(RestoreUnit& u, const std::atomic<bool>* cancel) {
  auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  std::filesystem::create_directories(u.target, ec);
  RestoreOptions opt;
  opt.target = u.target;
  opt.cancel = cancel;
  UnitObserver obs(u);
  auto r = RunRestore(*u.repo, u.snapshot, opt, &obs);
  u.restore_seconds = SecondsSince(start);
  if (!r.ok()) {
    u.problems.push_back("restore failed: " + r.status().message());
    ++u.problem_count;
    return;
  }
  u.restored = r->errors == 0;
}

}  // namespace

std::string RestoreUnit::Describe() const {
  std::string paths;
  for (const auto& p : snapshot.paths) paths += (paths.empty() ? "" : ",") + p;
  return repository + ":" + snapshot.id.Short() + " " + snapshot.hostname + ":" + paths;
}

double RestoreUnits(std::vector<RestoreUnit>& units, int parallel, const std::atomic<bool>* cancel) {
  auto start = std::chrono::steady_clock::now();
  {
    ThreadPool pool(static_cast<size_t>(std::clamp<int>(parallel, 1, std::max<int>(1, static_cast<int>(units.size())))));
    for (RestoreUnit& u : units) pool.Submit([&u, cancel] { RestoreOne(u, cancel); });
  }  // the pool's destructor drains the queue
  return SecondsSince(start);
}

double ValidateUnits(std::vector<RestoreUnit>& units, const std::atomic<bool>* cancel) {
  auto start = std::chrono::steady_clock::now();
  for (RestoreUnit& u : units) {
    if (!u.restored) continue;
    auto t0 = std::chrono::steady_clock::now();
    auto c = CheckRestoredTree(*u.repo, u.snapshot, u.target, cancel);
    u.check_seconds = SecondsSince(t0);
    if (!c.ok()) {
      u.problems.push_back("validation failed: " + c.status().message());
      ++u.problem_count;
      continue;
    }
    u.files = c->files;
    u.bytes = c->bytes;
    u.problem_count += c->problems;
    for (auto& f : c->findings) u.problems.push_back(f);
    u.valid = c->problems == 0;
  }
  return SecondsSince(start);
}

std::string PathsSlug(const std::vector<std::string>& paths) {
  std::string out;
  for (const auto& p : paths) {
    std::string s = p;
    while (!s.empty() && s.front() == '/') s.erase(0, 1);
    std::replace(s.begin(), s.end(), '/', '_');
    if (s.empty() || s == "." || s == "..") s = "root";
    out += (out.empty() ? "" : "+") + s;
  }
  return out.empty() ? "root" : out;
}

Result<std::vector<RestoreUnit>> LatestOfEveryGroup(Repository& repo, const std::string& repository,
                                                    const std::string& base) {
  HORT_ASSIGN_OR_RETURN(std::vector<Snapshot> all, repo.LoadSnapshots());
  HORT_ASSIGN_OR_RETURN(std::vector<SnapshotGroup> groups, GroupSnapshots(all, "host,paths"));
  std::vector<RestoreUnit> out;
  std::set<std::string> targets;
  for (const SnapshotGroup& g : groups) {
    const Snapshot* latest = nullptr;
    for (const Snapshot* s : g.snapshots) {
      if (!latest || latest->time < s->time) latest = s;
    }
    if (!latest) continue;
    RestoreUnit u;
    u.repository = repository;
    u.repo = &repo;
    u.snapshot = *latest;
    std::string host = latest->hostname.empty() || latest->hostname.find('/') != std::string::npos ||
                               latest->hostname == "." || latest->hostname == ".."
                           ? "unknown-host"
                           : latest->hostname;
    // Hosts "a/b" and "" are both unknown-host, and paths slugs may collide:
    // two groups restored into one folder would overwrite each other.
    std::string folder = host + "/" + PathsSlug(latest->paths);
    for (int n = 2; !targets.insert(folder).second; ++n) folder = host + "/" + PathsSlug(latest->paths) + "-" + std::to_string(n);
    u.label = host + ":" + folder.substr(host.size() + 1);
    u.target = base + "/" + folder;
    out.push_back(std::move(u));
  }
  return out;
}

}  // namespace hort
