"""List semantics of kube-apiserver's etcd3 store: label/field selectors, limit/continue paging
over the snapshot at the list's resourceVersion, continue tokens in the real format, and the
400/410/422 answers for bad combinations."""
import base64
import binascii
import json
import re

from status import ApiError, bad_request, invalid

EXPIRED_MSG = ("The provided continue parameter is too old to display a consistent list result. You can start a new "
               "list without the continue parameter, or use the continue token in this response to retrieve the "
               "remainder of the results. Continuing with the provided token results in an inconsistent list - "
               "objects that were created, modified, or deleted between the time the first chunk was returned and "
               "now may show up in the list.")


def encode_continue(rv, start):
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()


def decode_continue(tok):
    try:
        raw = base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4))
        d = json.loads(raw)
    except (binascii.Error, ValueError) as e:
        raise bad_request(f"invalid continue token: continue key is not valid: {e}")
    if not isinstance(d, dict) or d.get("v") != "meta.k8s.io/v1":
        raise bad_request("invalid continue token: continue key is not valid: server does not recognize this encoded version")
    if not isinstance(d.get("rv"), int) or not isinstance(d.get("start"), str) or not d["start"]:
        raise bad_request("invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
    return d["rv"], d["start"]


def _split_top(s):
    parts, depth, cur = [], 0, ""
    for ch in s:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts]


def label_matcher(sel):
    """Parses =, ==, !=, in, notin, exists and !exists; returns a predicate on a labels dict."""
    reqs = []
    for p in _split_top(sel or ""):
        m = re.fullmatch(r"([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)", p)
        if m:
            vals = {v.strip() for v in m.group(3).split(",") if v.strip()}
            reqs.append((m.group(1), m.group(2), vals))
            continue
        m = re.fullmatch(r"([\w./-]+)\s*(==|!=|=)\s*([\w./-]*)", p)
        if m:
            reqs.append((m.group(1), "!=" if m.group(2) == "!=" else "=", m.group(3)))
            continue
        m = re.fullmatch(r"(!?)([\w./-]+)", p)
        if not m:
            raise bad_request(f"unable to parse requirement: found '{p}', expected: identifier")
        reqs.append((m.group(2), "!" if m.group(1) else "exists", None))

    def match(labels):
        labels = labels or {}
        for k, op, v in reqs:
            have = k in labels
            if op == "=" and labels.get(k) != v:
                return False
            if op == "!=" and have and labels[k] == v:
                return False
            if op == "in" and (not have or labels[k] not in v):
                return False
            if op == "notin" and have and labels[k] in v:
                return False
            if op == "exists" and not have:
                return False
            if op == "!" and have:
                return False
        return True
    return match


FIELDS = {"metadata.name": lambda o: o["metadata"].get("name", ""),
          "metadata.namespace": lambda o: o["metadata"].get("namespace", "")}
POD_FIELDS = {"spec.nodeName": lambda o: o.get("spec", {}).get("nodeName", ""),
              "status.phase": lambda o: o.get("status", {}).get("phase", ""),
              "spec.restartPolicy": lambda o: o.get("spec", {}).get("restartPolicy", ""),
              "spec.serviceAccountName": lambda o: o.get("spec", {}).get("serviceAccountName", "")}


def field_matcher(sel, kind):
    known = dict(FIELDS, **(POD_FIELDS if kind == "Pod" else {}))
    reqs = []
    for p in _split_top(sel or ""):
        m = re.fullmatch(r"([\w.]+)\s*(==|!=|=)\s*(.*)", p)
        if not m:
            raise bad_request(f"invalid selector: '{sel}'; can't understand '{p}'")
        if m.group(1) not in known:
            raise bad_request(f'field label not supported: {m.group(1)}')
        reqs.append((known[m.group(1)], m.group(2) == "!=", m.group(3)))
    return lambda o: all((get(o) != v) if neg else (get(o) == v) for get, neg, v in reqs)


def validate_options(q):
    rv, match, cont = q.get("resourceVersion", ""), q.get("resourceVersionMatch", ""), q.get("continue", "")

    def bad(msg):
        return invalid("ListOptions", "", "meta.k8s.io", [("resourceVersionMatch", "FieldValueForbidden", "Forbidden: " + msg)])
    if match:
        if match not in ("Exact", "NotOlderThan"):
            raise invalid("ListOptions", "", "meta.k8s.io", [("resourceVersionMatch", "FieldValueNotSupported",
                          f'Unsupported value: "{match}": supported values: "Exact", "NotOlderThan"')])
        if cont:
            raise bad("resourceVersionMatch is forbidden when continue is provided")
        if not rv:
            raise bad("resourceVersionMatch is forbidden unless resourceVersion is provided")
        if match == "Exact" and rv == "0":
            raise bad('resourceVersionMatch "exact" is forbidden for resourceVersion "0"')
    if cont and rv not in ("", "0"):
        raise bad_request("specifying resource version is not allowed when using continue")
    if rv and rv != "0":
        try:
            int(rv)
        except ValueError:
            raise bad_request(f'invalid resource version: "{rv}"')
    for p in ("timeoutSeconds",):  # the other int64 parameters of ListOptions
        parse_int(q.get(p, ""))
    # a limit of 0 or less is no limit: the storage pages only when limit > 0
    return max(parse_int(q.get("limit", "")), 0)


def parse_int(text):
    """A query parameter decoded into an int64 (strconv.ParseInt), "" as 0; 400 as kube's parameter codec."""
    try:
        return int(text) if text else 0
    except ValueError:
        raise bad_request(f'strconv.ParseInt: parsing "{text}": invalid syntax')


def list_objects(store, res, gr, ns, q, expired):
    """Returns (items, metadata) for a list request; expired = set of continue tokens no longer valid."""
    limit = validate_options(q)
    cont = q.get("continue", "")
    labels = label_matcher(q.get("labelSelector", ""))
    fields = field_matcher(q.get("fieldSelector", ""), res.kind)
    selecting = bool(q.get("labelSelector") or q.get("fieldSelector"))
    start, snap = "", None
    if cont:
        snap, start = decode_continue(cont)
        if cont in expired or 0 <= snap < store.compacted:
            raise ApiError(410, EXPIRED_MSG, "Expired", metadata={"continue": encode_continue(-1, start)})
        if snap == -1:
            snap = None  # the inconsistent continuation: latest state from start on
    elif q.get("resourceVersion", "") not in ("", "0") and (q.get("resourceVersionMatch") == "Exact" or
                                                            (limit and not q.get("resourceVersionMatch"))):
        # an exact read at that revision (limit without a match means Exact, per api-concepts)
        snap = int(q["resourceVersion"])
        if snap < store.compacted:
            raise ApiError(410, "The resourceVersion for the provided list is too old.", "Expired")
    rv = q.get("resourceVersion", "")
    if rv not in ("", "0") and int(rv) > store.rv:  # kube waits ~3 s for the revision first
        raise ApiError(504, f"Timeout: Too large resource version: {rv}, current: {store.rv}", "Timeout",
                       {"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
                        "retryAfterSeconds": 1})
    list_rv = store.rv if snap is None else snap
    items, last, more, remaining = [], None, False, 0
    for key, obj in store.list(gr, ns, snap, start):
        if not (labels(obj["metadata"].get("labels")) and fields(obj)):
            continue
        if limit and len(items) >= limit:
            more = True
            remaining += 1
            continue
        items.append(obj)
        last = key
    meta = {"resourceVersion": str(list_rv)}
    if more:
        meta["continue"] = encode_continue(list_rv, last + "\x00")
        if not selecting:
            meta["remainingItemCount"] = remaining
    return items, meta
