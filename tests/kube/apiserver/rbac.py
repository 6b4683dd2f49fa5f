"""RBAC authorization evaluated from the Role/ClusterRole/RoleBinding/ClusterRoleBinding objects in
the store, with the bootstrap roles kube-apiserver creates (cluster-admin for system:masters,
system:discovery, system:basic-user, system:public-info-viewer) seeded as real objects."""
from status import ApiError, bad_request, not_found

RBAC = "rbac.authorization.k8s.io"
BOOTSTRAP_ROLES = {
    "cluster-admin": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}],
    "system:discovery": [{"nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi",
                                              "/openapi/*", "/readyz", "/version", "/version/"], "verbs": ["get"]}],
    "system:basic-user": [{"apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                           "verbs": ["create"]},
                          {"apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"], "verbs": ["create"]}],
    "system:public-info-viewer": [{"nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"], "verbs": ["get"]}],
}
BOOTSTRAP_BINDINGS = {"cluster-admin": "system:masters", "system:discovery": "system:authenticated",
                      "system:basic-user": "system:authenticated", "system:public-info-viewer": "system:authenticated"}


def bootstrap_objects():
    for name, rules in BOOTSTRAP_ROLES.items():
        meta = {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
                "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}}
        yield "clusterroles", {"apiVersion": f"{RBAC}/v1", "kind": "ClusterRole", "metadata": meta, "rules": rules}
        yield "clusterrolebindings", {"apiVersion": f"{RBAC}/v1", "kind": "ClusterRoleBinding", "metadata": dict(meta),
                                      "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": name},
                                      "subjects": [{"apiGroup": RBAC, "kind": "Group", "name": BOOTSTRAP_BINDINGS[name]}]}


class Attrs:
    """What is asked: a resource request (group/resource/subresource/name/namespace) or a path."""

    def __init__(self, verb, group="", resource="", subresource="", name="", namespace="", path=None):
        self.verb, self.group, self.resource, self.subresource = verb, group, resource, subresource
        self.name, self.namespace, self.path = name, namespace, path


def _subject_matches(s, user, binding_ns):
    kind, name = s.get("kind"), s.get("name")
    if kind == "User":
        return name == user.name
    if kind == "Group":
        return name in user.groups
    if kind == "ServiceAccount":
        # appliesToUser (pkg/registry/rbac/validation/rule.go): a RoleBinding's subject without a namespace
        # means the binding's own
        sa_ns = s.get("namespace") or binding_ns
        return bool(sa_ns) and user.name == f"system:serviceaccount:{sa_ns}:{name}"
    return False


def _rule_allows(rule, a):
    verbs = rule.get("verbs") or []
    if "*" not in verbs and a.verb not in verbs:
        return False
    if a.path is not None:
        for u in rule.get("nonResourceURLs") or []:
            if u == a.path or u == "*" or (u.endswith("*") and a.path.startswith(u[:-1])):
                return True
        return False
    groups = rule.get("apiGroups") or []
    if "*" not in groups and a.group not in groups:
        return False
    full = f"{a.resource}/{a.subresource}" if a.subresource else a.resource
    ok = False
    for r in rule.get("resources") or []:
        if r == "*" or r == full or (a.subresource and r == f"*/{a.subresource}"):
            ok = True
    if not ok:
        return False
    names = rule.get("resourceNames") or []
    return not names or a.name in names


class Authorizer:
    def __init__(self, store):
        self.store = store

    def role_ref_rules(self, ref, ns):
        """GetRoleReferenceRules (pkg/registry/rbac/validation/rule.go): the rules of the role a binding in
        namespace ns ("" for a ClusterRoleBinding) refers to, or the ApiError the registry's Get gives."""
        kind, name = ref.get("kind"), ref.get("name") or ""
        if kind == "Role":
            if not ns:  # NamespaceKeyFunc
                raise bad_request("Namespace parameter required.")
            plural = "roles"
        elif kind == "ClusterRole":
            plural = "clusterroles"
        else:  # a plain error: the apiserver answers 500 without a reason
            raise ApiError(500, f"unsupported role reference kind: {go_quote(kind or '')}")
        if not name:
            raise bad_request("Name parameter required.")
        role = self.store.get((RBAC, plural), ns if kind == "Role" else "", name)
        if role is None:
            raise not_found(RBAC, plural, name)
        return role.get("rules") or []

    def rules_and_errors(self, user, ns):
        """RulesFor: every rule that applies to user in namespace ns (cluster-wide ones included), and the
        errors of the bindings naming user whose role cannot be read."""
        out, errors = [], []
        bindings = [(b, "") for _, b in self.store.list((RBAC, "clusterrolebindings"))]
        if ns:
            bindings += [(b, ns) for _, b in self.store.list((RBAC, "rolebindings"), ns)]
        for b, bns in bindings:
            if any(_subject_matches(s, user, bns) for s in b.get("subjects") or []):
                try:
                    out += self.role_ref_rules(b.get("roleRef") or {}, bns)
                except ApiError as e:
                    errors.append(e.message)
        return out, errors

    def rules(self, user, ns):
        return self.rules_and_errors(user, ns)[0]

    def allowed(self, user, a):
        if user.masters:  # kube-apiserver's privileged-group short cut, ahead of RBAC
            return True
        return any(_rule_allows(r, a) for r in self.rules(user, a.namespace if a.path is None else ""))

    def check(self, user, a):
        if self.allowed(user, a):
            return
        if a.path is not None:
            raise ApiError(403, f'forbidden: User "{user.name}" cannot {a.verb} path "{a.path}"', "Forbidden", {})
        res = f"{a.resource}/{a.subresource}" if a.subresource else a.resource
        what = f"{a.resource}.{a.group}" if a.group else a.resource
        where = f'in the namespace "{a.namespace}"' if a.namespace else "at the cluster scope"
        who = f'User "{user.name}" cannot {a.verb} resource "{res}" in API group "{a.group}" {where}'
        prefix = f'{what} "{a.name}"' if a.name else what
        d = {"name": a.name} if a.name else {}
        if a.group:
            d["group"] = a.group
        d["kind"] = a.resource
        raise ApiError(403, f"{prefix} is forbidden: {who}", "Forbidden", d)


_GO_ESCAPES = {"\a": r"\a", "\b": r"\b", "\f": r"\f", "\n": r"\n", "\r": r"\r", "\t": r"\t", "\v": r"\v"}


def go_quote(s):
    """Go's strconv.Quote (fmt's %q of a string)."""
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable():  # Go's unicode.IsPrint: the same classes, ASCII space the only separator
            out.append(ch)
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7f:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def go_quote_list(items):
    """fmt's %q of a []string: ["a" "b"]."""
    return "[" + " ".join(go_quote(i) for i in items) + "]"
