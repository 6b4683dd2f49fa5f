"""Stand-ins for the scheduler and the kubelets of simulated nodes (main.py --nodes name=DIR,...; DIR stands
for that node's kubelet root, /var/lib/kubelet). Not a kubelet: nothing is mounted, no image is pulled.
- scheduler: a Pod without spec.nodeName gets one: its nodeSelector's kubernetes.io/hostname, else the
  first simulated node by name (manager kube-scheduler).
- kubelet, for a Pod on a simulated node: every persistentVolumeClaim volume whose claim is bound becomes
  DIR/pods/<uid>/volumes/kubernetes.io~csi/<pv>/mount, a symlink to <pvc-root>/<ns>/<claim> (made if
  missing); a claim that is missing or unbound keeps the pod Pending until the claim is bound. Then the
  pod is Running (manager kubelet). A pod controlled by a Job runs its first container's command+args as
  a local process (argv[0] looked up on the server's PATH; env: the server's, then the container's plain
  `value` entries and fieldRefs to the pod's name/namespace/uid/nodeName/serviceAccountName/podIP) in
  <state>/containers/<ns>/<pod>/<container>, stdout+stderr appended to <state>/logs/<ns>/<pod>/<container>.log;
  its exit makes the pod Succeeded (0) or Failed. Deleting the pod sends SIGTERM to the process group
  (SIGKILL after the grace period, at most GRACE_CAP s) and removes DIR/pods/<uid>."""
import asyncio
import os
import shutil
import signal

import exec as execmod
import objects
import system
from system import PODS, PVCS

GRACE_CAP = 3.0
CSI = "kubernetes.io~csi"


def parse_nodes(spec):
    """"node-a=/dir/a,node-b=/dir/b" -> {"node-a": "/dir/a", ...}"""
    out = {}
    for part in filter(None, (spec or "").split(",")):
        name, sep, d = part.partition("=")
        if not sep or not name or not d:
            raise SystemExit(f"--nodes: expected name=DIR, got {part!r}")
        out[name] = os.path.abspath(d)
    return out


class Kubelet:
    def __init__(self, server, nodes, pvc_root):
        self.s, self.nodes = server, nodes
        self.pvc_root = pvc_root or os.path.join(server.state, "pvcs")
        self.started = set()  # pod uids whose kubelet ran
        self.procs = {}  # pod uid -> asyncio.subprocess.Process
        self.ips = {n: f"10.0.1.{10 + i}" for i, n in enumerate(sorted(nodes))}

    def register_nodes(self):
        """The Node objects a kubelet registers."""
        for i, (name, ip) in enumerate(sorted(self.ips.items())):
            node = system.create(self.s, system.NODES, "", {"metadata": {"name": name, "labels": {
                "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64"}},
                "spec": {"podCIDR": f"10.42.{i}.0/24", "podCIDRs": [f"10.42.{i}.0/24"]}}, "kubelet")
            t = objects.now()
            node["status"] = {
                "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
                "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status",
                                "lastHeartbeatTime": t, "lastTransitionTime": t}],
                "nodeInfo": {"kubeletVersion": "v1.31.4", "containerRuntimeVersion": "containerd://1.7.23",
                             "operatingSystem": "linux", "architecture": "amd64"}}
            system.update(self.s, system.NODES, node, "kubelet", "status")

    # ---- scheduler ------------------------------------------------------------------------------
    def pick_node(self, spec):
        return spec.get("nodeName") or (spec.get("nodeSelector") or {}).get("kubernetes.io/hostname") or min(self.nodes)

    def pod_created(self, ns, name, uid):
        """Runs right after a Pod's create (call_soon): schedule it, then start it on a simulated node."""
        pod = self.s.store.get(PODS, ns, name)
        if not pod or pod["metadata"]["uid"] != uid:
            return
        if not pod["spec"].get("nodeName"):
            pod["spec"]["nodeName"] = self.pick_node(pod["spec"])
            pod = system.update(self.s, PODS, pod, "kube-scheduler")
            pod["status"].setdefault("conditions", []).append(
                {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": objects.now()})
            pod = system.update(self.s, PODS, pod, "kube-scheduler", "status")
        if pod["spec"]["nodeName"] in self.nodes:
            self.start(pod)
        else:  # a node nobody simulates: as without --nodes
            self.s.store.put(PODS, ns, name, objects.running_pod(pod))

    # ---- kubelet --------------------------------------------------------------------------------
    def pod_dir(self, pod):
        return os.path.join(self.nodes[pod["spec"]["nodeName"]], "pods", pod["metadata"]["uid"])

    def volumes(self, pod):
        """[(pv name, claim name)] of the pod's claims, or None while one is missing or unbound."""
        out = []
        for v in pod["spec"].get("volumes") or []:
            claim = (v.get("persistentVolumeClaim") or {}).get("claimName")
            if claim:
                pvc = self.s.store.get(PVCS, pod["metadata"]["namespace"], claim)
                pv = (pvc or {}).get("spec", {}).get("volumeName")
                if not pv:
                    return None
                out.append((pv, claim))
        return out

    def start(self, pod):
        meta = pod["metadata"]
        if meta["uid"] in self.started or pod["status"].get("phase") not in (None, "Pending"):
            return
        vols = self.volumes(pod)
        if vols is None:
            return  # stays Pending; claim_changed() tries again
        self.started.add(meta["uid"])
        for pv, claim in vols:
            data = os.path.join(self.pvc_root, meta["namespace"], claim)
            os.makedirs(data, exist_ok=True)
            d = os.path.join(self.pod_dir(pod), "volumes", CSI, pv)
            os.makedirs(d, exist_ok=True)
            if not os.path.lexists(os.path.join(d, "mount")):
                os.symlink(data, os.path.join(d, "mount"))
        running = objects.running_pod(pod)
        ip = self.ips[pod["spec"]["nodeName"]]
        running["status"].update(hostIP=ip, hostIPs=[{"ip": ip}])
        pod = system.update(self.s, PODS, running, "kubelet", "status")
        self.s.jobs.pod_started(pod)
        containers = pod["spec"].get("containers") or []
        if system.controller_of(pod, "Job") and containers and containers[0].get("command"):
            asyncio.ensure_future(self.run(pod, containers[0]))

    def claim_changed(self, ns):
        """A claim of ns was written: start the pods that waited for it."""
        for _, pod in self.s.store.list(PODS, ns):
            if pod["spec"].get("nodeName") in self.nodes and pod["metadata"]["uid"] not in self.started:
                self.start(pod)

    def env(self, pod, c):
        env = dict(os.environ)
        fields = {"metadata.name": pod["metadata"]["name"], "metadata.namespace": pod["metadata"]["namespace"],
                  "metadata.uid": pod["metadata"]["uid"], "spec.nodeName": pod["spec"].get("nodeName", ""),
                  "spec.serviceAccountName": pod["spec"].get("serviceAccountName", ""),
                  "status.podIP": pod["status"].get("podIP", ""), "status.hostIP": pod["status"].get("hostIP", "")}
        for e in c.get("env") or []:
            if "value" in e:
                env[e["name"]] = str(e["value"])
            elif ((e.get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath") in fields:
                env[e["name"]] = fields[e["valueFrom"]["fieldRef"]["fieldPath"]]
        return env

    async def run(self, pod, c):
        meta = pod["metadata"]
        ns, name, uid = meta["namespace"], meta["name"], meta["uid"]
        argv = [str(a) for a in (c.get("command") or []) + (c.get("args") or [])]
        env = self.env(pod, c)
        exe = argv[0] if "/" in argv[0] else shutil.which(argv[0], path=env.get("PATH"))
        log = os.path.join(self.s.state, "logs", ns, name, f"{c['name']}.log")
        os.makedirs(os.path.dirname(log), exist_ok=True)
        cwd = execmod.container_dir(self.s.state, ns, name, c["name"])
        os.makedirs(cwd, exist_ok=True)
        started = objects.now()
        try:
            if not exe:
                raise FileNotFoundError(f'exec: "{argv[0]}": executable file not found in $PATH')
            with open(log, "ab") as out:
                proc = await asyncio.create_subprocess_exec(
                    exe, *argv[1:], stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=asyncio.subprocess.STDOUT,
                    cwd=cwd, env=env, start_new_session=True)
        except OSError as e:
            msg = str(e) if isinstance(e, FileNotFoundError) and not e.errno else f'exec: "{argv[0]}": {e.strerror}'
            return self.finish(ns, name, uid, 128, started, "StartError", "failed to create containerd task: failed to create "
                               f"shim task: OCI runtime create failed: runc create failed: unable to start container process: {msg}: unknown")
        self.procs[uid] = proc
        code = await proc.wait()
        self.procs.pop(uid, None)
        self.finish(ns, name, uid, 128 - code if code < 0 else code, started, "Completed" if code == 0 else "Error")

    def finish(self, ns, name, uid, code, started, reason, message=None):
        """The first container ended: the pod is Succeeded or Failed (restartPolicy Never/OnFailure alike)."""
        pod = self.s.store.get(PODS, ns, name)
        if not pod or pod["metadata"]["uid"] != uid:
            return  # deleted meanwhile
        t, st = objects.now(), pod["status"]
        st["phase"] = "Succeeded" if code == 0 else "Failed"
        for cond in st.get("conditions") or []:
            if cond["type"] in ("Ready", "ContainersReady", "PodReadyToStartContainers"):
                cond.update(status="False", lastTransitionTime=t)
                if cond["type"] != "PodReadyToStartContainers":
                    cond["reason"] = "PodCompleted"
        cs = (st.get("containerStatuses") or [{}])[0]
        term = {"exitCode": code, "reason": reason, "startedAt": started, "finishedAt": t, "containerID": cs.get("containerID", "")}
        if message:
            term["message"] = message
        cs.update(ready=False, started=False, state={"terminated": term})
        pod = system.update(self.s, PODS, pod, "kubelet", "status")
        if pod is not None:
            self.s.jobs.pod_finished(pod)

    def pod_deleted(self, pod, grace=None):
        uid = pod["metadata"]["uid"]
        self.started.discard(uid)
        proc = self.procs.get(uid)
        if proc is not None:
            grace = pod["spec"].get("terminationGracePeriodSeconds", 30) if grace is None else grace
            _signal(proc, signal.SIGTERM)
            asyncio.get_event_loop().call_later(min(float(grace), GRACE_CAP), _signal, proc, signal.SIGKILL)
        if pod["spec"].get("nodeName") in self.nodes:
            shutil.rmtree(self.pod_dir(pod), ignore_errors=True)

    async def shutdown(self, _app=None):
        """The server stops: end every pod process."""
        for proc in list(self.procs.values()):
            _signal(proc, signal.SIGKILL)


def _signal(proc, sig):
    if proc.returncode is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass

