#include "agent/task.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <thread>

#include "crypto/crypto.h"
#include "kube/exec_credential.h"
#include "kube/json_fields.h"
#include "kube/object_names.h"
#include "kube/wait.h"
#include "util/timer.h"

namespace hort::agent {
namespace {

constexpr const char* kPrefix = "hort.dev/";

// Lease times are MicroTime: RFC 3339 in UTC with six fractional digits.
std::string MicroTime(double unix_seconds) {
  const auto whole = static_cast<std::time_t>(unix_seconds);
  const auto micros = static_cast<long>((unix_seconds - static_cast<double>(whole)) * 1e6);
  std::tm tm{};
  gmtime_r(&whole, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof(out), "%s.%06ldZ", buf, micros);
  return out;
}


std::string RandomSuffix() {
  uint8_t b[4];
  crypto::RandomBytes(b);
  char hex[9];
  std::snprintf(hex, sizeof(hex), "%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
  return hex;
}

std::string Annotation(const kube::Json& o, const char* key) {
  const kube::Json* a = kube::FieldAt(o, "/metadata/annotations");
  if (!a || !a->is_object()) return "";
  auto it = a->find(std::string(kPrefix) + key);
  return it != a->end() && it->is_string() ? it->get<std::string>() : "";
}

void SetAnnotation(kube::Json& o, const char* key, const std::string& value) {
  if (!value.empty()) o["metadata"]["annotations"][std::string(kPrefix) + key] = value;
}

const char* KindName(TaskKind k) { return k == TaskKind::kRestore ? "restore" : "backup"; }

// Writes `change` onto the task's Lease with the resourceVersion it was read
// at. A conflict (someone wrote in between; or our own earlier write landed
// although its answer was lost) is resolved by reading the Lease again: when
// it is still `holder`'s and unfinished the change is applied to the fresh
// copy; otherwise the task is no longer ours (kAlreadyExists says by whom).
// Answers that never came (5xx, timeouts) are retried for a few seconds.
Status Update(kube::Client& client, const std::string& ns, Task& task, const std::string& holder,
              const std::function<void(kube::Json&)>& change) {
  HORT_ASSIGN_OR_RETURN(kube::ResourceInfo r, LeaseResource(client));
  for (int attempt = 0;; ++attempt) {
    kube::Json o = task.object;
    change(o);
    auto written = client.Replace(r, ns, o, {});
    if (written.ok()) {
      auto parsed = ParseTask(*written);
      if (parsed.ok()) task = std::move(parsed).value();
      else task.object = *written;  // the write landed; a later one starts from it
      return Status::Ok();
    }
    const Code code = written.status().code();
    if (attempt >= 5 || (code != Code::kAlreadyExists && code != Code::kUnavailable)) return written.status();
    if (code == Code::kUnavailable) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    HORT_ASSIGN_OR_RETURN(Task fresh, GetTask(client, ns, task.name));
    if (fresh.holder != holder || fresh.result) {
      return Status(Code::kAlreadyExists, "task " + task.name + " is no longer " + (holder.empty() ? "open" : holder + "'s") +
                                              (fresh.holder.empty() ? "" : ": held by " + fresh.holder) +
                                              (fresh.result ? ", finished" : ""));
    }
    task = std::move(fresh);
  }
}

// A name the API gives (pod uid) or a PV name, used as one path segment.
bool SafeSegment(const std::string& s) {
  if (s.empty() || s == "." || s == ".." || s.size() > 253) return false;
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.')) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<kube::ResourceInfo> LeaseResource(kube::Client& client) {
  return kube::Served(client, "coordination.k8s.io", "v1", "leases", "Kubernetes 1.14 and newer serve it");
}

Result<Task> CreateTask(kube::Client& client, const std::string& ns, const TaskInput& in) {
  HORT_ASSIGN_OR_RETURN(kube::ResourceInfo r, LeaseResource(client));
  kube::Json o = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata",
                   {{"name", "hort-task-" + RandomSuffix()},
                    {"namespace", ns},
                    {"labels",
                     {{"app.kubernetes.io/managed-by", "hort"}, {"hort.dev/node", kube::ValidLabelValue(in.node)}, {"hort.dev/task", KindName(in.kind)}}}}},
                  {"spec", {{"leaseDurationSeconds", kLeaseSeconds}}}};
  // A node name may be 253 characters, a label value 63: the label selects, the annotation names it.
  SetAnnotation(o, "node", in.node);
  SetAnnotation(o, "job", in.job);
  SetAnnotation(o, "namespace", in.ns);
  SetAnnotation(o, "pvc", in.pvc);
  SetAnnotation(o, "pv", in.pv);
  SetAnnotation(o, "pod", in.pod);
  SetAnnotation(o, "pod-uid", in.pod_uid);
  SetAnnotation(o, "snapshot", in.snapshot);
  SetAnnotation(o, "repository", in.repository);
  SetAnnotation(o, "holder-job", in.holder_job);
  if (!in.tags.empty()) {
    std::string joined;
    for (const auto& tag : in.tags) joined += (joined.empty() ? "" : ",") + tag;
    SetAnnotation(o, "tags", joined);
  }
  if (!in.retention) SetAnnotation(o, "retention", "false");
  HORT_ASSIGN_OR_RETURN(kube::Json created, client.Create(r, ns, o, {}));
  return ParseTask(created);
}

Result<Task> ParseTask(const kube::Json& o) {
  Task t;
  t.object = o;
  t.name = kube::StringAt(o, "/metadata/name");
  t.resource_version = kube::StringAt(o, "/metadata/resourceVersion");
  t.input.kind = kube::StringAt(o, "/metadata/labels/hort.dev~1task") == "restore" ? TaskKind::kRestore : TaskKind::kBackup;
  t.input.node = Annotation(o, "node");
  if (t.input.node.empty()) t.input.node = kube::StringAt(o, "/metadata/labels/hort.dev~1node");  // one an older hort made
  t.input.job = Annotation(o, "job");
  t.input.ns = Annotation(o, "namespace");
  t.input.pvc = Annotation(o, "pvc");
  t.input.pv = Annotation(o, "pv");
  t.input.pod = Annotation(o, "pod");
  t.input.pod_uid = Annotation(o, "pod-uid");
  t.input.repository = Annotation(o, "repository");
  const std::string tags = Annotation(o, "tags");
  for (size_t a = 0; a < tags.size();) {
    size_t b = tags.find(',', a);
    if (b == std::string::npos) b = tags.size();
    if (b > a) t.input.tags.push_back(tags.substr(a, b - a));
    a = b + 1;
  }
  t.input.retention = Annotation(o, "retention") != "false";
  t.holder = kube::StringAt(o, "/spec/holderIdentity");
  t.lease_seconds = kube::IntAt(o, "/spec/leaseDurationSeconds", kLeaseSeconds);
  if (auto when = kube::ParseRfc3339(kube::StringAt(o, "/spec/renewTime")); when.ok()) t.renew_time = *when;
  const std::string result = Annotation(o, "result");
  if (t.input.kind == TaskKind::kRestore || result.empty()) t.input.snapshot = Annotation(o, "snapshot");
  if (!result.empty()) {
    TaskResult res;
    res.code = CodeFromName(result).value_or(Code::kInternal);
    res.error = Annotation(o, "error");
    res.snapshot = Annotation(o, "snapshot");
    res.files = std::strtoull(Annotation(o, "files").c_str(), nullptr, 10);
    res.bytes = std::strtoull(Annotation(o, "bytes").c_str(), nullptr, 10);
    if (res.code != Code::kOk && res.error.empty()) res.error = "the agent reported " + result + " without a message";
    t.result = res;
  }
  if (t.name.empty() || t.input.node.empty() || t.input.ns.empty() || t.input.pvc.empty()) {
    return Status(Code::kInvalidArgument, "lease " + t.name + " is not a hort task (node, namespace or pvc missing)");
  }
  // They become path segments under the kubelet's folder on the agent's node.
  if (!SafeSegment(t.input.pod_uid) || !SafeSegment(t.input.pv)) {
    return Status(Code::kInvalidArgument, "lease " + t.name + " names a pod uid or volume that is not a plain name");
  }
  if (auto created = kube::ParseRfc3339(kube::StringAt(o, "/metadata/creationTimestamp")); created.ok()) t.created = *created;
  t.input.holder_job = Annotation(o, "holder-job");
  return t;
}

Result<Task> GetTask(kube::Client& client, const std::string& ns, const std::string& name) {
  HORT_ASSIGN_OR_RETURN(kube::ResourceInfo r, LeaseResource(client));
  HORT_ASSIGN_OR_RETURN(kube::Json o, client.Get(r, ns, name));
  return ParseTask(o);
}

Result<std::vector<Task>> OpenTasks(kube::Client& client, const std::string& ns, const std::string& node) {
  HORT_ASSIGN_OR_RETURN(kube::ResourceInfo r, LeaseResource(client));
  kube::ListOptions opt;
  opt.label_selector = "app.kubernetes.io/managed-by=hort,hort.dev/node=" + kube::ValidLabelValue(node);
  HORT_ASSIGN_OR_RETURN(kube::ObjectList list, client.List(r, ns, opt));
  std::vector<Task> out;
  const double now = UnixNow();
  for (const kube::Json& o : list.items) {
    auto t = ParseTask(o);
    // A task older than the claim timeout is one its creator gave up on (or
    // is about to): taking it would run a job nobody records.
    if (!t.ok() || t->input.node != node || !t->holder.empty() || t->result) continue;  // a hashed label's twin
    if (t->created > 0 && now - t->created > static_cast<double>(kClaimTimeoutSeconds)) continue;
    out.push_back(std::move(t).value());
  }
  return out;
}

Status Claim(kube::Client& client, const std::string& ns, Task& task, const std::string& holder) {
  HORT_ASSIGN_OR_RETURN(kube::ResourceInfo r, LeaseResource(client));
  const std::string now = MicroTime(UnixNow());
  kube::Json o = task.object;
  o["spec"]["holderIdentity"] = holder;
  o["spec"]["acquireTime"] = now;
  o["spec"]["renewTime"] = now;
  o["spec"]["leaseDurationSeconds"] = kLeaseSeconds;
  // No retry on a conflict: whoever wrote first has the task.
  HORT_ASSIGN_OR_RETURN(kube::Json written, client.Replace(r, ns, o, {}));
  task.object = written;
  task.holder = holder;
  task.resource_version = kube::StringAt(written, "/metadata/resourceVersion");
  return Status::Ok();
}

Status Renew(kube::Client& client, const std::string& ns, Task& task) {
  return Update(client, ns, task, task.holder, [](kube::Json& o) { o["spec"]["renewTime"] = MicroTime(UnixNow()); });
}

Status Finish(kube::Client& client, const std::string& ns, Task& task, const TaskResult& res) {
  const bool backup = task.input.kind == TaskKind::kBackup;
  return Update(client, ns, task, task.holder, [&](kube::Json& o) {
    o["spec"]["renewTime"] = MicroTime(UnixNow());
    o["metadata"]["annotations"][std::string(kPrefix) + "result"] = CodeName(res.code);
    SetAnnotation(o, "error", res.error);
    if (backup) SetAnnotation(o, "snapshot", res.snapshot);
    SetAnnotation(o, "files", std::to_string(res.files));
    SetAnnotation(o, "bytes", std::to_string(res.bytes));
  });
}

Status Withdraw(kube::Client& client, const std::string& ns, Task& task, const std::string& why) {
  HORT_ASSIGN_OR_RETURN(kube::ResourceInfo r, LeaseResource(client));
  kube::Json o = task.object;
  o["spec"]["holderIdentity"] = "hort-serve";
  o["metadata"]["annotations"][std::string(kPrefix) + "result"] = CodeName(Code::kCancelled);
  o["metadata"]["annotations"][std::string(kPrefix) + "error"] = why;
  HORT_ASSIGN_OR_RETURN(kube::Json written, client.Replace(r, ns, o, {}));
  task.object = written;
  return Status::Ok();
}


}  // namespace hort::agent
