#!/usr/bin/env python3
"""Writes a Velero backup into a backup storage location folder the way
Velero 1.x does (formats.md §1.1–1.2, kubernetes-api-and-velero.md §3), built
from the reference and not by hort, so that hort's reader and restore are
tested against Velero's layout rather than against its own writer.

    make_velero_backup.py LOCATION NAME [--bad-item]

LOCATION/backups/NAME/ gets velero-backup.json (a velero.io/v1 Backup, phase
Completed, formatVersion 1.1.0, pretty JSON), NAME.tar.gz (metadata/version
and every item at its legacy path and its <v>-preferredversion path, regular
files only, mode 0755, compact JSON with sorted keys), NAME-resource-list.json.gz,
NAME-results.gz and NAME-logs.gz. The items are namespace `media` (ConfigMap,
Secret, Deployment, a NodePort Service with a clusterIP, a PVC bound to a PV)
and the cluster-scoped StorageClass and PV, as the API server returned them:
uid, resourceVersion, creationTimestamp, managedFields and status included.
--bad-item adds a ConfigMap whose name the API server rejects (422), which
the tarball checks cannot see and only a dry-run replay finds."""
import datetime
import gzip
import io
import json
import os
import sys
import tarfile
import uuid

args = [a for a in sys.argv[1:] if not a.startswith("--")]
if len(args) != 2:
    sys.exit(__doc__)
location, name = args
bad_item = "--bad-item" in sys.argv

now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")
start, completion, created = now - datetime.timedelta(minutes=10), now - datetime.timedelta(minutes=9), now - datetime.timedelta(days=3)
expiration = start + datetime.timedelta(hours=720)

rv = [4711]
def meta(name, ns=None, **extra):
    rv[0] += 1
    m = {"name": name, "uid": str(uuid.uuid4()), "resourceVersion": str(rv[0]), "creationTimestamp": ts(created),
         "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "v1",
                            "time": ts(created), "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {}}}]}
    if ns:
        m["namespace"] = ns
    m.update(extra)
    return m

NS = "media"
# (group/resource folder, apiVersion, kind, namespaced, object)
items = [
    ("namespaces", "v1", "Namespace", False, {
        "metadata": meta(NS, labels={"kubernetes.io/metadata.name": NS, "team": "media"}),
        "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}),
    ("storageclasses.storage.k8s.io", "storage.k8s.io/v1", "StorageClass", False, {
        "metadata": meta("media-local"), "provisioner": "kubernetes.io/no-provisioner",
        "reclaimPolicy": "Retain", "volumeBindingMode": "WaitForFirstConsumer"}),
    ("persistentvolumes", "v1", "PersistentVolume", False, {
        "metadata": meta("pv-media-library", annotations={"pv.kubernetes.io/bound-by-controller": "yes"},
                         finalizers=["kubernetes.io/pv-protection"]),
        "spec": {"capacity": {"storage": "20Gi"}, "accessModes": ["ReadWriteOnce"],
                 "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "media-local",
                 "hostPath": {"path": "/srv/media/library", "type": ""}, "volumeMode": "Filesystem",
                 "claimRef": {"kind": "PersistentVolumeClaim", "namespace": NS, "name": "library",
                              "uid": "7d0c5cf4-6f43-4a8e-9d43-0b9c1f0e0a11", "apiVersion": "v1",
                              "resourceVersion": "4700"}},
        "status": {"phase": "Bound"}}),
    ("configmaps", "v1", "ConfigMap", True, {
        # Helm's ownership of its fields, which a restore puts back (Velero's managedFields patch)
        "metadata": meta("jellyfin-env", NS, labels={"app": "jellyfin"}, managedFields=[
            {"manager": "helm", "operation": "Update", "apiVersion": "v1", "time": ts(created), "fieldsType": "FieldsV1",
             "fieldsV1": {"f:data": {".": {}, "f:JELLYFIN_PublishedServerUrl": {}, "f:TZ": {}},
                          "f:metadata": {"f:labels": {".": {}, "f:app": {}}}}}]),
        "data": {"JELLYFIN_PublishedServerUrl": "http://media.home.arpa", "TZ": "Europe/Berlin"}}),
    ("secrets", "v1", "Secret", True, {
        "metadata": meta("jellyfin-api", NS, labels={"app": "jellyfin"}), "type": "Opaque",
        "data": {"api-key": "czNjcjN0LWtleQ=="}}),
    ("persistentvolumeclaims", "v1", "PersistentVolumeClaim", True, {
        "metadata": meta("library", NS, labels={"app": "jellyfin"},
                         annotations={"pv.kubernetes.io/bind-completed": "yes",
                                      "pv.kubernetes.io/bound-by-controller": "yes"},
                         finalizers=["kubernetes.io/pvc-protection"]),
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}},
                 "storageClassName": "media-local", "volumeMode": "Filesystem", "volumeName": "pv-media-library"},
        "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "20Gi"}}}),
    ("deployments.apps", "apps/v1", "Deployment", True, {
        "metadata": meta("jellyfin", NS, labels={"app": "jellyfin"}, generation=3,
                         annotations={"deployment.kubernetes.io/revision": "2"}),
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "jellyfin"}},
                 "strategy": {"type": "Recreate"}, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
                 "template": {"metadata": {"labels": {"app": "jellyfin"}},
                              "spec": {"containers": [{"name": "jellyfin", "image": "jellyfin/jellyfin:10.10.3",
                                                       "envFrom": [{"configMapRef": {"name": "jellyfin-env"}}],
                                                       "ports": [{"containerPort": 8096, "protocol": "TCP"}],
                                                       "volumeMounts": [{"name": "library", "mountPath": "/media"}]}],
                                       "volumes": [{"name": "library",
                                                    "persistentVolumeClaim": {"claimName": "library"}}]}}},
        "status": {"observedGeneration": 3, "replicas": 1, "readyReplicas": 1, "availableReplicas": 1,
                   "updatedReplicas": 1}}),
    ("services", "v1", "Service", True, {
        "metadata": meta("jellyfin", NS, labels={"app": "jellyfin"}),
        "spec": {"type": "NodePort", "selector": {"app": "jellyfin"}, "clusterIP": "10.96.123.45",
                 "clusterIPs": ["10.96.123.45"], "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                 "sessionAffinity": "None", "externalTrafficPolicy": "Cluster", "internalTrafficPolicy": "Cluster",
                 "ports": [{"name": "http", "port": 8096, "targetPort": 8096, "protocol": "TCP", "nodePort": 30896}]},
        "status": {"loadBalancer": {}}}),
]
if bad_item:
    items.append(("configmaps", "v1", "ConfigMap", True, {"metadata": meta("Bad_Name", NS), "data": {"x": "y"}}))

for _, api_version, kind, _, obj in items:
    obj["apiVersion"] = api_version
    obj["kind"] = kind

def go_json(obj):
    # Go's json.Marshal of a decoded object: sorted keys, no spaces, HTML-safe.
    s = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

def item_paths(gr, api_version, namespaced, obj):
    version = api_version.split("/")[-1]
    scope = f"namespaces/{obj['metadata']['namespace']}" if namespaced else "cluster"
    leaf = f"{scope}/{obj['metadata']['name']}.json"
    return f"resources/{gr}/{leaf}", f"resources/{gr}/{version}-preferredversion/{leaf}"

tar_bytes = io.BytesIO()
with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.PAX_FORMAT) as tar:
    def add(path, data):
        info = tarfile.TarInfo(path)
        info.size, info.mode, info.mtime, info.type = len(data), 0o755, int(start.timestamp()), tarfile.REGTYPE
        tar.addfile(info, io.BytesIO(data))
    add("metadata/version", b"1.1.0\n")
    for gr, api_version, kind, namespaced, obj in items:
        data = go_json(obj).encode()
        for path in item_paths(gr, api_version, namespaced, obj):
            add(path, data)

resource_list = {}
for _, api_version, kind, namespaced, obj in items:
    md = obj["metadata"]
    resource_list.setdefault(f"{api_version}/{kind}", []).append(
        f"{md['namespace']}/{md['name']}" if namespaced else md["name"])
for v in resource_list.values():
    v.sort()

backup = {
    "kind": "Backup", "apiVersion": "velero.io/v1",
    "metadata": {"name": name, "namespace": "velero", "uid": str(uuid.uuid4()), "resourceVersion": "88123",
                 "generation": 6, "creationTimestamp": ts(start),
                 "labels": {"velero.io/schedule-name": "media-daily", "velero.io/storage-location": "default"},
                 "annotations": {"velero.io/resource-timeout": "10m0s",
                                 "velero.io/source-cluster-k8s-gitversion": "v1.31.4",
                                 "velero.io/source-cluster-k8s-major-version": "1",
                                 "velero.io/source-cluster-k8s-minor-version": "31"}},
    "spec": {"metadata": {}, "includedNamespaces": [NS], "includeClusterResources": None, "ttl": "720h0m0s",
             "hooks": {}, "storageLocation": "default", "defaultVolumesToFsBackup": False,
             "csiSnapshotTimeout": "10m0s", "itemOperationTimeout": "4h0m0s"},
    "status": {"version": 1, "formatVersion": "1.1.0", "expiration": ts(expiration), "phase": "Completed",
               "startTimestamp": ts(start), "completionTimestamp": ts(completion),
               "progress": {"totalItems": len(items), "itemsBackedUp": len(items)}},
}
backup["spec"].pop("includeClusterResources")  # *bool nil: omitempty

log = "".join(
    f'time="{ts(start)}" level=info msg="Processing item" backup=velero/{name} logSource="pkg/backup/backup.go:404" '
    f'name={obj["metadata"]["name"]} namespace={obj["metadata"].get("namespace", "")} progress= resource={gr}\n'
    for gr, _, _, _, obj in items)
log += f'time="{ts(completion)}" level=info msg="Backed up a total of {len(items)} items" backup=velero/{name} ' \
       f'logSource="pkg/backup/backup.go:510" progress=\n'

folder = os.path.join(location, "backups", name)
os.makedirs(folder, exist_ok=True)
def write(suffix, data, gz=True):
    with open(os.path.join(folder, name + suffix if suffix else "velero-backup.json"), "wb") as f:
        f.write(gzip.compress(data) if gz else data)
write(".tar.gz", gzip.compress(tar_bytes.getvalue()), gz=False)
write("-logs.gz", log.encode())
write("-resource-list.json.gz", (go_json(resource_list) + "\n").encode())
write("-results.gz", (go_json({"errors": {}, "warnings": {}}) + "\n").encode())
write("", json.dumps(backup, indent=2).encode(), gz=False)  # written last: its presence makes the backup
print(json.dumps({"name": name, "items": len(items), "cluster_ip": "10.96.123.45", "node_port": 30896}))
