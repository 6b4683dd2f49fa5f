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


def age(ts):
    if not ts:
        return "<unknown>"
    t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    s = max(0, int((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds()))
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


# kind -> (extra columns before Age, cell function)
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
    extra, cells = printer or PRINTERS.get(res.kind, (None, None))
    if extra is None:
        cols = [NAME, _col("Created At", "date", "CreationTimestamp is a timestamp representing the server time when "
                                                  "this object was created.")]
    else:
        cols = [NAME] + extra + [_col("Age")]
    rows = []
    for o in objs:
        m = o.get("metadata") or {}
        if extra is None:
            row = [m.get("name", ""), m.get("creationTimestamp", "")]
        else:
            row = [m.get("name", "")] + cells(o) + [age(m.get("creationTimestamp"))]
        r = {"cells": row}
        if include == "Object":
            r["object"] = o
        elif include != "None":
            r["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                           "metadata": {k: v for k, v in m.items() if k != "managedFields"}}
        rows.append(r)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta, "columnDefinitions": cols, "rows": rows}
