#!/usr/bin/env python3
"""kubectl's JSON of a namespace's objects without what the API server sets,
so a backed-up and a restored namespace compare equal; --compare A B [--map
old:new [--new-volumes]] compares two such files (namespaces in A mapped to
B's; with --new-volumes the mapped claims provision volumes of their own, as
hort restores them while the original's PVs still exist)."""
import json
import sys

SERVER_SET = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink")


def clean(obj):
    md = obj.get("metadata", {})
    for k in SERVER_SET:
        md.pop(k, None)
    for k in list(md.get("labels", {})):
        if k.startswith("velero.io/"):
            del md["labels"][k]
    if not md.get("labels"):
        md.pop("labels", None)
    md.get("annotations", {}).pop("kubectl.kubernetes.io/last-applied-configuration", None)
    if not md.get("annotations"):
        md.pop("annotations", None)
    obj.pop("status", None)
    spec = obj.get("spec", {})
    if obj.get("kind") == "Service" and spec.get("clusterIP") != "None":
        spec.pop("clusterIP", None)
        spec.pop("clusterIPs", None)
    return obj


def key(o):
    return (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"])


def load(path):
    return {key(o): o for o in json.load(open(path))}


def remap(value, old, new):
    if isinstance(value, dict):
        return {k: remap(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [remap(v, old, new) for v in value]
    return value


def main():
    args = sys.argv[1:]
    if args and args[0] == "--compare":
        args = args[1:]
        mapping = None
        if args[0] == "--map":
            mapping = args[1].split(":")
            args = args[2:]
        new_volumes = args[0] == "--new-volumes"
        if new_volumes:
            args = args[1:]
        a, b = load(args[0]), load(args[1])
        if mapping:
            old, new = mapping
            moved = {}
            for (kind, ns, name), o in a.items():
                o = json.loads(json.dumps(o))
                if ns == old:
                    o["metadata"]["namespace"] = new
                    ns = new
                if kind == "PersistentVolumeClaim" and new_volumes:
                    o.get("spec", {}).pop("volumeName", None)
                if kind == "RoleBinding":
                    for s in o.get("subjects", []):
                        if s.get("namespace") == old:
                            s["namespace"] = new
                moved[(kind, ns, name)] = o
            a = moved
        bad = False
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                print("differs:", k, json.dumps(a.get(k), sort_keys=True), "!=", json.dumps(b.get(k), sort_keys=True))
                bad = True
        sys.exit(1 if bad else 0)
    items = json.load(sys.stdin)["items"]
    json.dump([clean(o) for o in items], sys.stdout, sort_keys=True, indent=1)


main()
