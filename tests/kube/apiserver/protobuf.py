"""Request bodies in kube's protobuf encoding, which kubectl >= 1.32 sends for built-in types from its
typed clients (`kubectl create configmap|secret|namespace|serviceaccount`, `create token`, `auth can-i`,
`auth whoami`, `create role|rolebinding|clusterrole|clusterrolebinding`). The envelope is the magic "k8s\\0" plus a runtime.Unknown {typeMeta, raw}; raw is the
Go type's protobuf (field numbers from k8s.io/api's generated.proto). Only the types listed in KINDS are
decoded; others get 415 as from a server without that serializer. Responses stay JSON, which every
client-go Accept header includes."""
import base64
import datetime

from status import ApiError

STR, BYTES, INT, BOOL, TIME, MAP_STR, MAP_BYTES, REP_STR = "str", "bytes", "int", "bool", "time", "mstr", "mbytes", "rstr"
MSG = {
    "TypeMeta": {1: ("apiVersion", STR), 2: ("kind", STR)},
    "Unknown": {1: ("typeMeta", "TypeMeta"), 2: ("raw", BYTES), 3: ("contentEncoding", STR), 4: ("contentType", STR)},
    "ObjectMeta": {1: ("name", STR), 2: ("generateName", STR), 3: ("namespace", STR), 4: ("selfLink", STR),
                   5: ("uid", STR), 6: ("resourceVersion", STR), 7: ("generation", INT), 8: ("creationTimestamp", TIME),
                   9: ("deletionTimestamp", TIME), 10: ("deletionGracePeriodSeconds", INT), 11: ("labels", MAP_STR),
                   12: ("annotations", MAP_STR), 13: ("ownerReferences", "*OwnerReference"), 14: ("finalizers", REP_STR)},
    "OwnerReference": {1: ("kind", STR), 3: ("name", STR), 4: ("uid", STR), 5: ("apiVersion", STR),
                       6: ("controller", BOOL), 7: ("blockOwnerDeletion", BOOL)},
    "LocalObjectReference": {1: ("name", STR)},
    "ObjectReference": {1: ("kind", STR), 2: ("namespace", STR), 3: ("name", STR), 4: ("uid", STR),
                        5: ("apiVersion", STR), 6: ("resourceVersion", STR), 7: ("fieldPath", STR)},
    "ConfigMap": {1: ("metadata", "ObjectMeta"), 2: ("data", MAP_STR), 3: ("binaryData", MAP_BYTES), 4: ("immutable", BOOL)},
    "Secret": {1: ("metadata", "ObjectMeta"), 2: ("data", MAP_BYTES), 3: ("type", STR), 4: ("stringData", MAP_STR),
               5: ("immutable", BOOL)},
    "Namespace": {1: ("metadata", "ObjectMeta"), 2: ("spec", "NamespaceSpec")},
    "NamespaceSpec": {1: ("finalizers", REP_STR)},
    "ServiceAccount": {1: ("metadata", "ObjectMeta"), 2: ("secrets", "*ObjectReference"),
                       3: ("imagePullSecrets", "*LocalObjectReference"), 4: ("automountServiceAccountToken", BOOL)},
    "TokenRequest": {1: ("metadata", "ObjectMeta"), 2: ("spec", "TokenRequestSpec")},
    "TokenRequestSpec": {1: ("audiences", REP_STR), 3: ("boundObjectRef", "BoundObjectReference"), 4: ("expirationSeconds", INT)},
    "BoundObjectReference": {1: ("kind", STR), 2: ("apiVersion", STR), 3: ("name", STR), 4: ("uid", STR)},
    "SelfSubjectAccessReview": {1: ("metadata", "ObjectMeta"), 2: ("spec", "SelfSubjectAccessReviewSpec")},
    "SelfSubjectAccessReviewSpec": {1: ("resourceAttributes", "ResourceAttributes"), 2: ("nonResourceAttributes", "NonResourceAttributes")},
    "ResourceAttributes": {1: ("namespace", STR), 2: ("verb", STR), 3: ("group", STR), 4: ("version", STR),
                           5: ("resource", STR), 6: ("subresource", STR), 7: ("name", STR)},
    "NonResourceAttributes": {1: ("path", STR), 2: ("verb", STR)},
    "SelfSubjectRulesReview": {1: ("metadata", "ObjectMeta"), 2: ("spec", "SelfSubjectRulesReviewSpec")},
    "SelfSubjectRulesReviewSpec": {1: ("namespace", STR)},
    "SelfSubjectReview": {1: ("metadata", "ObjectMeta")},
    "PolicyRule": {1: ("verbs", REP_STR), 2: ("apiGroups", REP_STR), 3: ("resources", REP_STR),
                   4: ("resourceNames", REP_STR), 5: ("nonResourceURLs", REP_STR)},
    "Role": {1: ("metadata", "ObjectMeta"), 2: ("rules", "*PolicyRule")},
    "ClusterRole": {1: ("metadata", "ObjectMeta"), 2: ("rules", "*PolicyRule")},
    "Subject": {1: ("kind", STR), 2: ("apiGroup", STR), 3: ("name", STR), 4: ("namespace", STR)},
    "RoleRef": {1: ("apiGroup", STR), 2: ("kind", STR), 3: ("name", STR)},
    "RoleBinding": {1: ("metadata", "ObjectMeta"), 2: ("subjects", "*Subject"), 3: ("roleRef", "RoleRef")},
    "ClusterRoleBinding": {1: ("metadata", "ObjectMeta"), 2: ("subjects", "*Subject"), 3: ("roleRef", "RoleRef")},
    "Time": {1: ("seconds", INT), 2: ("nanos", INT)},
    "MapEntry": {1: ("key", STR), 2: ("value", BYTES)},
}
KINDS = {"ConfigMap", "Secret", "Namespace", "ServiceAccount", "TokenRequest", "SelfSubjectAccessReview",
         "SelfSubjectRulesReview", "SelfSubjectReview", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}


def _varint(b, i):
    shift = out = 0
    while True:
        c = b[i]
        i += 1
        out |= (c & 0x7F) << shift
        if c < 0x80:
            return out, i
        shift += 7


def _fields(b):
    i = 0
    while i < len(b):
        key, i = _varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(b, i)
        elif wt == 2:
            n, i = _varint(b, i)
            v, i = b[i:i + n], i + n
        elif wt == 1:
            v, i = b[i:i + 8], i + 8
        elif wt == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wt}")
        yield num, v


def _time(v):
    t = _msg(v, "Time")
    if not t.get("seconds"):
        return None
    return datetime.datetime.fromtimestamp(t["seconds"], datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _msg(b, typ):
    schema, out = MSG[typ], {}
    for num, v in _fields(b):
        if num not in schema:
            continue  # a field this server does not model
        name, kind = schema[num]
        if kind in (STR, BYTES, INT, BOOL, TIME) and not v:
            continue  # zero values: what Go's JSON encoding omits (omitempty)
        if kind == STR:
            out[name] = v.decode()
        elif kind == BYTES:
            out[name] = bytes(v)
        elif kind in (INT, BOOL):
            out[name] = bool(v) if kind == BOOL else (v - (1 << 64) if v >= 1 << 63 else v)
        elif kind == TIME:
            if _time(v):
                out[name] = _time(v)
        elif kind in (MAP_STR, MAP_BYTES):
            e = _msg(v, "MapEntry")
            val = e.get("value", b"")
            out.setdefault(name, {})[e.get("key", "")] = val.decode() if kind == MAP_STR else base64.b64encode(val).decode()
        elif kind == REP_STR:
            out.setdefault(name, []).append(v.decode())
        elif kind.startswith("*"):
            out.setdefault(name, []).append(_msg(v, kind[1:]))
        else:
            out[name] = _msg(v, kind)
    return out


def decode(raw):
    if raw[:4] != b"k8s\x00":
        raise ApiError(400, "the body of the request was in an unknown format: missing the protobuf envelope", "BadRequest")
    try:
        env = _msg(raw[4:], "Unknown")
        tm = env.get("typeMeta", {})
        kind = tm.get("kind", "")
        if kind not in KINDS:
            raise ApiError(415, f"the body of the request was in an unknown format - accepted media types include: "
                           f"application/json, application/yaml (protobuf {kind} is not decoded by this test server)",
                           "UnsupportedMediaType")
        obj = _msg(env.get("raw", b""), kind)
    except (IndexError, ValueError, UnicodeDecodeError) as e:
        raise ApiError(400, f"the body of the request was in an unknown format: {e}", "BadRequest")
    return dict({"apiVersion": tm.get("apiVersion", ""), "kind": kind}, **obj)
