"""Storage object in-use protection, as kube v1.31 does it (plugin/pkg/admission/storage/
storageobjectinuseprotection, pkg/controller/volume/pvcprotection and pvprotection):
- admission: every PersistentVolumeClaim is created with finalizer kubernetes.io/pvc-protection, every
  PersistentVolume with kubernetes.io/pv-protection;
- a claim marked for deletion loses its finalizer once no scheduled pod (spec.nodeName set) names it in
  spec.volumes[].persistentVolumeClaim, whatever the pod's phase: a finished Job's pod holds it until the
  pod object is gone;
- a volume marked for deletion loses its finalizer once it is not Bound.
Checked when a claim or volume is marked, and after every write or deletion of a pod in the namespace,
instead of the controllers' informers and queues."""
import system
from system import PODS, PVCS, PVS

PVC_FINALIZER = "kubernetes.io/pvc-protection"
PV_FINALIZER = "kubernetes.io/pv-protection"
MANAGER = "kube-controller-manager"


def admit(kind, obj):
    finalizer = {"PersistentVolumeClaim": PVC_FINALIZER, "PersistentVolume": PV_FINALIZER}.get(kind)
    if finalizer:
        meta = obj.setdefault("metadata", {})
        if finalizer not in (meta.get("finalizers") or []):
            meta["finalizers"] = (meta.get("finalizers") or []) + [finalizer]


def claim_in_use(server, pvc):
    meta = pvc["metadata"]
    for _, pod in server.store.list(PODS, meta["namespace"]):
        spec = pod.get("spec") or {}
        if spec.get("nodeName") and any((v.get("persistentVolumeClaim") or {}).get("claimName") == meta["name"]
                                        for v in spec.get("volumes") or []):
            return True
    return False


def remove_finalizer(server, gr, obj, finalizer, manager=MANAGER):
    """Writes obj without finalizer as manager; the update that removes the last one completes the deletion."""
    obj["metadata"]["finalizers"] = [f for f in obj["metadata"].get("finalizers") or [] if f != finalizer]
    return system.update(server, gr, obj, manager)


def check(server, kind, obj):
    """A claim or volume that was written: frees it when it is marked and no longer protected."""
    meta = obj["metadata"]
    if not meta.get("deletionTimestamp"):
        return
    if kind == "PersistentVolumeClaim" and PVC_FINALIZER in (meta.get("finalizers") or []) and not claim_in_use(server, obj):
        remove_finalizer(server, PVCS, obj, PVC_FINALIZER)
    elif kind == "PersistentVolume" and PV_FINALIZER in (meta.get("finalizers") or []) and \
            (obj.get("status") or {}).get("phase") != "Bound":
        remove_finalizer(server, PVS, obj, PV_FINALIZER)


def pods_changed(server, ns):
    for _, pvc in list(server.store.list(PVCS, ns)):
        if pvc["metadata"].get("deletionTimestamp"):
            check(server, "PersistentVolumeClaim", pvc)
