"""Writes by the server's own stand-ins for system components (kubelet, scheduler, Job controller,
provisioner): they go through the same handlers as an API client's writes, so that resourceVersion,
managedFields (under the component's manager name), watch events and the create/delete hooks are
those of any write."""
import copy

import ssa
from handlers import Ctx

PODS, PVCS, PVS, JOBS, NODES = ("", "pods"), ("", "persistentvolumeclaims"), ("", "persistentvolumes"), \
    ("batch", "jobs"), ("", "nodes")


class Query(dict):
    """A request's query as the handlers read it (aiohttp's MultiDict API, the parts used)."""

    def getall(self, k, default=None):
        return [self[k]] if k in self else (default if default is not None else [])


class SystemUser:
    name, groups, uid, masters = "system:apiserver", ["system:masters"], "", True


def ctx(server, gr, ns, name="", sub="", manager="kube-apiserver"):
    res = next(r for r in server.registry.by_gvr.values() if (r.group, r.plural) == gr)
    return Ctx(res, ns, name, sub, Query(fieldManager=manager), SystemUser(), manager + "/v1.31.4")


def create(server, gr, ns, obj, manager):
    """Creates obj as manager; returns the stored object."""
    return server.h.create(ctx(server, gr, ns, manager=manager), obj)[1]


def update(server, gr, obj, manager, sub=""):
    """Writes obj (spec/metadata, or its status when sub == "status") over the live object as manager,
    without the generation bump of a client's spec change; returns the stored object or None if gone."""
    meta = obj["metadata"]
    ns, name = meta.get("namespace", ""), meta["name"]
    live = server.store.get(gr, ns, name)
    if live is None or live["metadata"]["uid"] != meta.get("uid"):
        return None
    new = copy.deepcopy(live)
    if sub == "status":
        new["status"] = copy.deepcopy(obj.get("status", {}))
    else:
        new = dict(copy.deepcopy(obj), status=live.get("status")) if "status" in live else copy.deepcopy(obj)
        new["metadata"]["managedFields"] = live["metadata"].get("managedFields") or []
    c = ctx(server, gr, ns, name, sub, manager)
    ssa.record_update(live, new, manager, c.res.gv, sub)
    return server.h.write_update(c, live, new)


def delete(server, gr, ns, name, manager, **opts):
    """Deletes as an API client would (hooks included); None if it is already gone."""
    if server.store.get(gr, ns, name) is None:
        return None
    return server.h.delete(ctx(server, gr, ns, name, manager=manager), opts)[1]


def owned_by(obj, uid):
    return any(r.get("uid") == uid for r in obj["metadata"].get("ownerReferences") or [])


def controller_of(obj, kind):
    """(name, uid) of obj's controller of that kind, or None."""
    for r in obj["metadata"].get("ownerReferences") or []:
        if r.get("controller") and r.get("kind") == kind:
            return r.get("name"), r.get("uid")
    return None
