#include "agent/holder.h"

#include <chrono>

#include "kube/json_fields.h"
#include "kube/wait.h"

namespace hort::agent {
namespace {

kube::Json HolderJob(const HolderSpec& s) {
  const int64_t uid = 65532;  // the image's non-root user
  kube::Json container = {
      {"name", "hold"},
      {"image", s.image},
      {"command", {"hort", "agent", "hold", "--timeout", std::to_string(s.hold_seconds) + "s"}},
      {"volumeMounts", {{{"name", "data"}, {"mountPath", "/data/" + s.pvc}, {"readOnly", s.read_only}}}},
      {"resources", {{"requests", {{"cpu", "10m"}, {"memory", "16Mi"}}}, {"limits", {{"memory", "64Mi"}}}}},
      {"securityContext",
       {{"allowPrivilegeEscalation", false},
        {"readOnlyRootFilesystem", true},
        {"capabilities", {{"drop", {"ALL"}}}}}}};
  kube::Json labels = {{"app.kubernetes.io/managed-by", "hort"}, {"app.kubernetes.io/component", "holder"}};
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata", {{"generateName", "hort-mount-"}, {"namespace", s.ns}, {"labels", labels},
                        {"annotations", {{"hort.dev/pvc", s.pvc}}}}},
          {"spec",
           {{"backoffLimit", 0},
            {"activeDeadlineSeconds", s.hold_seconds},
            {"ttlSecondsAfterFinished", 300},
            {"template",
             {{"metadata", {{"labels", labels}}},
              {"spec",
               {{"restartPolicy", "Never"},
                {"automountServiceAccountToken", false},
                {"terminationGracePeriodSeconds", 5},
                {"securityContext",
                 {{"runAsNonRoot", true}, {"runAsUser", uid}, {"runAsGroup", uid},
                  {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
                {"containers", {container}},
                {"volumes",
                 {{{"name", "data"},
                   {"persistentVolumeClaim", {{"claimName", s.pvc}, {"readOnly", s.read_only}}}}}}}}}}}}};
}

}  // namespace

Result<Holder> StartHolder(kube::Client& client, const HolderSpec& spec) {
  if (spec.image.empty()) {
    return Status(Code::kInvalidArgument, "persistentvolumeclaim " + spec.ns + "/" + spec.pvc +
                                              " is mounted by no running pod, and HORT_IMAGE is not set, so hort cannot "
                                              "start a Job that mounts it");
  }
  HORT_ASSIGN_OR_RETURN(kube::ResourceInfo jobs, kube::Served(client, "batch", "v1", "jobs", "a built-in resource"));
  HORT_ASSIGN_OR_RETURN(kube::Json created, client.Create(jobs, spec.ns, HolderJob(spec), {}));
  Holder h;
  h.job = kube::StringAt(created, "/metadata/name");
  HORT_ASSIGN_OR_RETURN(kube::Discovery d, client.Discover());
  const kube::ResourceInfo* pods = d.Find("", "v1", "pods");
  if (!pods) return Status(Code::kUnsupported, "the cluster serves no pods");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(spec.start_timeout_seconds);
  std::string phase = "not created";
  for (;;) {
    kube::ListOptions opt;
    opt.label_selector = "batch.kubernetes.io/job-name=" + h.job;
    auto list = client.List(*pods, spec.ns, opt);
    if (!list.ok()) {
      (void)DeleteHolder(client, spec.ns, h.job);
      return list.status().Annotate("the pod of holder Job " + spec.ns + "/" + h.job);
    }
    for (const kube::Json& p : list->items) {
      phase = kube::StringAt(p, "/status/phase", "Pending");
      const std::string node = kube::StringAt(p, "/spec/nodeName");
      if (phase == "Running" && !node.empty()) {
        h.mount = {kube::StringAt(p, "/metadata/name"), kube::StringAt(p, "/metadata/uid"), node};
        return h;
      }
      if (phase == "Failed" || phase == "Succeeded") break;
    }
    const bool ended = phase == "Failed" || phase == "Succeeded";
    if (ended || std::chrono::steady_clock::now() >= deadline) {
      (void)DeleteHolder(client, spec.ns, h.job);
      return Status(Code::kUnavailable, "holder Job " + spec.ns + "/" + h.job + " mounting " + spec.pvc +
                                            (ended ? " ended (" + phase + ") before hort could use it"
                                                   : " has no running pod after " +
                                                         std::to_string(spec.start_timeout_seconds) + " s (pod " +
                                                         phase + "); hort deleted it"));
    }
    if (!kube::SleepUnlessStopped(std::chrono::steady_clock::now() + std::chrono::milliseconds(500), spec.stop)) {
      (void)DeleteHolder(client, spec.ns, h.job);
      return Status(Code::kCancelled, "stopped while waiting for holder Job " + spec.ns + "/" + h.job);
    }
  }
}

Status DeleteHolder(kube::Client& client, const std::string& ns, const std::string& job) {
  HORT_ASSIGN_OR_RETURN(kube::ResourceInfo jobs, kube::Served(client, "batch", "v1", "jobs", "a built-in resource"));
  Status s = client.Delete(jobs, ns, job, kube::Propagation::kBackground);
  return s.code() == Code::kNotFound ? Status::Ok() : s;
}

}  // namespace hort::agent
