"""RBAC's privilege-escalation prevention, as kube-apiserver's RBAC storage does it (kubernetes
pkg/registry/rbac: role|clusterrole|rolebinding|clusterrolebinding/policybased/storage.go,
escalation_check.go, helpers.go, validation/rule.go, validation/policy_compact.go, and
component-helpers auth/rbac/validation/policy_comparator.go):

- a Role/ClusterRole create or update passes for system:masters, for a user allowed `escalate` on it
  (the request's own resource, name and namespace: a create by POST has no name, so a rule limited by
  resourceNames allows updates only), or when the user already holds every rule it grants (RulesFor:
  the cluster's bindings, plus the Role's namespace's); an update that changes nothing but
  ownerReferences, finalizers or managedFields is not checked. A ClusterRole with an aggregationRule
  (before or after) needs `*` on everything.
- a RoleBinding/ClusterRoleBinding create or update passes for system:masters, for a user allowed `bind`
  on the referenced role (resourceName = roleRef.name, in the binding's namespace), or when the user
  holds every rule of that role; a role that cannot be read answers with the registry's error (404 for a
  missing one) instead. The same GC-only update exception holds.
Refusal: 403 Forbidden, `<resource>.rbac.authorization.k8s.io "<name>" is forbidden: user "<u>"
(groups=[...]) is attempting to grant RBAC permissions not currently held:` and the missing rules
broken down to one verb, resource and name each, merged back by group/resource, one per line, sorted."""
import copy

from rbac import RBAC, Attrs, go_quote, go_quote_list
from status import ApiError, details

ROLES = ("roles", "clusterroles")
BINDINGS = ("rolebindings", "clusterrolebindings")
FULL_AUTHORITY = [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}]


def _l(rule, key):
    return rule.get(key) or []


def breakdown(rule):
    """BreakdownRule: one verb, one resource (or URL) and at most one resource name per rule."""
    out = []
    for group in _l(rule, "apiGroups"):
        for resource in _l(rule, "resources"):
            for verb in _l(rule, "verbs"):
                base = {"apiGroups": [group], "resources": [resource], "verbs": [verb]}
                names = _l(rule, "resourceNames")
                out += [dict(base, resourceNames=[n]) for n in names] if names else [base]
    for url in _l(rule, "nonResourceURLs"):
        for verb in _l(rule, "verbs"):
            out.append({"nonResourceURLs": [url], "verbs": [verb]})
    return out


def _resource_covers_all(owned, wanted):
    if "*" in owned or all(w in owned for w in wanted):
        return True
    for path in wanted:
        if path in owned:
            continue
        if "/" not in path or "*/" + path.split("/", 1)[1] not in owned:
            return False
    return True


def _url_covers(owner, path):
    return owner == path or (owner.endswith("*") and path.startswith(owner.rstrip("*")))


def _rule_covers(owner, sub):
    """ruleCovers: owner (any shape) covers sub (one of breakdown's)."""
    verbs = "*" in _l(owner, "verbs") or all(v in _l(owner, "verbs") for v in _l(sub, "verbs"))
    groups = "*" in _l(owner, "apiGroups") or all(g in _l(owner, "apiGroups") for g in _l(sub, "apiGroups"))
    resources = _resource_covers_all(_l(owner, "resources"), _l(sub, "resources"))
    urls = all(any(_url_covers(o, p) for o in _l(owner, "nonResourceURLs")) for p in _l(sub, "nonResourceURLs"))
    if not _l(sub, "resourceNames"):
        names = not _l(owner, "resourceNames")
    else:
        names = not _l(owner, "resourceNames") or all(n in _l(owner, "resourceNames") for n in _l(sub, "resourceNames"))
    return verbs and groups and resources and names and urls


def covers(owner_rules, servant_rules):
    """Covers: (whether owner_rules hold every servant rule, the broken-down rules they do not)."""
    missing = [sub for rule in servant_rules for sub in breakdown(rule)
               if not any(_rule_covers(o, sub) for o in owner_rules)]
    return not missing, missing


def compact(rules):
    """CompactRules: rules of one group, one resource and at most one name merge their verbs (in order,
    repeats kept); the others stay as they are."""
    out, simple = [], {}
    for r in rules:
        is_simple = (len(_l(r, "resourceNames")) <= 1 and not _l(r, "nonResourceURLs") and len(_l(r, "apiGroups")) == 1
                     and len(_l(r, "resources")) == 1 and set(r) <= {"apiGroups", "resources", "verbs", "resourceNames"})
        if not is_simple:
            out.append(r)
            continue
        names = _l(r, "resourceNames")
        key = (r["apiGroups"][0], r["resources"][0], bool(names), names[0] if names else "")
        if key in simple:
            simple[key]["verbs"] = simple[key].get("verbs", []) + _l(r, "verbs")
        else:
            simple[key] = copy.deepcopy(r)
    return out + list(simple.values())


def compact_string(rule):
    """CompactString (pkg/apis/rbac/v1/evaluation_helpers.go): {APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}."""
    parts = [f"{label}:{go_quote_list(_l(rule, key))}" for label, key in (
        ("APIGroups", "apiGroups"), ("Resources", "resources"), ("NonResourceURLs", "nonResourceURLs"),
        ("ResourceNames", "resourceNames"), ("Verbs", "verbs")) if _l(rule, key)]
    return "{" + ", ".join(parts) + "}"


def _aggregate(messages):
    """utilerrors.NewAggregate(...).Error(): one message as itself, several (repeats once) as [a, b]."""
    seen = list(dict.fromkeys(messages))
    return seen[0] if len(seen) == 1 else "[" + ", ".join(seen) + "]"


def forbidden(plural, name, message):
    """errors.NewForbidden(rbac.Resource(plural), name, err)."""
    what = f"{plural}.{RBAC}"
    prefix = f'{what} "{name}"' if name else what
    return ApiError(403, f"{prefix} is forbidden: {message}", "Forbidden", details(name, RBAC, plural))


def confirm_no_escalation(authorizer, user, ns, rules):
    """ConfirmNoEscalation: None, or the error text naming what user lacks in namespace ns."""
    owned, errors = authorizer.rules_and_errors(user, ns)
    ok, missing = covers(owned, rules)
    if ok:
        return None
    lines = sorted(set(compact_string(r) for r in compact(missing)))
    msg = (f"user {go_quote(user.name)} (groups={go_quote_list(user.groups)}) is attempting to grant RBAC "
           "permissions not currently held:\n" + "\n".join(lines))
    if errors:
        msg += f"; resolution errors: [{_aggregate(errors)}]"
    return msg


def only_gc_fields_change(new, old):
    """IsOnlyMutatingGCFields: new differs from old in ownerReferences, finalizers, selfLink and managedFields
    at most. Compared as Go's semantic DeepEqual of the decoded objects: an empty list, map or string is the
    same as none, and apiVersion/kind are not part of them."""
    if old is None:
        return False

    def strip(o):
        o = {k: v for k, v in copy.deepcopy(o).items() if k not in ("apiVersion", "kind")}
        meta = o.get("metadata") if isinstance(o.get("metadata"), dict) else {}
        for f in ("ownerReferences", "finalizers", "selfLink", "managedFields"):
            meta.pop(f, None)
        return _semantic(o)
    return strip(new) == strip(old)


def _semantic(v):
    if isinstance(v, dict):
        v = {k: _semantic(x) for k, x in v.items()}
        return {k: x for k, x in v.items() if x not in (None, "", [], {})}
    if isinstance(v, list):
        return [_semantic(x) for x in v]
    return v


def _role_ref(binding):
    ref = dict(binding.get("roleRef") or {})
    ref["apiGroup"] = ref.get("apiGroup") or RBAC  # SetDefaults_RoleBinding/ClusterRoleBinding
    return ref


def _bind_allowed(authorizer, user, ref, ns):
    """BindingAuthorized: verb bind on the referenced role, by name, in the binding's namespace."""
    plural = {"ClusterRole": "clusterroles", "Role": "roles"}.get(ref.get("kind"))
    return plural is not None and authorizer.allowed(user, Attrs("bind", ref["apiGroup"], plural, "", ref.get("name") or "", ns))


def check(authorizer, c, obj, live=None, update=False):
    """Raises the policy-based storage's error when c.user may not write obj (a create, or with update=True an
    update of live) of an RBAC kind. c.name is the request's name ("" for a create by POST), c.ns its namespace."""
    if c.res.group != RBAC or c.res.plural not in ROLES + BINDINGS or c.user.masters:  # EscalationAllowed
        return
    plural, user, name = c.res.plural, c.user, (obj.get("metadata") or {}).get("name") or ""
    if plural in ROLES:
        if authorizer.allowed(user, Attrs("escalate", RBAC, plural, "", c.name, c.ns)):  # RoleEscalationAuthorized
            return
        if update and only_gc_fields_change(obj, live):
            return
        msg = confirm_no_escalation(authorizer, user, c.ns, obj.get("rules") or [])
        if msg:
            raise forbidden(plural, name, msg)
        aggregates = any(((o or {}).get("aggregationRule") or {}).get("clusterRoleSelectors") for o in (obj, live))
        if plural == "clusterroles" and aggregates and confirm_no_escalation(authorizer, user, c.ns, FULL_AUTHORITY):
            raise forbidden(plural, name, "must have cluster-admin privileges to use the aggregationRule")
        return
    if update and only_gc_fields_change(obj, live):
        return
    ref = _role_ref(obj)
    if _bind_allowed(authorizer, user, ref, c.ns):
        return
    msg = confirm_no_escalation(authorizer, user, c.ns, authorizer.role_ref_rules(ref, c.ns))
    if msg:
        raise forbidden(plural, name, msg)
