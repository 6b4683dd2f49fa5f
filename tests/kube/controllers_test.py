#!/usr/bin/python3
"""The test API server's stand-ins for the scheduler, kubelets, Job controller and provisioner
(tests/kube/README.md "Stand-ins for controllers"), on a server started with
--nodes node-a=DIR_A,node-b=DIR_B --pvc-root DIR, and the Lease updates hort's agents rely on. Run from apiserver_test.py (CTest kube.apiserver)."""
import json
import os
import sys
import time
import unittest

from kubeclient import Api

API = None
NS = "apps"
JOBS = f"/apis/batch/v1/namespaces/{NS}/jobs"
PODS = f"/api/v1/namespaces/{NS}/pods"
PVCS = f"/api/v1/namespaces/{NS}/persistentvolumeclaims"


def setUpModule():
    global API
    API = Api.start("--nodes", "node-a=@/node-a,node-b=@/node-b", "--pvc-root", "@/pvcs", prefix="hort-kube-ctrl.")
    code, _ = call("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
    assert code == 201, code


def tearDownModule():
    API.stop()


def call(*args, **kwargs):
    return API.call(*args, **kwargs)


def path(*parts):
    return os.path.join(API.dir, *parts)


def wait(what, fn, timeout=10):
    end = time.time() + timeout
    while True:
        got = fn()
        if got or time.time() > end:
            assert got, f"timed out waiting for {what}"
            return got
        time.sleep(0.1)


def claim(name, storage_class="local"):
    spec = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}}
    if storage_class is not None:
        spec["storageClassName"] = storage_class
    code, pvc = call("POST", PVCS, {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name}, "spec": spec})
    assert code == 201, pvc
    return call("GET", f"{PVCS}/{name}")[1]


def job(name, script, **spec):
    tmpl = {"metadata": {"labels": {"app": name}}, "spec": dict(
        {"restartPolicy": "Never", "terminationGracePeriodSeconds": 1,
         "containers": [{"name": "main", "image": "busybox:1.36", "command": ["/bin/sh", "-c"], "args": [script],
                         "env": [{"name": "GREETING", "value": "hi"}]}]}, **spec.pop("pod", {}))}
    code, j = call("POST", JOBS, {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
                                  "spec": dict({"template": tmpl}, **spec)})
    assert code == 201, j
    return j


def _read(p):
    with open(p) as f:
        return f.read()


def job_pods(name):
    return call("GET", f"{PODS}?labelSelector=batch.kubernetes.io/job-name%3D{name}")[1]["items"]


def job_condition(name):
    conds = call("GET", f"{JOBS}/{name}")[1].get("status", {}).get("conditions") or []
    return next((c for c in conds if c["status"] == "True"), None)


class Nodes(unittest.TestCase):
    def test_nodes_are_registered(self):
        _, nodes = call("GET", "/api/v1/nodes")
        self.assertEqual([n["metadata"]["name"] for n in nodes["items"]], ["node-a", "node-b"])
        self.assertEqual(nodes["items"][1]["metadata"]["labels"]["kubernetes.io/hostname"], "node-b")
        self.assertEqual(nodes["items"][0]["status"]["conditions"][0]["type"], "Ready")


class Provisioner(unittest.TestCase):
    def test_claim_is_bound_to_a_new_volume(self):
        pvc = claim("data")
        uid = pvc["metadata"]["uid"]
        self.assertEqual(pvc["spec"]["volumeName"], f"pvc-{uid}")
        self.assertEqual(pvc["status"], {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "2Gi"}})
        _, pv = call("GET", f"/api/v1/persistentvolumes/pvc-{uid}")
        self.assertEqual(pv["spec"]["csi"]["driver"], "hostpath.csi.hort.test")
        self.assertEqual(pv["spec"]["csi"]["volumeHandle"], f"pvc-{uid}")
        self.assertEqual(pv["spec"]["capacity"], {"storage": "2Gi"})
        self.assertEqual((pv["spec"]["claimRef"]["uid"], pv["spec"]["claimRef"]["name"]), (uid, "data"))
        self.assertTrue(int(pv["spec"]["claimRef"]["resourceVersion"]) > 0)
        self.assertEqual((pv["spec"]["persistentVolumeReclaimPolicy"], pv["status"]["phase"]), ("Delete", "Bound"))
        self.assertIn("kube-controller-manager", [m["manager"] for m in pvc["metadata"]["managedFields"]])
        self.assertTrue(os.path.isdir(path("pvcs", NS, "data")))
        self.assertNotIn("volumeName", claim("static", storage_class=None)["spec"])  # no class: not provisioned
        open(path("pvcs", NS, "data", "f"), "w").close()
        self.assertEqual(call("DELETE", f"{PVCS}/data")[0], 200)
        self.assertEqual(call("GET", f"/api/v1/persistentvolumes/pvc-{uid}")[0], 404)
        self.assertFalse(os.path.exists(path("pvcs", NS, "data")))


class Protection(unittest.TestCase):
    """StorageObjectInUseProtection: a claim a scheduled pod names stays Terminating until the pod is gone."""

    def test_claim_in_use_is_deleted_when_its_pod_goes(self):
        pvc = claim("held")
        pv_name = pvc["spec"]["volumeName"]
        self.assertEqual(pvc["metadata"]["finalizers"], ["kubernetes.io/pvc-protection"])
        self.assertIn("kubernetes.io/pv-protection", call("GET", f"/api/v1/persistentvolumes/{pv_name}")[1]["metadata"]["finalizers"])
        code, pod = call("POST", PODS, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "holder"}, "spec": {
            "nodeName": "node-a", "containers": [{"name": "app", "image": "nginx:1.27"}],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "held"}}]}})
        self.assertEqual(code, 201, pod)
        code, marked = call("DELETE", f"{PVCS}/held")
        self.assertEqual((code, marked["kind"], marked["metadata"]["deletionGracePeriodSeconds"]), (200, "PersistentVolumeClaim", 0))
        self.assertTrue(marked["metadata"]["deletionTimestamp"])
        code, again = call("DELETE", f"{PVCS}/held")  # a second delete changes nothing
        self.assertEqual((code, again["metadata"]["resourceVersion"]), (200, marked["metadata"]["resourceVersion"]))
        code, err = call("POST", PVCS, {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "held"},
                                        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
        self.assertEqual((code, err["reason"]), (409, "AlreadyExists"))
        code, err = call("PATCH", f"{PVCS}/held", {"metadata": {"finalizers": ["kubernetes.io/pvc-protection", "example.com/x"]}},
                         content_type="application/merge-patch+json")
        self.assertEqual((code, err["details"]["causes"][0]["field"]), (422, "metadata.finalizers"))
        self.assertIn('no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/x"}',
                      err["message"])
        self.assertEqual(call("GET", f"/api/v1/persistentvolumes/{pv_name}")[1]["status"]["phase"], "Bound")
        self.assertEqual(call("DELETE", f"{PODS}/holder")[0], 200)
        self.assertEqual(call("GET", f"{PVCS}/held")[0], 404)
        self.assertEqual(call("GET", f"/api/v1/persistentvolumes/{pv_name}")[0], 404)  # Delete policy, volume gone too

    def test_claim_no_pod_names_goes_at_once(self):
        claim("loose")
        code, pod = call("POST", PODS, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "elsewhere"}, "spec": {
            "nodeName": "node-a", "containers": [{"name": "app", "image": "nginx:1.27"}],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "other"}}]}})
        self.assertEqual(code, 201, pod)
        self.assertEqual(call("DELETE", f"{PVCS}/loose")[0], 200)
        self.assertEqual(call("GET", f"{PVCS}/loose")[0], 404)


class Kubelet(unittest.TestCase):
    def pod(self, name, claim_name, node="node-b"):
        code, pod = call("POST", PODS, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {
            "nodeName": node, "containers": [{"name": "app", "image": "nginx:1.27"}],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim_name}}]}})
        self.assertEqual(code, 201, pod)
        return pod

    def test_pod_gets_its_volume_folder(self):
        pv = claim("web-data")["spec"]["volumeName"]
        uid = self.pod("web", "web-data")["metadata"]["uid"]
        pod = wait("Running", lambda: (lambda p: p["status"]["phase"] == "Running" and p)(call("GET", f"{PODS}/web")[1]))
        mount = path("node-b", "pods", uid, "volumes", "kubernetes.io~csi", pv, "mount")
        self.assertTrue(os.path.islink(mount))
        self.assertEqual(os.path.realpath(mount), os.path.realpath(path("pvcs", NS, "web-data")))
        st = pod["status"]
        self.assertEqual((st["hostIP"], st["containerStatuses"][0]["state"].keys()), ("10.0.1.11", {"running"}))
        self.assertTrue(st["podIP"] and st["startTime"])
        self.assertIn({"type": "Ready", "status": "True"}, [{k: c[k] for k in ("type", "status")} for c in st["conditions"]])
        self.assertEqual({(m["manager"], m.get("subresource", "")) for m in pod["metadata"]["managedFields"]},
                         {("apitest", ""), ("kubelet", "status")})
        self.assertEqual(call("DELETE", f"{PODS}/web")[0], 200)
        self.assertFalse(os.path.exists(path("node-b", "pods", uid)))
        self.assertTrue(os.path.isdir(path("pvcs", NS, "web-data")))

    def test_unbound_claim_keeps_pod_pending(self):
        pvc = claim("manual", storage_class=None)
        self.pod("waiter", "manual", node="node-a")
        time.sleep(0.3)
        self.assertEqual(call("GET", f"{PODS}/waiter")[1]["status"]["phase"], "Pending")
        pvc["spec"]["volumeName"] = "pv-manual"  # bound by hand: the kubelet goes on
        self.assertEqual(call("PUT", f"{PVCS}/manual", pvc)[0], 200)
        pod = wait("Running", lambda: (lambda p: p["status"]["phase"] == "Running" and p)(call("GET", f"{PODS}/waiter")[1]))
        self.assertTrue(os.path.islink(path("node-a", "pods", pod["metadata"]["uid"], "volumes", "kubernetes.io~csi", "pv-manual", "mount")))
        call("DELETE", f"{PODS}/waiter")

    def test_pod_without_node_is_scheduled_on_the_first(self):
        call("POST", PODS, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "free"}, "spec": {"containers": [{"name": "c"}]}})
        pod = wait("Running", lambda: (lambda p: p["status"]["phase"] == "Running" and p)(call("GET", f"{PODS}/free")[1]))
        self.assertEqual(pod["spec"]["nodeName"], "node-a")
        call("DELETE", f"{PODS}/free")


class Jobs(unittest.TestCase):
    def test_job_runs_its_pod_to_completion(self):
        _, before = call("GET", PODS)
        j = job("hello", 'echo "$GREETING"; echo err >&2; exit 0')
        self.assertEqual(j["spec"]["selector"], {"matchLabels": {"batch.kubernetes.io/controller-uid": j["metadata"]["uid"]}})
        self.assertEqual(j["spec"]["backoffLimit"], 6)
        cond = wait("Complete", lambda: job_condition("hello"))
        self.assertEqual((cond["type"], cond["reason"]), ("Complete", "CompletionsReached"))
        _, j = call("GET", f"{JOBS}/hello")
        st = j["status"]
        self.assertEqual((st["succeeded"], st["failed"], st["active"]), (1, 0, 0))
        self.assertTrue(st["startTime"] and st["completionTime"])
        [pod] = job_pods("hello")
        meta = pod["metadata"]
        self.assertRegex(meta["name"], r"^hello-[a-z0-9]{5}$")
        self.assertEqual(meta["ownerReferences"], [{"apiVersion": "batch/v1", "kind": "Job", "name": "hello", "uid": j["metadata"]["uid"],
                                                    "controller": True, "blockOwnerDeletion": True}])
        uid = j["metadata"]["uid"]
        self.assertEqual(meta["labels"], {"app": "hello", "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "hello",
                                          "controller-uid": uid, "job-name": "hello"})
        self.assertEqual((pod["spec"]["nodeName"], pod["status"]["phase"]), ("node-a", "Succeeded"))
        term = pod["status"]["containerStatuses"][0]["state"]["terminated"]
        self.assertEqual((term["exitCode"], term["reason"]), (0, "Completed"))
        code, text, _ = call("GET", f"{PODS}/{meta['name']}/log", raw=True)
        self.assertEqual((code, text), (200, "hi\nerr\n"))
        code, text, _ = call("GET", f"{PODS}?watch=1&timeoutSeconds=1&labelSelector=job-name%3Dhello&resourceVersion="
                             + before["metadata"]["resourceVersion"], raw=True)
        phases = [(e["type"], e["object"]["status"]["phase"]) for e in map(json.loads, text.splitlines())]
        self.assertEqual((phases[0], phases[-1]), (("ADDED", "Pending"), ("MODIFIED", "Succeeded")))
        self.assertIn(("MODIFIED", "Running"), phases)

    def test_failing_job_retries_up_to_its_backoff_limit(self):
        job("fails", "exit 3", backoffLimit=1, pod={"nodeSelector": {"kubernetes.io/hostname": "node-b"}})
        cond = wait("Failed", lambda: job_condition("fails"))
        self.assertEqual((cond["type"], cond["reason"]), ("Failed", "BackoffLimitExceeded"))
        st = call("GET", f"{JOBS}/fails")[1]["status"]
        self.assertEqual((st["failed"], st.get("succeeded"), st["active"]), (2, 0, 0))
        pods = job_pods("fails")
        self.assertEqual([(p["spec"]["nodeName"], p["status"]["phase"]) for p in pods], [("node-b", "Failed")] * 2)
        self.assertEqual(pods[0]["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"], 3)

    def test_command_not_found(self):
        job("nocmd", "", backoffLimit=0, pod={"containers": [{"name": "x", "command": ["no-such-command-hort"]}]})
        self.assertEqual(wait("Failed", lambda: job_condition("nocmd"))["reason"], "BackoffLimitExceeded")
        term = job_pods("nocmd")[0]["status"]["containerStatuses"][0]["state"]["terminated"]
        self.assertEqual((term["exitCode"], term["reason"]), (128, "StartError"))

    def running(self, name, script="echo $$ >pid; exec sleep 300", **spec):
        job(name, script, **spec)
        pod = wait("Running", lambda: [p for p in job_pods(name) if p["status"]["phase"] == "Running"])[0]
        pidfile = path("state", "containers", NS, pod["metadata"]["name"], "main", "pid")
        pid = int(wait("pid file", lambda: os.path.exists(pidfile) and _read(pidfile).strip()))
        self.assertTrue(os.path.exists(f"/proc/{pid}"))
        return pod, pid

    def gone(self, pid):
        def dead():
            try:
                return _read(f"/proc/{pid}/stat").split()[2] == "Z"  # a zombie until its parent reaps it
            except FileNotFoundError:
                return True
        return wait(f"process {pid} to end", dead, timeout=8)

    def test_delete_job_in_background_kills_its_pod(self):
        claim("job-data")
        pod, pid = self.running("sleeper", pod={"volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "job-data"}}]})
        folder = path("node-a", "pods", pod["metadata"]["uid"])
        self.assertTrue(os.path.isdir(folder))
        code, st = call("DELETE", f"{JOBS}/sleeper", {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"})
        self.assertEqual((code, st["status"]), (200, "Success"))
        self.assertEqual(job_pods("sleeper"), [])
        self.gone(pid)
        self.assertFalse(os.path.exists(folder))

    def test_delete_job_without_policy_orphans_its_pod(self):
        pod, pid = self.running("orphan")
        code, _, _, headers = call("DELETE", f"{JOBS}/orphan", raw=True, headers=True)
        self.assertEqual(code, 200)
        self.assertIn("child pods are preserved by default when jobs are deleted", headers.get("Warning", ""))
        [left] = job_pods("orphan")
        self.assertNotIn("ownerReferences", left["metadata"])
        self.assertTrue(os.path.exists(f"/proc/{pid}"))
        call("DELETE", f"{PODS}/{left['metadata']['name']}")
        self.gone(pid)

    def test_active_deadline(self):
        _, pid = self.running("slow", activeDeadlineSeconds=1)
        cond = wait("Failed", lambda: job_condition("slow"))
        self.assertEqual((cond["type"], cond["reason"]), ("Failed", "DeadlineExceeded"))
        self.gone(pid)
        self.assertEqual(job_pods("slow"), [])


class Lease(unittest.TestCase):
    def test_put_with_stale_resource_version_conflicts(self):
        lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "x", "namespace": NS},
                 "spec": {"leaseDurationSeconds": 60}}
        url = f"/apis/coordination.k8s.io/v1/namespaces/{NS}/leases"
        code, live = call("POST", url, lease)
        self.assertEqual(code, 201, live)
        claim = dict(live, spec={"leaseDurationSeconds": 60, "holderIdentity": "agent-a",
                                 "acquireTime": "2026-12-04T10:00:00.000000Z", "renewTime": "2026-12-04T10:00:00.000000Z"})
        code, won = call("PUT", url + "/x", claim)
        self.assertEqual(code, 200, won)
        self.assertNotEqual(won["metadata"]["resourceVersion"], live["metadata"]["resourceVersion"])
        claim["spec"]["holderIdentity"] = "agent-b"  # the same resourceVersion: the other agent lost
        code, st = call("PUT", url + "/x", claim)
        self.assertEqual((code, st["reason"]), (409, "Conflict"))
        self.assertEqual(st["message"], 'Operation cannot be fulfilled on leases.coordination.k8s.io "x": the object has been '
                                        'modified; please apply your changes to the latest version and try again')
        self.assertEqual(st["details"], {"name": "x", "group": "coordination.k8s.io", "kind": "leases"})
        self.assertEqual(call("GET", url + "/x")[1]["spec"]["holderIdentity"], "agent-a")
        self.assertEqual(call("DELETE", url + "/x")[0], 200)


if __name__ == "__main__":
    unittest.main(verbosity=2, argv=sys.argv[:1])
