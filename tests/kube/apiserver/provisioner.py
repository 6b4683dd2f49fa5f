"""A stand-in for a CSI external provisioner plus the PV controller's binding, active with main.py
--pvc-root DIR (each claim's data lives in DIR/<ns>/<claim>/). Not a real provisioner: any
storageClassName is served (the StorageClass need not exist; its reclaimPolicy is used when it does),
volumeBindingMode WaitForFirstConsumer binds at once too, nothing is formatted or mounted.
- a PVC created with a storageClassName and no spec.volumeName: a PV pvc-<claim uid> (csi driver
  hostpath.csi.hort.test, volumeHandle = its name, capacity = the claim's request, the claim's accessModes
  and volumeMode, claimRef with the claim's uid and resourceVersion) is created and bound: PV and claim
  phase Bound, the claim's spec.volumeName and status capacity/accessModes, the controllers' annotations.
  DIR/<ns>/<claim>/ is made (what is already there stays).
- deleting such a claim: reclaim policy Delete (the default) deletes its PV and DIR/<ns>/<claim>/;
  Retain releases the PV (phase Released) and keeps the data."""
import os
import shutil

import objects
import protection
import system
from system import PVCS, PVS

DRIVER = "hostpath.csi.hort.test"
FINALIZER = "external-provisioner.volume.kubernetes.io/finalizer"
CTRL = "kube-controller-manager"


class Provisioner:
    def __init__(self, server, pvc_root):
        self.s, self.root = server, pvc_root and os.path.abspath(pvc_root)

    def claim_created(self, pvc):
        spec, meta = pvc.get("spec") or {}, pvc["metadata"]
        if not self.root or spec.get("volumeName") or not spec.get("storageClassName"):
            return
        ns, name, sc_name = meta["namespace"], meta["name"], spec["storageClassName"]
        sc = self.s.store.get(("storage.k8s.io", "storageclasses"), "", sc_name) or {}
        size = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
        modes = spec.get("accessModes") or ["ReadWriteOnce"]
        os.makedirs(os.path.join(self.root, ns, name), exist_ok=True)
        pv_name = "pvc-" + meta["uid"]
        pv = system.create(self.s, PVS, "", {"metadata": {"name": pv_name, "annotations": {
            "pv.kubernetes.io/provisioned-by": DRIVER, "volume.kubernetes.io/provisioner-deletion-secret-name": "",
            "volume.kubernetes.io/provisioner-deletion-secret-namespace": ""}, "finalizers": [FINALIZER]},
            "spec": {"accessModes": modes, "capacity": {"storage": size},
                     "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": ns, "name": name,
                                  "uid": meta["uid"], "resourceVersion": meta["resourceVersion"]},
                     "csi": {"driver": DRIVER, "volumeHandle": pv_name, "fsType": "ext4",
                             "volumeAttributes": {"storage.kubernetes.io/csiProvisionerIdentity": "1733000000000-hort-test"}},
                     "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy", "Delete"), "storageClassName": sc_name,
                     "volumeMode": spec.get("volumeMode", "Filesystem")}}, "csi-provisioner")
        pv["status"] = {"phase": "Bound", "lastPhaseTransitionTime": objects.now()}
        system.update(self.s, PVS, pv, CTRL, "status")
        ann = pvc["metadata"].setdefault("annotations", {})
        ann.update({"pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes",
                    "volume.beta.kubernetes.io/storage-provisioner": DRIVER, "volume.kubernetes.io/storage-provisioner": DRIVER})
        pvc["spec"]["volumeName"] = pv_name
        pvc["spec"].setdefault("volumeMode", "Filesystem")
        pvc = system.update(self.s, PVCS, pvc, CTRL)
        pvc["status"] = {"phase": "Bound", "accessModes": modes, "capacity": {"storage": size}}
        system.update(self.s, PVCS, pvc, CTRL, "status")

    def claim_deleted(self, pvc):
        pv_name = (pvc.get("spec") or {}).get("volumeName")
        pv = pv_name and self.s.store.get(PVS, "", pv_name)
        if not self.root or not pv or (pv["metadata"].get("annotations") or {}).get("pv.kubernetes.io/provisioned-by") != DRIVER:
            return
        meta = pvc["metadata"]
        pv["status"] = {"phase": "Released", "lastPhaseTransitionTime": objects.now()}
        pv = system.update(self.s, PVS, pv, CTRL, "status")
        if pv and pv["spec"].get("persistentVolumeReclaimPolicy", "Delete") == "Delete":
            # the volume is deleted, then the object: marked (pv-protection lets go of a Released volume at
            # once), and gone when the provisioner removes its own finalizer
            system.delete(self.s, PVS, "", pv_name, "csi-provisioner")
            pv = self.s.store.get(PVS, "", pv_name)
            if pv:
                protection.remove_finalizer(self.s, PVS, pv, FINALIZER, "csi-provisioner")
            shutil.rmtree(os.path.join(self.root, meta["namespace"], meta["name"]), ignore_errors=True)
