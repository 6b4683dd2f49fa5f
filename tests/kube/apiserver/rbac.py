"""RBAC authorization evaluated from the Role/ClusterRole/RoleBinding/ClusterRoleBinding objects in
the store, with the bootstrap roles kube-apiserver creates (cluster-admin for system:masters,
system:discovery, system:basic-user, system:public-info-viewer) seeded as real objects."""
from status import ApiError

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


def _subject_matches(s, user):
    kind, name = s.get("kind"), s.get("name")
    if kind == "User":
        return name == user.name
    if kind == "Group":
        return name in user.groups
    if kind == "ServiceAccount":
        return user.name == f"system:serviceaccount:{s.get('namespace', '')}:{name}"
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

    def _rules_for(self, ref, ns):
        if ref.get("kind") == "ClusterRole":
            role = self.store.get((RBAC, "clusterroles"), "", ref.get("name"))
        else:
            role = self.store.get((RBAC, "roles"), ns, ref.get("name"))
        return (role or {}).get("rules") or []

    def rules(self, user, ns):
        """Every rule that applies to user in namespace ns (cluster-wide ones included)."""
        out = []
        for _, b in self.store.list((RBAC, "clusterrolebindings")):
            if any(_subject_matches(s, user) for s in b.get("subjects") or []):
                out += self._rules_for(b.get("roleRef", {}), "")
        if ns:
            for _, b in self.store.list((RBAC, "rolebindings"), ns):
                if any(_subject_matches(s, user) for s in b.get("subjects") or []):
                    out += self._rules_for(b.get("roleRef", {}), ns)
        return out

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
