// BT-VL-01's availability check: restored Deployments and StatefulSets must
// report every replica available, where the cluster runs them. A controller
// that runs a workload writes status.observedGeneration within seconds; a
// cluster without one (hort's test API server, a control plane without
// nodes) never does, and then availability is noted as not checked rather
// than failed or waited for until the timeout.
#include <algorithm>
#include <chrono>
#include <thread>

#include "kube/json_fields.h"
#include "verify/resources_steps.h"

namespace hort {
namespace {

constexpr auto kControllerGrace = std::chrono::seconds(15);
constexpr auto kPollInterval = std::chrono::seconds(2);

struct Workload {
  const kube::ResourceInfo* resource = nullptr;
  std::string ns, name;
  bool seen = false;  // a controller wrote its status
  bool done = false;
  std::string state;  // "0 of 2 replicas available"
  [[nodiscard]] std::string Title() const { return resource->kind + " " + ns + "/" + name; }
};

// Looks once; true when every replica of the current generation is available.
bool Available(kube::Client& client, Workload& w) {
  auto live = client.Get(*w.resource, w.ns, w.name);
  if (!live.ok()) {
    w.state = live.status().message();
    return false;
  }
  const int64_t want = kube::IntAt(*live, "/spec/replicas", 1);
  const int64_t generation = kube::IntAt(*live, "/metadata/generation", 0);
  const int64_t observed = kube::IntAt(*live, "/status/observedGeneration", -1);
  // StatefulSets report availableReplicas since Kubernetes 1.22; readyReplicas before.
  int64_t available = kube::IntAt(*live, "/status/availableReplicas", -1);
  if (available < 0) available = kube::IntAt(*live, "/status/readyReplicas", 0);
  w.seen = w.seen || observed >= 0;
  w.state = std::to_string(available) + " of " + std::to_string(want) + " replicas available";
  return want == 0 || (observed >= generation && available >= want);
}

}  // namespace

std::vector<std::string> ResourcesTestSteps::WaitForWorkloads(const kube::Discovery& discovery) {
  std::vector<Workload> workloads;
  for (const ResourcesTestUnit& u : units_) {
    for (const auto& item : u.report.items) {
      if (item.resource != "deployments.apps" && item.resource != "statefulsets.apps") continue;
      if (item.action == resources::RestoreAction::kFailed || item.action == resources::RestoreAction::kSkipped) continue;
      if (const kube::ResourceInfo* r = discovery.Find(item.resource)) workloads.push_back({r, item.ns, item.name});
    }
  }
  const auto start = std::chrono::steady_clock::now();
  const auto timeout = std::chrono::seconds(spec_.validate.ready_timeout_seconds);
  const auto deadline = start + timeout;
  // A ready_timeout shorter than the grace ends the wait for a controller too.
  const auto grace = std::min<std::chrono::seconds>(kControllerGrace, timeout);
  for (;;) {
    bool waiting_for_seen = false, unseen = false;
    for (Workload& w : workloads) {
      if (w.done) continue;
      w.done = Available(*client_, w);
      if (!w.done) (w.seen ? waiting_for_seen : unseen) = true;
    }
    const auto now = std::chrono::steady_clock::now();
    const bool only_unseen_left = !waiting_for_seen && (!unseen || now - start >= grace);
    if (only_unseen_left || now >= deadline || Stopped()) break;
    std::this_thread::sleep_for(kPollInterval);
  }
  std::vector<std::string> findings;
  for (const Workload& w : workloads) {
    if (w.done || Stopped()) continue;  // a stopped test says so itself
    if (!w.seen) {
      notes_.push_back("no controller reported on " + w.Title() + " within " +
                       std::to_string(grace.count()) + " s: its availability was not checked");
    } else {
      findings.push_back(w.Title() + ": " + w.state + " after " + std::to_string(spec_.validate.ready_timeout_seconds) +
                         " s");
    }
  }
  return findings;
}

}  // namespace hort
