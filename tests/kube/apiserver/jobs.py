"""A stand-in for kube-controller-manager's Job controller (with the TTL-after-finished and garbage
collector parts that concern Jobs), active when the server simulates nodes (main.py --nodes). Not the real
controller: one pod at a time (parallelism is not honoured; completions are run one after another),
a failed pod is replaced at once (no 10 s exponential back-off), restartPolicy OnFailure is treated as Never,
no Indexed completion mode, podFailurePolicy, successPolicy or pod tracking finalizers.
- create: kube's defaults (selector batch.kubernetes.io/controller-uid, the four job labels on the
  template, backoffLimit 6, completions/parallelism 1, ...) and restartPolicy validation; then a pod
  <job>-<5 chars> from the template, controlled by the Job; status startTime/active/ready.
- a pod ends (kubelet.py) or is deleted while active: succeeded/failed counts; Complete (reason
  CompletionsReached) when completions are reached, Failed (BackoffLimitExceeded) when failed > backoffLimit,
  else a new pod. activeDeadlineSeconds: active pods deleted, Failed (DeadlineExceeded).
  ttlSecondsAfterFinished: the Job is deleted (Foreground) that long after it finished.
- delete: Background/Foreground delete the Job's pods; Orphan (the batch/v1 default when no policy is
  given, with kube's warning) removes the Job's ownerReference from them."""
import asyncio
import copy

import objects
import system
from status import ApiError, invalid
from system import JOBS, PODS

ORPHAN_WARNING = ("child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to "
                  "remove them or set propagationPolicy=Orphan to suppress this warning")
MANAGER = "kube-controller-manager"


def finished(job):
    return any(c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
               for c in (job.get("status") or {}).get("conditions") or [])


def default_policy(c, opts):
    """The propagation policy of a delete without one: batch/v1 Jobs orphan their pods (and warn)."""
    if c.res.kind == "Job" and "orphanDependents" not in opts:
        c.warnings.append(ORPHAN_WARNING)
        return "Orphan"
    if "orphanDependents" in opts:
        return "Orphan" if opts["orphanDependents"] else "Background"
    return None


class Jobs:
    def __init__(self, server, active):
        self.s, self.active = server, active  # active: nodes are simulated
        self.counted = set()  # uids of ended pods already in a Job's succeeded/failed

    def admit(self, job):
        """Defaulting and validation on create (SetDefaults_Job, the Job strategy's generated selector): the
        registry's, so with or without simulated nodes."""
        meta, spec = job["metadata"], job.setdefault("spec", {})
        tmpl = spec.setdefault("template", {})
        tspec = tmpl.setdefault("spec", {})
        if tspec.get("restartPolicy") not in ("Never", "OnFailure"):
            raise invalid("Job", meta["name"], "batch", [("spec.template.spec.restartPolicy", "FieldValueNotSupported",
                          f'Unsupported value: "{tspec.get("restartPolicy", "Always")}": supported values: "OnFailure", "Never"')])
        if "completions" not in spec and "parallelism" not in spec:
            spec["completions"] = 1
        for k, v in (("parallelism", 1), ("backoffLimit", 6), ("completionMode", "NonIndexed"), ("suspend", False),
                     ("podReplacementPolicy", "TerminatingOrFailed"), ("manualSelector", None)):
            if v is not None:
                spec.setdefault(k, v)
        if not spec.get("manualSelector"):
            uid, name = meta["uid"], meta["name"]
            spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
            tmpl.setdefault("metadata", {}).setdefault("labels", {}).update({
                "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": name,
                "controller-uid": uid, "job-name": name})
        for k, v in (("dnsPolicy", "ClusterFirst"), ("terminationGracePeriodSeconds", 30),
                     ("schedulerName", "default-scheduler"), ("securityContext", {})):
            tspec.setdefault(k, v)

    def created(self, job):
        if not self.active or job["spec"].get("suspend"):
            return
        job["status"] = {"startTime": objects.now(), "failed": 0, "succeeded": 0}
        ads = job["spec"].get("activeDeadlineSeconds")
        if ads:
            m = job["metadata"]
            asyncio.get_event_loop().call_later(float(ads), self.deadline, m["namespace"], m["name"], m["uid"])
        self.sync(job)

    # ---- pods ---------------------------------------------------------------------------------
    def pods(self, job):
        return [p for _, p in self.s.store.list(PODS, job["metadata"]["namespace"]) if system.owned_by(p, job["metadata"]["uid"])]

    def job_of(self, pod):
        ref = system.controller_of(pod, "Job")
        job = ref and self.s.store.get(JOBS, pod["metadata"]["namespace"], ref[0])
        return job if job and job["metadata"]["uid"] == ref[1] and not finished(job) else None

    def pod_started(self, pod):
        job = self.job_of(pod)
        if job:
            self.sync(job)

    def pod_finished(self, pod):
        self._count(pod, pod["status"].get("phase") == "Succeeded")

    def pod_deleted(self, pod):
        if pod["status"].get("phase") not in ("Succeeded", "Failed"):
            self._count(pod, False)  # an active pod gone counts as failed

    def _count(self, pod, ok):
        job = self.job_of(pod)
        if not self.active or not job or pod["metadata"]["uid"] in self.counted:
            return
        self.counted.add(pod["metadata"]["uid"])
        st = job.setdefault("status", {})
        key = "succeeded" if ok else "failed"
        st[key] = st.get(key, 0) + 1
        self.sync(job)

    def new_pod(self, job):
        meta, tmpl = job["metadata"], copy.deepcopy(job["spec"].get("template") or {})
        tm = tmpl.get("metadata") or {}
        pm = {"generateName": meta["name"] + "-", "namespace": meta["namespace"], "labels": tm.get("labels") or {},
              "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": meta["name"], "uid": meta["uid"],
                                   "controller": True, "blockOwnerDeletion": True}]}
        if tm.get("annotations"):
            pm["annotations"] = tm["annotations"]
        return system.create(self.s, PODS, meta["namespace"], {"metadata": pm, "spec": tmpl.get("spec") or {}}, MANAGER)

    def sync(self, job):
        """Counts, conditions and the next pod, from the Job's pods and its status counts."""
        st, spec = job["status"], job["spec"]
        pods = [p for p in self.pods(job) if p["status"].get("phase") not in ("Succeeded", "Failed")]
        t = objects.now()
        if st.get("succeeded", 0) >= (spec.get("completions") or 1):
            self.finish(job, "Complete", "CompletionsReached", "Reached expected number of succeeded pods")
        elif st.get("failed", 0) > spec.get("backoffLimit", 6):
            self.finish(job, "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit", pods)
        else:
            if not pods:
                try:
                    pods = [self.new_pod(job)]
                except ApiError:  # e.g. 403 in a Terminating namespace: the controller tries again later
                    pass
            st.update(active=len(pods), ready=sum(p["status"].get("phase") == "Running" for p in pods), terminating=0,
                      uncountedTerminatedPods={})
            st.setdefault("startTime", t)
            system.update(self.s, JOBS, job, MANAGER, "status")

    def finish(self, job, kind, reason, message, active=()):
        st, t = job["status"], objects.now()
        st["failed"] = st.get("failed", 0) + len(active)
        self.counted.update(p["metadata"]["uid"] for p in active)
        st.update(active=0, ready=0, terminating=0, uncountedTerminatedPods={})
        if kind == "Complete":
            st["completionTime"] = t
        st["conditions"] = (st.get("conditions") or []) + [{"type": kind, "status": "True", "lastProbeTime": t,
                                                            "lastTransitionTime": t, "reason": reason, "message": message}]
        job = system.update(self.s, JOBS, job, MANAGER, "status")
        for p in active:
            system.delete(self.s, PODS, p["metadata"]["namespace"], p["metadata"]["name"], MANAGER)
        ttl = job and job["spec"].get("ttlSecondsAfterFinished")
        if ttl is not None and job:
            m = job["metadata"]
            asyncio.get_event_loop().call_later(float(ttl), self.expire, m["namespace"], m["name"], m["uid"])

    def deadline(self, ns, name, uid):
        job = self.s.store.get(JOBS, ns, name)
        if job and job["metadata"]["uid"] == uid and not finished(job):
            active = [p for p in self.pods(job) if p["status"].get("phase") not in ("Succeeded", "Failed")]
            self.finish(job, "Failed", "DeadlineExceeded", "Job was active longer than specified deadline", active)

    def expire(self, ns, name, uid):  # the TTL-after-finished controller
        job = self.s.store.get(JOBS, ns, name)
        if job and job["metadata"]["uid"] == uid:
            system.delete(self.s, JOBS, ns, name, MANAGER, propagationPolicy="Foreground")

    # ---- garbage collector --------------------------------------------------------------------
    def deleted(self, job, policy):
        if not self.active:
            return
        uid = job["metadata"]["uid"]
        for pod in self.pods(job):
            if policy == "Orphan":
                pod["metadata"]["ownerReferences"] = [r for r in pod["metadata"]["ownerReferences"] if r.get("uid") != uid]
                if not pod["metadata"]["ownerReferences"]:
                    del pod["metadata"]["ownerReferences"]
                system.update(self.s, PODS, pod, "generic-garbage-collector")
            else:
                system.delete(self.s, PODS, pod["metadata"]["namespace"], pod["metadata"]["name"], "generic-garbage-collector",
                              propagationPolicy="Background")
