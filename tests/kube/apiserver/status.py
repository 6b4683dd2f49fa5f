"""metav1.Status bodies with the field order kube-apiserver writes (kind, apiVersion, metadata,
status, message, reason, details, code) and the plain-text 404 of Go's http.NotFound."""
import json
from aiohttp import web


class ApiError(Exception):
    """Raised anywhere in a handler; main.py turns it into the Status response."""

    def __init__(self, code, message, reason="", details=None, metadata=None):
        super().__init__(message)
        self.code, self.message, self.reason = code, message, reason
        self.details, self.metadata = details, metadata or {}

    def body(self):
        s = {"kind": "Status", "apiVersion": "v1", "metadata": self.metadata,
             "status": "Failure", "message": self.message}
        if self.reason:
            s["reason"] = self.reason
        if self.details is not None:
            s["details"] = self.details
        s["code"] = self.code
        return s


class PlainNotFound(Exception):
    """Unknown path: Go's http.NotFound, not a Status (client-go maps it to
    'the server could not find the requested resource')."""


def details(name, group, plural, causes=None):
    d = {}
    if name:
        d["name"] = name
    if group:
        d["group"] = group
    d["kind"] = plural
    if causes:
        d["causes"] = causes
    return d


def qualified(group, plural):
    return f"{plural}.{group}" if group else plural


def not_found(group, plural, name):
    return ApiError(404, f'{qualified(group, plural)} "{name}" not found', "NotFound",
                    details(name, group, plural))


def already_exists(group, plural, name):
    return ApiError(409, f'{qualified(group, plural)} "{name}" already exists', "AlreadyExists",
                    details(name, group, plural))


def conflict(group, plural, name):
    return ApiError(409, f'Operation cannot be fulfilled on {qualified(group, plural)} "{name}": the object '
                    "has been modified; please apply your changes to the latest version and try again",
                    "Conflict", details(name, group, plural))


def invalid(kind, name, group, causes):
    """errors.NewInvalid: 422 with every cause [(field, reason, message)] in details, the message naming the
    group-qualified kind (GroupKind.String(): "Role.rbac.authorization.k8s.io") and each distinct cause once
    (ErrorList.ToAggregate drops repeats), several as [a, b]."""
    msgs = list(dict.fromkeys(f"{f}: {m}" for f, _, m in causes))
    msg = f'{qualified(group, kind)} "{name}" is invalid: ' + (msgs[0] if len(msgs) == 1 else "[" + ", ".join(msgs) + "]")
    d = {"name": name} if name else {}
    if group:
        d["group"] = group
    d["kind"] = kind
    d["causes"] = [{"reason": r, "message": m, "field": f} for f, r, m in causes]
    return ApiError(422, msg, "Invalid", d)


def bad_request(message):
    return ApiError(400, message, "BadRequest")


def json_response(obj, status=200, content_type="application/json"):
    return web.Response(status=status, body=json.dumps(obj, separators=(",", ":")).encode(),
                        headers={"Content-Type": content_type})
