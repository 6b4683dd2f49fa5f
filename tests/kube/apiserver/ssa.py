"""Field ownership (managedFields) and server-side apply, simplified from structured-merge-diff.
A field is a leaf path: map keys ("f:<key>"), list items with a `name` ("k:{"name":"x"}"), and
everything else (scalars, other lists, empty maps) as one leaf. Only metadata labels/annotations/
finalizers/ownerReferences and the object's own fields count; apiVersion/kind do not, status only for
the status subresource.
- Update (create/PUT/merge/strategic/JSON patch): the manager owns what it changed; others lose it.
- Apply: conflicts with other managers' fields of a different value give 409 unless force (then the
  fields change owner); fields this manager applied before and no one else owns are removed when they
  are left out; equal values are shared, as in kube."""
import copy
import json

import objects
from patch import strategic_merge
from status import ApiError

META_FIELDS = ("labels", "annotations", "finalizers", "ownerReferences")


def leaves(obj, status=False, prefix=()):
    out = {}
    for k, v in obj.items():
        if not prefix:
            if k in ("apiVersion", "kind") or (k == "status") != status:
                continue
            if k == "metadata":
                for m in META_FIELDS:
                    if m in v:
                        out.update(_walk(v[m], ("f:metadata", f"f:{m}")))
                continue
        out.update(_walk(v, prefix + (f"f:{k}",)))
    return out


def _walk(v, path):
    if isinstance(v, dict) and v:
        out = {}
        for k, x in v.items():
            out.update(_walk(x, path + (f"f:{k}",)))
        return out
    if isinstance(v, list) and v and all(isinstance(i, dict) and "name" in i for i in v):
        out = {}
        for i in v:
            key = "k:" + json.dumps({"name": i["name"]}, separators=(",", ":"))
            out.update(_walk(i, path + (key,)))
        return out
    return {path: v}


def to_fields(paths):
    root = {}
    for p in sorted(paths):
        node = root
        for depth, el in enumerate(p):
            child = node.setdefault(el, {})
            if depth < len(p) - 1 and depth > 0:
                child.setdefault(".", {})
            node = child
    return root


def from_fields(fields, prefix=()):
    out = set()
    for k, v in (fields or {}).items():
        if k == ".":
            continue
        kids = {x: y for x, y in v.items() if x != "."}
        out |= from_fields(kids, prefix + (k,)) if kids else {prefix + (k,)}
    return out


def _pretty(path):
    s = ""
    for el in path:
        s += f".{el[2:]}" if el.startswith("f:") else "[" + ",".join(f'{a}="{b}"' for a, b in json.loads(el[2:]).items()) + "]"
    return s


def _remove(obj, path):
    node, parents = obj, []
    for el in path[:-1]:
        parents.append(node)
        node = _child(node, el)
        if node is None:
            return
    last = path[-1]
    if isinstance(node, dict) and last.startswith("f:"):
        node.pop(last[2:], None)
    elif isinstance(node, list):
        node[:] = [i for i in node if "k:" + json.dumps({"name": i.get("name")}, separators=(",", ":")) != last]


def _child(node, el):
    if isinstance(node, dict) and el.startswith("f:"):
        return node.get(el[2:])
    if isinstance(node, list):
        return next((i for i in node if "k:" + json.dumps({"name": i.get("name")}, separators=(",", ":")) == el), None)
    return None


def _entries(obj):
    return [m for m in (obj.get("metadata", {}).get("managedFields") or []) if m]


def _entry(manager, op, gv, paths, sub):
    e = {"manager": manager, "operation": op, "apiVersion": gv, "time": objects.now(), "fieldsType": "FieldsV1",
         "fieldsV1": to_fields(paths)}
    if sub:
        e["subresource"] = sub
    return e


def record_update(old, new, manager, gv, sub="", op="Update"):
    """managedFields of new after manager wrote it (old = None on create)."""
    status = sub == "status"
    now_l, old_l = leaves(new, status), leaves(old, status) if old else {}
    changed = {p for p, v in now_l.items() if p not in old_l or old_l[p] != v}
    out, mine = [], set()
    for e in _entries(new):
        if e.get("subresource", "") != sub:  # the other side of the status subresource: untouched
            out.append(e)
            continue
        paths = from_fields(e.get("fieldsV1")) & set(now_l)
        if e.get("manager") == manager and e.get("operation") == op:
            mine = paths
            continue
        paths -= changed
        if paths:
            out.append(dict(e, fieldsV1=to_fields(paths)))
    mine = (mine | changed) & set(now_l)
    if mine:
        out.append(_entry(manager, op, gv, mine, sub))
    new["metadata"]["managedFields"] = out


def apply(live, body, manager, gv, force):
    """The object after manager applied body to live (managedFields included), or 409 on conflicts."""
    applied = leaves(body)
    live_l = leaves(live)
    conflicts, others, prior = [], [], set()
    for e in _entries(live):
        paths = from_fields(e.get("fieldsV1"))
        if e.get("manager") == manager and e.get("operation") == "Apply":
            prior = paths
            continue
        if e.get("subresource"):
            others.append((e, paths))
            continue
        clash = {p for p in paths & set(applied) if live_l.get(p) != applied[p]}
        conflicts += [(e["manager"], e.get("apiVersion", gv), p) for p in sorted(clash)]
        others.append((e, paths - clash if force else paths))
    if conflicts and not force:
        n = len(conflicts)
        if n == 1:
            msg = f'Apply failed with 1 conflict: conflict with "{conflicts[0][0]}" using {conflicts[0][1]}: {_pretty(conflicts[0][2])}'
        else:
            msg = f"Apply failed with {n} conflicts: " + "\n".join(
                f'conflict with "{m}" using {v}: {_pretty(p)}' for m, v, p in conflicts)
        raise ApiError(409, msg, "Conflict", {"causes": [{"reason": "FieldManagerConflict", "message": f'conflict with "{m}" using {v}',
                                                          "field": _pretty(p)} for m, v, p in conflicts]})
    merged = strategic_merge(copy.deepcopy(live), {k: v for k, v in body.items() if k != "status"})
    owned_by_others = set().union(*[p for _, p in others]) if others else set()
    gone = prior - set(applied) - owned_by_others
    # a list item none of whose fields stays goes whole: removed field by field it would stay behind as {}
    # (or, its name gone first, no longer be found by its key)
    merged_l = set(leaves(merged))
    for item in sorted({p[:i + 1] for p in gone for i, el in enumerate(p) if el.startswith("k:")}, key=len):
        under = {p for p in merged_l if p[:len(item)] == item}
        if under and under <= gone:
            gone = (gone - under) | {item}
    for p in sorted(gone, key=len, reverse=True):
        _remove(merged, p)
    meta = merged.setdefault("metadata", {})
    meta["managedFields"] = [dict(e, fieldsV1=to_fields(p)) for e, p in others if p] + [_entry(manager, "Apply", gv, set(applied), "")]
    return merged
