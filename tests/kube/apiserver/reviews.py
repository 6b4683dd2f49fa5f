"""Create-only virtual resources: SelfSubjectAccessReview/SubjectAccessReview/LocalSubjectAccessReview
and SelfSubjectRulesReview (authorization.k8s.io), SelfSubjectReview (authentication.k8s.io), and the
TokenRequest subresource serviceaccounts/token. Nothing is stored, as in kube-apiserver."""
import datetime

from auth import User
from rbac import Attrs
from status import invalid, not_found

VIRTUAL = {"selfsubjectaccessreviews", "subjectaccessreviews", "localsubjectaccessreviews",
           "selfsubjectrulesreviews", "selfsubjectreviews", "tokenreviews"}


def _attrs(spec, ns=""):
    ra, nra = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if nra:
        return Attrs(nra.get("verb", ""), path=nra.get("path", ""))
    ra = ra or {}
    return Attrs(ra.get("verb", ""), ra.get("group", ""), ra.get("resource", ""), ra.get("subresource", ""),
                 ra.get("name", ""), ns or ra.get("namespace", ""))


def review(server, res, ns, user, body):
    body = dict(body or {})
    body["apiVersion"], body["kind"] = res.gv, res.kind
    meta = body.setdefault("metadata", {})
    meta.setdefault("creationTimestamp", None)
    spec = body.get("spec") or {}
    if res.plural in ("selfsubjectaccessreviews", "subjectaccessreviews", "localsubjectaccessreviews"):
        who = user
        if res.plural != "selfsubjectaccessreviews":
            who = User(spec.get("user", ""), spec.get("groups") or [], spec.get("uid", ""))
        if not spec.get("resourceAttributes") and not spec.get("nonResourceAttributes"):
            raise invalid(res.kind, "", res.group, [("spec.resourceAttributes", "FieldValueRequired",
                          "Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified")])
        allowed = server.authorizer.allowed(who, _attrs(spec, ns))
        body["status"] = {"allowed": allowed}
        if allowed and not who.masters:
            body["status"]["reason"] = "RBAC: allowed by a binding"
    elif res.plural == "selfsubjectrulesreviews":
        rules = [] if not user.masters else [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                                             {"nonResourceURLs": ["*"], "verbs": ["*"]}]
        rules += server.authorizer.rules(user, spec.get("namespace", ""))
        body["status"] = {
            "resourceRules": [{k: r[k] for k in ("verbs", "apiGroups", "resources", "resourceNames") if r.get(k)}
                              for r in rules if r.get("resources")],
            "nonResourceRules": [{"verbs": r["verbs"], "nonResourceURLs": r["nonResourceURLs"]}
                                 for r in rules if r.get("nonResourceURLs")],
            "incomplete": False}
    elif res.plural == "selfsubjectreviews":
        info = {"username": user.name, "groups": user.groups}
        if user.uid:
            info["uid"] = user.uid
        if user.extra:
            info["extra"] = user.extra
        body["status"] = {"userInfo": info}
    elif res.plural == "tokenreviews":
        tok = spec.get("token", "")
        got = server.auth.issued.get(tok)
        body["status"] = {"authenticated": bool(got)} if not got else {
            "authenticated": True, "audiences": spec.get("audiences") or [],
            "user": {"username": got[0].name, "uid": got[0].uid, "groups": got[0].groups}}
    return 201, body


def token_request(server, ns, sa, body):
    acct = server.store.get(("", "serviceaccounts"), ns, sa)
    if acct is None:
        raise not_found("", "serviceaccounts", sa)
    spec = (body or {}).get("spec") or {}
    secs = int(spec.get("expirationSeconds") or 3600)
    if secs < 600:
        raise invalid("TokenRequest", sa, "authentication.k8s.io", [("spec.expirationSeconds", "FieldValueInvalid",
                      f"Invalid value: {secs}: may not specify a duration less than 10 minutes")])
    auds = spec.get("audiences") or ["https://kubernetes.default.svc.cluster.local", "k3s"]
    tok, exp = server.auth.issue(ns, sa, acct["metadata"]["uid"], auds, secs)
    ts = datetime.datetime.fromtimestamp(exp, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return 201, {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
                 "metadata": {"name": sa, "namespace": ns, "creationTimestamp": None},
                 "spec": {"audiences": auds, "expirationSeconds": secs, "boundObjectRef": spec.get("boundObjectRef")},
                 "status": {"token": tok, "expirationTimestamp": ts}}
