#!/usr/bin/python3
"""The test API server's RBAC privilege-escalation prevention against kube-apiserver's (kubernetes
pkg/registry/rbac/*/policybased/storage.go, escalation_check.go, validation/rule.go; see
apiserver/escalation.py): Roles, ClusterRoles and bindings granting more than their writer holds are
refused with kube's 403 text unless the writer may escalate/bind or is system:masters; updates (PUT, merge
patch, server-side apply) are checked too, except those changing only ownerReferences or finalizers.
Its own server; run by apiserver_test.py's load_tests (CTest kube.apiserver) or alone."""
import sys
import unittest

from kubeclient import APPLY, MERGE, RBAC, Api, rbac_paths

API = None
NS = "esc"
ROLES, BINDINGS, CLUSTER_ROLES, CLUSTER_BINDINGS = rbac_paths(NS)


def setUpModule():
    global API
    API = Api.start(prefix="hort-kube-escalation.")
    for ns in (NS, "other"):
        assert call("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})[0] == 201


def tearDownModule():
    API.stop()


def call(*args, **kwargs):
    return API.call(*args, **kwargs)


def rule(resources, verbs, groups=("",), names=()):
    r = {"apiGroups": list(groups), "resources": list(resources), "verbs": list(verbs)}
    if names:
        r["resourceNames"] = list(names)
    return r


def role(name, rules, ns=NS, **extra):
    meta = {"name": name, "namespace": ns} if ns else {"name": name}
    return dict({"apiVersion": f"{RBAC}/v1", "kind": "Role" if ns else "ClusterRole", "metadata": meta, "rules": rules}, **extra)


def binding(name, ref_kind, ref_name, subjects, ns=NS):
    return {"apiVersion": f"{RBAC}/v1", "kind": "RoleBinding" if ns else "ClusterRoleBinding",
            "metadata": {"name": name, "namespace": ns} if ns else {"name": name},
            "roleRef": {"apiGroup": RBAC, "kind": ref_kind, "name": ref_name}, "subjects": subjects}


def sa(name):
    return [{"kind": "ServiceAccount", "name": name, "namespace": NS}]


def created(code_body):
    code, body = code_body
    assert code == 201, (code, body)
    return body


def account(name, rules=(), cluster_rules=()):
    """A ServiceAccount of NS granted rules in NS and cluster_rules everywhere (by the admin); its token."""
    created(call("POST", f"/api/v1/namespaces/{NS}/serviceaccounts", {"metadata": {"name": name}}))
    if rules:
        created(call("POST", ROLES, role(name, list(rules))))
        created(call("POST", BINDINGS, binding(name, "Role", name, sa(name))))
    if cluster_rules:
        created(call("POST", CLUSTER_ROLES, role(name, list(cluster_rules), ns="")))
        created(call("POST", CLUSTER_BINDINGS, binding(name, "ClusterRole", name, sa(name), ns="")))
    return created(call("POST", f"/api/v1/namespaces/{NS}/serviceaccounts/{name}/token", {"spec": {}}))["status"]["token"]


def refusal(resource, name, user, missing):
    who = f'user "system:serviceaccount:{NS}:{user}" (groups=["system:serviceaccounts" "system:serviceaccounts:{NS}" "system:authenticated"])'
    what = f'{resource}.{RBAC} "{name}"' if name else f"{resource}.{RBAC}"
    return f"{what} is forbidden: {who} is attempting to grant RBAC permissions not currently held:\n" + "\n".join(missing)


def write_roles(resource="roles", verbs=("create", "get", "update", "patch")):
    return rule([resource], verbs, groups=(RBAC,))


class RoleEscalation(unittest.TestCase):
    def test_a_role_granting_more_is_refused_as_kube_does(self):
        tok = account("alice", [write_roles(), rule(["configmaps"], ["get", "list"])])
        wide = role("wide", [rule(["configmaps", "deployments"], ["get", "watch", "delete"], groups=("", "apps")),
                             rule(["secrets"], ["get"], names=("b", "a"))])
        code, st = call("POST", ROLES, wide, token=tok)
        self.assertEqual(code, 403, st)
        # broken down to one verb, resource and name each, merged back per group/resource, sorted
        self.assertEqual(st["message"], refusal("roles", "wide", "alice", [
            '{APIGroups:[""], Resources:["configmaps"], Verbs:["watch" "delete"]}',
            '{APIGroups:[""], Resources:["deployments"], Verbs:["get" "watch" "delete"]}',
            '{APIGroups:[""], Resources:["secrets"], ResourceNames:["a"], Verbs:["get"]}',
            '{APIGroups:[""], Resources:["secrets"], ResourceNames:["b"], Verbs:["get"]}',
            '{APIGroups:["apps"], Resources:["configmaps"], Verbs:["get" "watch" "delete"]}',
            '{APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "watch" "delete"]}']))
        self.assertEqual(list(st), ["kind", "apiVersion", "metadata", "status", "message", "reason", "details", "code"])
        self.assertEqual((st["reason"], st["details"]), ("Forbidden", {"name": "wide", "group": RBAC, "kind": "roles"}))
        self.assertEqual(call("GET", ROLES + "/wide")[0], 404)
        self.assertEqual(call("POST", ROLES + "?dryRun=All", wide, token=tok)[0], 403)  # a dry run is checked as well
        # generateName: refused before a name is generated
        gen = role("", [rule(["secrets"], ["list"])])
        gen["metadata"] = {"generateName": "wide-"}
        code, st = call("POST", ROLES, gen, token=tok)
        self.assertEqual((code, st["details"]), (403, {"group": RBAC, "kind": "roles"}))
        self.assertEqual(st["message"], refusal("roles", "", "alice", ['{APIGroups:[""], Resources:["secrets"], Verbs:["list"]}']))

    def test_what_the_writer_holds_may_be_granted(self):
        tok = account("amy", [write_roles(), rule(["configmaps"], ["get", "list"]), rule(["*/scale"], ["get"], groups=("apps",)),
                              rule(["secrets"], ["get"], names=("a", "b"))])
        held = role("held", [rule(["configmaps"], ["list"], names=("x",)), rule(["deployments/scale"], ["get"], groups=("apps",)),
                             rule(["secrets"], ["get"], names=("a",))])
        self.assertEqual(call("POST", ROLES, held, token=tok)[0], 201)
        code, st = call("POST", ROLES, role("unnamed", [rule(["secrets"], ["get"])]), token=tok)
        self.assertEqual(code, 403)  # held for two names only, not for every secret
        self.assertTrue(st["message"].endswith('\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}'), st["message"])

    def test_a_role_is_checked_against_its_namespace(self):
        # may write roles everywhere, read configmaps in NS only: a Role granting that is fine in NS, not in "other"
        tok = account("bob", [rule(["configmaps"], ["get"])], cluster_rules=[write_roles()])
        r = role("cm-reader", [rule(["configmaps"], ["get"])])
        self.assertEqual(call("POST", ROLES, r, token=tok)[0], 201)
        r["metadata"]["namespace"] = "other"
        code, st = call("POST", f"/apis/{RBAC}/v1/namespaces/other/roles", r, token=tok)
        self.assertEqual(code, 403)
        self.assertTrue(st["message"].startswith('roles.rbac.authorization.k8s.io "cm-reader" is forbidden: user '
                                                 '"system:serviceaccount:esc:bob"'), st["message"])
        # a ClusterRole counts the cluster's bindings only
        code, st = call("POST", CLUSTER_ROLES, role("bob-cm", [rule(["configmaps"], ["get"])], ns=""),
                        token=account("bea", [rule(["configmaps"], ["get"])], cluster_rules=[write_roles("clusterroles")]))
        self.assertEqual(code, 403)
        self.assertEqual(st["details"], {"name": "bob-cm", "group": RBAC, "kind": "clusterroles"})

    def test_escalate_allows_any_role(self):
        big = [rule(["*"], ["*"], groups=("*",))]
        tok = account("carol", [write_roles(("roles")), rule(["roles"], ["escalate"], groups=(RBAC,))])
        self.assertEqual(call("POST", ROLES, role("carol-big", big), token=tok)[0], 201)
        tok = account("cara", cluster_rules=[write_roles("clusterroles"), rule(["clusterroles"], ["escalate"], groups=(RBAC,))])
        self.assertEqual(call("POST", CLUSTER_ROLES, role("cara-big", big + [{"nonResourceURLs": ["*"], "verbs": ["*"]}], ns=""),
                              token=tok)[0], 201)
        # escalate limited to one name: a create (POST, no name in the request) is still checked, an update of it is not
        tok = account("dave", [write_roles(), rule(["roles"], ["escalate"], groups=(RBAC,), names=("dave-big",))])
        code, st = call("POST", ROLES, role("dave-big", big), token=tok)
        self.assertEqual(code, 403, st)
        self.assertTrue(st["message"].endswith('\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}'), st["message"])
        created(call("POST", ROLES, role("dave-big", [])))
        created(call("POST", ROLES, role("dave-other", [])))
        self.assertEqual(call("PATCH", ROLES + "/dave-big", {"rules": big}, token=tok, content_type=MERGE)[0], 200)
        self.assertEqual(call("PATCH", ROLES + "/dave-other", {"rules": big}, token=tok, content_type=MERGE)[0], 403)

    def test_system_masters_may_grant_anything(self):
        everything = [rule(["*"], ["*"], groups=("*",)), {"nonResourceURLs": ["*"], "verbs": ["*"]}]
        self.assertEqual(call("POST", CLUSTER_ROLES, role("masters-cert", everything, ns=""))[0], 201)  # admin.crt, O=system:masters
        code, _ = call("POST", CLUSTER_ROLES, role("masters-token", everything, ns=""), token="hort-test-admin-token")
        self.assertEqual(code, 201)
        code, st = call("POST", CLUSTER_ROLES, role("viewer", [], ns=""), token="hort-test-viewer-token")
        self.assertEqual(code, 403)  # no create at all: authorization's 403, before any escalation check
        self.assertIn('User "viewer" cannot create resource "clusterroles"', st["message"])

    def test_updates_are_checked_except_garbage_collector_fields(self):
        tok = account("gina", [write_roles(), rule(["configmaps"], ["get"])])
        created(call("POST", ROLES, role("gina-held", [rule(["configmaps"], ["get"])])))
        wide = created(call("POST", ROLES, role("gina-wide", [rule(["secrets"], ["delete"])])))
        missing = ['{APIGroups:[""], Resources:["secrets"], Verbs:["delete"]}']
        code, st = call("PATCH", ROLES + "/gina-held", {"rules": [rule(["configmaps"], ["get"]), rule(["secrets"], ["delete"])]},
                        token=tok, content_type=MERGE)
        self.assertEqual((code, st["message"]), (403, refusal("roles", "gina-held", "gina", missing)))
        # a role gina could not create: labels are a change like any, finalizers and ownerReferences are the GC's
        code, st = call("PATCH", ROLES + "/gina-wide", {"metadata": {"labels": {"a": "b"}}}, token=tok, content_type=MERGE)
        self.assertEqual((code, st["message"]), (403, refusal("roles", "gina-wide", "gina", missing)))
        code, r = call("PATCH", ROLES + "/gina-wide", {"metadata": {"finalizers": ["example.com/keep"]}}, token=tok, content_type=MERGE)
        self.assertEqual((code, r["metadata"].get("finalizers")), (200, ["example.com/keep"]))
        owner = [{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": "0f0f0f0f-0000-4000-8000-000000000001"}]
        code, r = call("PATCH", ROLES + "/gina-wide", {"metadata": {"ownerReferences": owner}}, token=tok, content_type=MERGE)
        self.assertEqual(code, 200, r)
        del r["metadata"]["finalizers"]  # PUT of the object as read: only a GC field changes
        del r["metadata"]["namespace"]  # taken from the request, as kube's handler does before the compare
        code, r = call("PUT", ROLES + "/gina-wide", r, token=tok)
        self.assertEqual((code, r["metadata"].get("finalizers")), (200, None))
        r["rules"] = wide["rules"] + [rule(["pods"], ["get"])]
        code, st = call("PUT", ROLES + "/gina-wide", r, token=tok)
        self.assertEqual(code, 403)
        # server-side apply: an update (its conflicts come first, as the apply is computed before the check),
        # and a create when the role is missing
        applied = role("gina-held", [rule(["configmaps"], ["get"]), rule(["secrets"], ["delete"])])
        self.assertEqual(call("PATCH", ROLES + "/gina-held?fieldManager=gina", applied, token=tok, content_type=APPLY)[0], 409)
        code, st = call("PATCH", ROLES + "/gina-held?fieldManager=gina&force=true", applied, token=tok, content_type=APPLY)
        self.assertEqual((code, st["message"]), (403, refusal("roles", "gina-held", "gina", missing)))
        applied["metadata"]["name"] = "gina-new"
        code, st = call("PATCH", ROLES + "/gina-new?fieldManager=gina", applied, token=tok, content_type=APPLY)
        self.assertEqual((code, st["message"]), (403, refusal("roles", "gina-new", "gina", missing)))
        applied["rules"] = [rule(["configmaps"], ["get"])]
        self.assertEqual(call("PATCH", ROLES + "/gina-new?fieldManager=gina", applied, token=tok, content_type=APPLY)[0], 201)

    def test_resolution_errors_and_aggregation_rule(self):
        tok = account("kate", cluster_rules=[write_roles(), write_roles("clusterroles")])
        created(call("POST", BINDINGS, binding("kate-gone", "Role", "gone", sa("kate"))))
        code, st = call("POST", ROLES, role("kate-pods", [rule(["pods"], ["get"])]), token=tok)
        self.assertEqual((code, st["message"]), (403, refusal("roles", "kate-pods", "kate", [
            '{APIGroups:[""], Resources:["pods"], Verbs:["get"]}; resolution errors: [roles.rbac.authorization.k8s.io "gone" not found]'])))
        agg = role("kate-agg", [], ns="", aggregationRule={"clusterRoleSelectors": [{"matchLabels": {"a": "b"}}]})
        code, st = call("POST", CLUSTER_ROLES, agg, token=tok)
        self.assertEqual((code, st["message"]), (403, 'clusterroles.rbac.authorization.k8s.io "kate-agg" is forbidden: '
                                                      "must have cluster-admin privileges to use the aggregationRule"))


class BindingEscalation(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        created(call("POST", CLUSTER_ROLES, role("edit-like", [rule(["pods", "secrets"], ["get", "list", "create", "delete"])], ns="")))
        created(call("POST", CLUSTER_ROLES, role("view-like", [rule(["pods"], ["get", "list"])], ns="")))

    def test_a_binding_to_a_role_granting_more_is_refused(self):
        tok = account("hank", [rule(["rolebindings"], ["create", "get", "patch"], groups=(RBAC,)), rule(["pods"], ["get", "list"])])
        self.assertEqual(call("POST", BINDINGS, binding("view", "ClusterRole", "view-like", sa("hank")), token=tok)[0], 201)
        code, st = call("POST", BINDINGS, binding("edit", "ClusterRole", "edit-like", sa("hank")), token=tok)
        self.assertEqual((code, st["reason"], st["details"]), (403, "Forbidden", {"name": "edit", "group": RBAC, "kind": "rolebindings"}))
        self.assertEqual(st["message"], refusal("rolebindings", "edit", "hank", [
            '{APIGroups:[""], Resources:["pods"], Verbs:["create" "delete"]}',
            '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list" "create" "delete"]}']))
        # a role that cannot be read: the registry's answer
        code, st = call("POST", BINDINGS, binding("nothing", "Role", "missing", sa("hank")), token=tok)
        self.assertEqual((code, st["reason"], st["message"]), (404, "NotFound", 'roles.rbac.authorization.k8s.io "missing" not found'))
        code, st = call("POST", BINDINGS, binding("nothing", "ClusterRole", "missing", sa("hank")), token=tok)
        self.assertEqual((code, st["message"]), (404, 'clusterroles.rbac.authorization.k8s.io "missing" not found'))
        code, st = call("POST", BINDINGS, binding("odd", "Group", "x", sa("hank")), token=tok)
        self.assertEqual((code, st["message"]), (500, 'unsupported role reference kind: "Group"'))
        self.assertNotIn("reason", st)
        # updates: the GC's fields pass, anything else is checked against the referenced role
        created(call("POST", BINDINGS, binding("grant-edit", "ClusterRole", "edit-like", sa("nobody"))))
        code, st = call("PATCH", BINDINGS + "/grant-edit", {"metadata": {"labels": {"a": "b"}}}, token=tok, content_type=MERGE)
        self.assertEqual((code, st["details"]["name"]), (403, "grant-edit"))
        code, _ = call("PATCH", BINDINGS + "/grant-edit", {"metadata": {"finalizers": ["example.com/keep"]}}, token=tok, content_type=MERGE)
        self.assertEqual(code, 200)

    def test_bind_allows_the_roles_it_names(self):
        tok = account("ivy", [rule(["rolebindings"], ["create"], groups=(RBAC,)),
                              rule(["clusterroles"], ["bind"], groups=(RBAC,), names=("edit-like",)),
                              rule(["roles"], ["bind"], groups=(RBAC,), names=("later",))])
        self.assertEqual(call("POST", BINDINGS, binding("edit", "ClusterRole", "edit-like", sa("ivy")), token=tok)[0], 201)
        code, st = call("POST", BINDINGS, binding("admin", "ClusterRole", "cluster-admin", sa("ivy")), token=tok)
        self.assertEqual(code, 403)
        self.assertTrue(st["message"].endswith('\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}'))
        # bind is authorized before the role is read: a binding to a role not there yet is created
        self.assertEqual(call("POST", BINDINGS, binding("later", "Role", "later", sa("ivy")), token=tok)[0], 201)

    def test_a_cluster_role_binding_needs_bind_at_the_cluster_scope(self):
        # bind on edit-like granted in NS only: a RoleBinding there, not a ClusterRoleBinding
        tok = account("jack", [rule(["clusterroles"], ["bind"], groups=(RBAC,), names=("edit-like",))],
                      cluster_rules=[rule(["clusterrolebindings"], ["create"], groups=(RBAC,))])
        crb = binding("jack-edit", "ClusterRole", "edit-like", sa("jack"), ns="")
        code, st = call("POST", CLUSTER_BINDINGS, crb, token=tok)
        self.assertEqual((code, st["details"]), (403, {"name": "jack-edit", "group": RBAC, "kind": "clusterrolebindings"}))
        self.assertTrue(st["message"].startswith('clusterrolebindings.rbac.authorization.k8s.io "jack-edit" is forbidden: user '
                                                 '"system:serviceaccount:esc:jack"'), st["message"])
        created(call("POST", CLUSTER_ROLES, role("jack-bind", [rule(["clusterroles"], ["bind"], groups=(RBAC,), names=("edit-like",))], ns="")))
        created(call("POST", CLUSTER_BINDINGS, binding("jack-bind", "ClusterRole", "jack-bind", sa("jack"), ns="")))
        self.assertEqual(call("POST", CLUSTER_BINDINGS, crb, token=tok)[0], 201)
        self.assertEqual(call("POST", CLUSTER_BINDINGS, binding("masters", "ClusterRole", "cluster-admin", sa("jack"), ns=""))[0], 201)


if __name__ == "__main__":
    unittest.main(verbosity=2, argv=sys.argv[:1])
