"""Patch formats. JSON merge patch (RFC 7386) and JSON patch (RFC 6902) are exact. Strategic merge
patch is approximated: merge patch, except that lists of maps are merged by their usual merge key
(name, or containerPort/port for ports; the real keys come from Go struct tags) and the directives
$patch: delete/replace, $setElementOrder/* , $retainKeys and $deleteFromPrimitiveList/* are honoured
in their common forms. Server-side apply lives in ssa.py."""
import copy

from status import ApiError

MERGE_KEYS = ("name", "containerPort", "port", "mountPath", "devicePath", "ip", "type", "topologyKey")


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def _merge_key(items):
    for k in MERGE_KEYS:
        if items and all(isinstance(i, dict) and k in i for i in items):
            return k
    return None


def strategic_merge(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    for k, v in patch.items():
        if k.startswith("$setElementOrder/") or k in ("$retainKeys", "$patch"):
            continue
        if k.startswith("$deleteFromPrimitiveList/"):
            f = k.split("/", 1)[1]
            out[f] = [x for x in out.get(f) or [] if x not in v]
            continue
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict):
            out[k] = strategic_merge(out.get(k), v)
        elif isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = _merge_list(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    if retain is not None:
        out = {k: v for k, v in out.items() if k in retain}
    return out


def _merge_list(live, patch):
    key = _merge_key([i for i in live + patch if not (isinstance(i, dict) and "$patch" in i and len(i) <= 2)])
    if key is None:
        return copy.deepcopy([i for i in patch if not (isinstance(i, dict) and i.get("$patch"))])
    out = copy.deepcopy(live)
    for item in patch:
        idx = next((n for n, x in enumerate(out) if x.get(key) == item.get(key)), None)
        if item.get("$patch") == "delete":
            if idx is not None:
                out.pop(idx)
        elif idx is None:
            out.append(strategic_merge({}, item))
        else:
            out[idx] = strategic_merge(out[idx], item)
    return out


def _pointer(path):
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]


def json_patch(target, ops):
    if not isinstance(ops, list) or not all(isinstance(o, dict) for o in ops):
        raise ApiError(400, "json: cannot unmarshal object into Go value of type jsonpatch.Patch", "BadRequest")
    doc = copy.deepcopy(target)
    for op in ops:
        parts = _pointer(op.get("path", ""))
        parent = doc
        try:
            for p in parts[:-1]:
                parent = parent[int(p)] if isinstance(parent, list) else parent[p]
            last = parts[-1]
            kind = op.get("op")
            if kind in ("add", "replace"):
                if isinstance(parent, list):
                    i = len(parent) if last == "-" else int(last)
                    if kind == "add":
                        parent.insert(i, op.get("value"))
                    else:
                        parent[i] = op.get("value")
                else:
                    if kind == "replace" and last not in parent:
                        raise KeyError(last)
                    parent[last] = op.get("value")
            elif kind == "remove":
                del parent[int(last) if isinstance(parent, list) else last]
            elif kind == "test":
                cur = parent[int(last)] if isinstance(parent, list) else parent[last]
                if cur != op.get("value"):
                    raise ApiError(422, "the server rejected our request due to an error in our request", "Invalid")
            else:
                raise ApiError(500, f'Unexpected kind: {kind}')
        except (KeyError, IndexError, ValueError, TypeError):
            raise ApiError(422, "the server rejected our request due to an error in our request", "Invalid")
    return doc


def apply_patch(content_type, live, body):
    if content_type.startswith("application/merge-patch+json"):
        return merge_patch(live, body)
    if content_type.startswith("application/strategic-merge-patch+json"):
        return strategic_merge(live, body)
    if content_type.startswith("application/json-patch+json"):
        return json_patch(live, body)
    if content_type.startswith("application/apply-patch+yaml"):  # of a subresource; ssa.py does the rest
        return merge_patch(live, body)
    raise ApiError(415, 'the body of the request was in an unknown format - accepted media types include: '
                   'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, '
                   'application/strategic-merge-patch+json', "UnsupportedMediaType")
