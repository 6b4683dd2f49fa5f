"""What kube-apiserver v1.31 does to a Role, ClusterRole, RoleBinding or ClusterRoleBinding before it
stores it: the defaults of pkg/apis/rbac/v1/defaults.go (applied when the body is decoded, so on create,
PUT, every patch and server-side apply) and the checks of pkg/apis/rbac/validation/validation.go that the
strategies in pkg/registry/rbac/*/strategy.go run. Not checked: labels, annotations and the label
selectors of a ClusterRole's aggregationRule (only that it has one)."""
from objects import DNS1123_SUBDOMAIN, SUBDOMAIN_MSG
from rbac import RBAC, go_quote

KINDS = ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")
SUBJECT_KINDS = ("ServiceAccount", "User", "Group")


def default(kind, obj):
    """SetDefaults_RoleBinding/ClusterRoleBinding and SetDefaults_Subject: an empty roleRef.apiGroup is
    RBAC's group, an empty subject apiGroup RBAC's for User and Group and "" for ServiceAccount. A
    subject's apiGroup and namespace are omitempty in k8s.io/api, so an empty one is not written back."""
    if kind not in ("RoleBinding", "ClusterRoleBinding"):
        return
    ref = obj.get("roleRef")
    if ref is None or isinstance(ref, dict):  # a roleRef left out decodes as the zero RoleRef
        ref = obj["roleRef"] = ref or {}
        if not ref.get("apiGroup"):
            ref["apiGroup"] = RBAC
    for s in obj.get("subjects") or []:
        if not isinstance(s, dict):
            continue
        if not s.get("apiGroup") and s.get("kind") in ("User", "Group"):
            s["apiGroup"] = RBAC
        for k in ("apiGroup", "namespace"):
            if s.get(k) == "":
                del s[k]


def _s(v):
    return v if isinstance(v, str) else ""


def _go_strings(values):
    """%#v of a []string, as field.Invalid prints a list value."""
    return "[]string{" + ", ".join(go_quote(_s(v)) for v in values) + "}"


def _unsupported(value, allowed):
    return "FieldValueNotSupported", f"Unsupported value: {go_quote(_s(value))}: supported values: " + \
        ", ".join(go_quote(a) for a in allowed)


def path_segment_problems(name):
    """path.IsValidPathSegmentName (ValidateRBACName): '.' and '..' alone, else every '/' and '%' found."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]


def name_causes(name):
    """ValidateObjectMeta's name checks with ValidateRBACName."""
    if not name:
        return [("metadata.name", "FieldValueRequired", "Required value: name or generateName is required")]
    return [("metadata.name", "FieldValueInvalid", f"Invalid value: {go_quote(name)}: {m}") for m in path_segment_problems(name)]


def _rule_causes(rule, namespaced, at):
    """ValidatePolicyRule."""
    out = []
    lst = (lambda k: rule.get(k) or []) if isinstance(rule, dict) else (lambda k: [])
    if not lst("verbs"):
        out.append((f"{at}.verbs", "FieldValueRequired", "Required value: verbs must contain at least one value"))
    urls = lst("nonResourceURLs")
    if urls:
        bad = f"Invalid value: {_go_strings(urls)}: "
        if namespaced:
            out.append((f"{at}.nonResourceURLs", "FieldValueInvalid", bad + "namespaced rules cannot apply to non-resource URLs"))
        if lst("apiGroups") or lst("resources") or lst("resourceNames"):
            out.append((f"{at}.nonResourceURLs", "FieldValueInvalid",
                        bad + "rules cannot apply to both regular resources and non-resource URLs"))
        return out
    if not lst("apiGroups"):
        out.append((f"{at}.apiGroups", "FieldValueRequired", "Required value: resource rules must supply at least one api group"))
    if not lst("resources"):
        out.append((f"{at}.resources", "FieldValueRequired", "Required value: resource rules must supply at least one resource"))
    return out


def _subject_causes(s, namespaced, at):
    """ValidateRoleBindingSubject (v1.31, with its empty-name checks per kind)."""
    s = s if isinstance(s, dict) else {}
    kind, name, group = _s(s.get("kind")), _s(s.get("name")), _s(s.get("apiGroup"))
    out = [] if name else [(f"{at}.name", "FieldValueRequired", "Required value")]
    if kind == "ServiceAccount":
        if name:  # ValidateServiceAccountName: a DNS-1123 subdomain
            if len(name) > 253:
                out.append((f"{at}.name", "FieldValueInvalid", f"Invalid value: {go_quote(name)}: must be no more than 253 characters"))
            if not DNS1123_SUBDOMAIN.match(name):
                out.append((f"{at}.name", "FieldValueInvalid", f"Invalid value: {go_quote(name)}: {SUBDOMAIN_MSG}"))
        if group:
            out.append((f"{at}.apiGroup",) + _unsupported(group, [""]))
        if not namespaced and not s.get("namespace"):
            out.append((f"{at}.namespace", "FieldValueRequired", "Required value"))
    elif kind in ("User", "Group"):
        if not name:
            out.append((f"{at}.name", "FieldValueInvalid", f'Invalid value: "": {kind.lower()} name cannot be empty'))
        if group != RBAC:
            out.append((f"{at}.apiGroup",) + _unsupported(group, [RBAC]))
    else:
        out.append((f"{at}.kind",) + _unsupported(kind, SUBJECT_KINDS))
    return out


def _ref_tuple(ref):
    ref = ref if isinstance(ref, dict) else {}
    return tuple(_s(ref.get(k)) for k in ("apiGroup", "kind", "name"))


def causes(kind, obj, old=None):
    """The field errors of ValidateRole/ClusterRole/RoleBinding/ClusterRoleBinding for obj (a create), or
    with old those of the strategy's ValidateUpdate. Before kubernetes#132550 (v1.34) ValidateUpdate ran
    the object's checks twice (ValidateX, then ValidateXUpdate, which calls ValidateX again), so v1.31
    answers every cause of an update twice; errors.NewInvalid keeps them all in details.causes while the
    message (ErrorList.ToAggregate) says each once."""
    namespaced = kind in ("Role", "RoleBinding")
    out = name_causes(_s((obj.get("metadata") or {}).get("name")))
    if kind in ("Role", "ClusterRole"):
        for i, rule in enumerate(obj.get("rules") or []):
            out += _rule_causes(rule, namespaced, f"rules[{i}]")
        agg = obj.get("aggregationRule")
        if kind == "ClusterRole" and agg is not None and not (agg or {}).get("clusterRoleSelectors"):
            out.append(("aggregationRule.clusterRoleSelectors", "FieldValueRequired",
                        "Required value: at least one clusterRoleSelector required if aggregationRule is non-nil"))
    else:
        group, rkind, rname = _ref_tuple(obj.get("roleRef"))
        if group != RBAC:
            out.append(("roleRef.apiGroup",) + _unsupported(group, [RBAC]))
        allowed = ["Role", "ClusterRole"] if namespaced else ["ClusterRole"]
        if rkind not in allowed:
            out.append(("roleRef.kind",) + _unsupported(rkind, allowed))
        if not rname:
            out.append(("roleRef.name", "FieldValueRequired", "Required value"))
        for m in path_segment_problems(rname):
            out.append(("roleRef.name", "FieldValueInvalid", f"Invalid value: {go_quote(rname)}: {m}"))
        for i, s in enumerate(obj.get("subjects") or []):
            out += _subject_causes(s, namespaced, f"subjects[{i}]")
    if old is None:
        return out
    out = out + out
    if kind in ("RoleBinding", "ClusterRoleBinding") and _ref_tuple(obj.get("roleRef")) != _ref_tuple(old.get("roleRef")):
        g, k, n = _ref_tuple(obj.get("roleRef"))  # %#v of the internal rbac.RoleRef
        out.append(("roleRef", "FieldValueInvalid", f"Invalid value: rbac.RoleRef{{APIGroup:{go_quote(g)}, Kind:{go_quote(k)}, "
                    f"Name:{go_quote(n)}}}: cannot change roleRef"))
    return out
