"""meta.k8s.io/v1 Table answers for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, what
`kubectl get` asks for. Columns follow kube's printers for a few common kinds (priority-0 columns
only); every other kind gets the default Name/Created At columns, as kube's DefaultTableConvertor."""
import datetime

NAME = {"name": "Name", "type": "string", "format": "name", "priority": 0,
        "description": "Name must be unique within a namespace. Is required when creating resources, although some "
                       "resources may allow a client to request the generation of an appropriate name automatically. "
                       "Name is primarily intended for creation idempotence and configuration definition. Cannot be "
                       "updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"}


def _col(name, typ="string", desc=""):
    return {"name": name, "type": typ, "format": "", "description": desc, "priority": 0}


def _time(ts):
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def age(ts, until=None):
    if not ts:
        return "<unknown>"
    end = _time(until) if until else datetime.datetime.now(datetime.timezone.utc)
    s = max(0, int((end - _time(ts)).total_seconds()))
    m, h, d = s // 60, s // 3600, s // 86400
    if s < 120:
        return f"{s}s"
    if m < 10:
        return f"{m}m{s % 60}s" if s % 60 else f"{m}m"
    if h < 3:
        return f"{m}m"
    if h < 8:
        return f"{h}h{m % 60}m" if m % 60 else f"{h}h"
    if h < 48:
        return f"{h}h"
    if d < 8:
        return f"{d}d{h % 24}h" if h % 24 else f"{d}d"
    return f"{d}d" if d < 730 else f"{d // 365}y"


def _pod(o):
    st = o.get("status") or {}
    cs = st.get("containerStatuses") or []
    n = len((o.get("spec") or {}).get("containers") or [])
    ready = sum(1 for c in cs if c.get("ready"))
    return [f"{ready}/{n}", st.get("phase", ""), sum(c.get("restartCount", 0) for c in cs)]


def _ports(o):
    ps = (o.get("spec") or {}).get("ports") or []
    return ",".join(f"{p.get('port')}{':' + str(p['nodePort']) if p.get('nodePort') else ''}/{p.get('protocol', 'TCP')}"
                    for p in ps) or "<none>"


ACCESS = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}


def _pvc(o):
    spec, st = o.get("spec") or {}, o.get("status") or {}
    return [st.get("phase", ""), spec.get("volumeName", ""), (st.get("capacity") or {}).get("storage", ""),
            ",".join(ACCESS.get(m, m) for m in st.get("accessModes") or []), spec.get("storageClassName", "<unset>"),
            spec.get("volumeAttributesClassName", "<unset>")]


def _job(o):
    spec, st = o.get("spec") or {}, o.get("status") or {}
    conds = [c["type"] for c in st.get("conditions") or [] if c.get("status") == "True"]
    status = next((c for c in ("Complete", "Failed", "Suspended") if c in conds), "Running")
    dur = age(st["startTime"], st.get("completionTime")) if st.get("startTime") else ""
    return [status, f"{st.get('succeeded', 0)}/{spec.get('completions', 1)}", dur]


# kind -> (extra columns before Age, cell function[, how many of the extra columns stand after Age])
PRINTERS = {
    "Namespace": ([_col("Status")], lambda o: [(o.get("status") or {}).get("phase", "")]),
    "Pod": ([_col("Ready"), _col("Status"), _col("Restarts", "string")], _pod),
    "ConfigMap": ([_col("Data", "integer")], lambda o: [len(o.get("data") or {}) + len(o.get("binaryData") or {})]),
    "Secret": ([_col("Type"), _col("Data", "integer")], lambda o: [o.get("type", ""), len(o.get("data") or {})]),
    "ServiceAccount": ([_col("Secrets", "integer")], lambda o: [len(o.get("secrets") or [])]),
    "Deployment": ([_col("Ready"), _col("Up-to-date", "integer"), _col("Available", "integer")],
                   lambda o: [f"{(o.get('status') or {}).get('readyReplicas', 0)}/{(o.get('spec') or {}).get('replicas', 0)}",
                              (o.get("status") or {}).get("updatedReplicas", 0), (o.get("status") or {}).get("availableReplicas", 0)]),
    "Service": ([_col("Type"), _col("Cluster-IP"), _col("External-IP"), _col("Port(s)")],
                lambda o: [(o.get("spec") or {}).get("type", ""), (o.get("spec") or {}).get("clusterIP", "<none>"),
                           "<none>", _ports(o)]),
    "PersistentVolumeClaim": ([_col("Status"), _col("Volume"), _col("Capacity"), _col("Access Modes"), _col("StorageClass"),
                               _col("VolumeAttributesClass")], _pvc),
    "Job": ([_col("Status"), _col("Completions"), _col("Duration")], _job),
    "Node": ([_col("Status"), _col("Roles"), _col("Version")],
             lambda o: ["Ready" if any(c.get("type") == "Ready" and c.get("status") == "True"
                                       for c in (o.get("status") or {}).get("conditions") or []) else "NotReady",
                        "<none>", ((o.get("status") or {}).get("nodeInfo") or {}).get("kubeletVersion", "")], 1),
}


def wants_table(accept):
    return "as=Table" in accept.replace(" ", "")


def _jsonpath(o, path):
    """The simple `.a.b.c` JSONPaths most additionalPrinterColumns use; anything else prints empty."""
    for part in path.strip().lstrip(".").split("."):
        o = o.get(part) if isinstance(o, dict) else None
    return "" if o is None else o


def crd_printer(columns):
    """A custom resource's columns: its CRD version's additionalPrinterColumns, else Age (as kube)."""
    columns = [c for c in columns or [] if not c.get("priority")]
    extra = [_col(c.get("name", ""), c.get("type", "string"), c.get("description", "")) for c in columns
             if c.get("jsonPath") != ".metadata.creationTimestamp"]
    return extra, lambda o: [age(v) if c.get("type") == "date" else v for c in columns
                             if c.get("jsonPath") != ".metadata.creationTimestamp"
                             for v in [_jsonpath(o, c.get("jsonPath", ""))]]


def table(res, objs, list_meta, include, printer=None):
    extra, cells, *after = printer or PRINTERS.get(res.kind, (None, None))
    cut = len(extra) - after[0] if after else None  # columns from cut on stand after Age
    if extra is None:
        cols = [NAME, _col("Created At", "date", "CreationTimestamp is a timestamp representing the server time when "
                                                  "this object was created.")]
    else:
        cols = [NAME] + extra[:cut] + [_col("Age")] + (extra[cut:] if after else [])
    rows = []
    for o in objs:
        m = o.get("metadata") or {}
        if extra is None:
            row = [m.get("name", ""), m.get("creationTimestamp", "")]
        else:
            c = cells(o)
            row = [m.get("name", "")] + c[:cut] + [age(m.get("creationTimestamp"))] + (c[cut:] if after else [])
        r = {"cells": row}
        if include == "Object":
            r["object"] = o
        elif include != "None":
            r["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                           "metadata": {k: v for k, v in m.items() if k != "managedFields"}}
        rows.append(r)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta, "columnDefinitions": cols, "rows": rows}
