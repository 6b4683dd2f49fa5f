"""The scale subresource (autoscaling/v1 Scale) of Deployments, StatefulSets, ReplicaSets and
ReplicationControllers, which `kubectl scale` and tools that park workloads use. Writing it changes
spec.replicas of the parent (and so its generation)."""
import copy
import json

import patch as patchmod
from status import ApiError, bad_request, conflict


def _selector(obj):
    sel = (obj.get("spec") or {}).get("selector") or {}
    labels = sel.get("matchLabels", sel) if isinstance(sel, dict) else {}
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()) if isinstance(v, str))


def to_scale(obj):
    m = obj["metadata"]
    meta = {k: m[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in m}
    status = {"replicas": (obj.get("status") or {}).get("replicas", 0)}
    if _selector(obj):
        status["selector"] = _selector(obj)
    return {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": meta,
            "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 0)}, "status": status}


def handle(h, c, verb, raw, content_type):
    live = h.live(c)
    if verb == "get":
        return 200, to_scale(live)
    if verb not in ("update", "patch"):
        raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
    cur = to_scale(live)
    try:
        body = json.loads(raw or b"{}")
    except ValueError as e:
        raise bad_request(f"couldn't get version/kind; json parse error: {e}")
    new = body if verb == "update" else patchmod.apply_patch(content_type, cur, body)
    rv = (new.get("metadata") or {}).get("resourceVersion")
    if rv and rv != live["metadata"]["resourceVersion"]:
        raise conflict(c.res.group, c.res.plural, c.name)
    replicas = (new.get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or replicas < 0:
        raise ApiError(422, f'Scale.autoscaling "{c.name}" is invalid: spec.replicas: Invalid value: {replicas}: '
                       "must be greater than or equal to 0", "Invalid")
    parent = copy.deepcopy(live)
    parent["spec"]["replicas"] = replicas
    parent["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
    sub, c.sub = c.sub, ""
    try:
        _, out = h.update(c, parent)
    finally:
        c.sub = sub
    return 200, to_scale(out)
