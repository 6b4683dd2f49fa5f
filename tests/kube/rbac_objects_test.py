#!/usr/bin/python3
"""The test API server's RBAC objects against kube-apiserver v1.31's (kubernetes pkg/apis/rbac/v1/defaults.go,
pkg/apis/rbac/validation/validation.go, pkg/registry/rbac/*/strategy.go; see apiserver/rbac_objects.py):
roleRef and subject apiGroups defaulted on create, PUT, merge patch and server-side apply; 422 Invalid with
kube's field errors for bindings and rules it refuses, an update's causes twice (v1.31's ValidateUpdate runs
the checks twice); a roleRef change refused; a PUT of a missing RBAC object (and of the other kinds whose
strategy allows create on update) creates it, of any other kind 404. Its own server; run by apiserver_test.py's
load_tests (CTest kube.apiserver) or alone."""
import sys
import unittest

from kubeclient import APPLY, MERGE, RBAC, Api, rbac_paths

API = None
NS = "objs"
ROLES, BINDINGS, CLUSTER_ROLES, CLUSTER_BINDINGS = rbac_paths(NS)
SUPPORTED_SUBJECTS = 'supported values: "ServiceAccount", "User", "Group"'


def setUpModule():
    global API
    API = Api.start(prefix="hort-kube-rbac-objects.")
    assert call("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})[0] == 201


def tearDownModule():
    API.stop()


def call(*args, **kwargs):
    return API.call(*args, **kwargs)


def binding(name, ref, subjects, ns=NS):
    return {"apiVersion": f"{RBAC}/v1", "kind": "RoleBinding" if ns else "ClusterRoleBinding",
            "metadata": {"name": name, "namespace": ns} if ns else {"name": name}, "roleRef": ref, "subjects": subjects}


def role(name, rules, ns=NS, **extra):
    meta = {"name": name, "namespace": ns} if ns else {"name": name}
    return dict({"apiVersion": f"{RBAC}/v1", "kind": "Role" if ns else "ClusterRole", "metadata": meta, "rules": rules}, **extra)


def causes(st):
    return [(c["field"], c["reason"], c["message"]) for c in st["details"]["causes"]]


class Defaults(unittest.TestCase):
    def test_api_groups_are_defaulted_on_every_write(self):
        subjects = [{"kind": "User", "name": "ann"}, {"kind": "Group", "name": "ops"},
                    {"kind": "ServiceAccount", "name": "sa", "namespace": NS, "apiGroup": ""}]
        code, b = call("POST", BINDINGS, binding("view", {"kind": "ClusterRole", "name": "view"}, subjects))
        self.assertEqual(code, 201, b)
        want_subjects = [{"kind": "User", "name": "ann", "apiGroup": RBAC}, {"kind": "Group", "name": "ops", "apiGroup": RBAC},
                         {"kind": "ServiceAccount", "name": "sa", "namespace": NS}]  # an empty apiGroup is omitted
        for got in (b, call("GET", BINDINGS + "/view")[1]):
            self.assertEqual(got["roleRef"], {"kind": "ClusterRole", "name": "view", "apiGroup": RBAC})
            self.assertEqual(got["subjects"], want_subjects)
        # PUT, merge patch and server-side apply decode (and so default) the object they write
        b["subjects"] = [{"kind": "User", "name": "bob"}]
        code, b = call("PUT", BINDINGS + "/view", b)
        self.assertEqual((code, b["subjects"]), (200, [{"kind": "User", "name": "bob", "apiGroup": RBAC}]), b)
        code, b = call("PATCH", BINDINGS + "/view", {"subjects": [{"kind": "Group", "name": "g"}]}, content_type=MERGE)
        self.assertEqual((code, b["subjects"]), (200, [{"kind": "Group", "name": "g", "apiGroup": RBAC}]), b)
        applied = binding("applied", {"kind": "ClusterRole", "name": "view"}, [{"kind": "User", "name": "cy"}], ns="")
        code, b = call("PATCH", CLUSTER_BINDINGS + "/applied?fieldManager=t", applied, content_type=APPLY)
        self.assertEqual((code, b["roleRef"]["apiGroup"], b["subjects"][0]["apiGroup"]), (201, RBAC, RBAC), b)
        applied["subjects"] = [{"kind": "Group", "name": "cg"}]
        code, b = call("PATCH", CLUSTER_BINDINGS + "/applied?fieldManager=t", applied, content_type=APPLY)
        self.assertEqual((code, b["subjects"]), (200, [{"kind": "Group", "name": "cg", "apiGroup": RBAC}]), b)


class Validation(unittest.TestCase):
    def test_a_binding_kube_refuses_is_422_with_its_field_errors(self):
        code, st = call("POST", BINDINGS, binding("bad", {}, [{"kind": "Robot", "name": "r2"},
                                                             {"kind": "User", "name": "u", "apiGroup": "example.com"}]))
        self.assertEqual((code, st["reason"], st["details"]["name"], st["details"]["group"], st["details"]["kind"]),
                         (422, "Invalid", "bad", RBAC, "RoleBinding"), st)
        self.assertEqual(causes(st), [
            ("roleRef.kind", "FieldValueNotSupported", 'Unsupported value: "": supported values: "Role", "ClusterRole"'),
            ("roleRef.name", "FieldValueRequired", "Required value"),
            ("subjects[0].kind", "FieldValueNotSupported", 'Unsupported value: "Robot": ' + SUPPORTED_SUBJECTS),
            ("subjects[1].apiGroup", "FieldValueNotSupported", f'Unsupported value: "example.com": supported values: "{RBAC}"')])
        self.assertEqual(st["message"], f'RoleBinding.{RBAC} "bad" is invalid: [roleRef.kind: Unsupported value: "": supported '
                         'values: "Role", "ClusterRole", roleRef.name: Required value, subjects[0].kind: Unsupported value: '
                         f'"Robot": {SUPPORTED_SUBJECTS}, subjects[1].apiGroup: Unsupported value: "example.com": supported '
                         f'values: "{RBAC}"]')
        self.assertEqual(call("GET", BINDINGS + "/bad")[0], 404)
        # a ClusterRoleBinding: only ClusterRoles, and a ServiceAccount needs its namespace
        code, st = call("POST", CLUSTER_BINDINGS, binding("bad", {"kind": "Role", "name": "a/b", "apiGroup": "x"},
                                                          [{"kind": "ServiceAccount", "name": "Bad_SA", "apiGroup": RBAC}], ns=""))
        self.assertEqual(code, 422, st)
        self.assertEqual([(f, m.split(":")[0]) for f, _, m in causes(st)], [
            ("roleRef.apiGroup", "Unsupported value"), ("roleRef.kind", "Unsupported value"), ("roleRef.name", "Invalid value"),
            ("subjects[0].name", "Invalid value"), ("subjects[0].apiGroup", "Unsupported value"),
            ("subjects[0].namespace", "Required value")])
        self.assertIn('roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"', st["message"])
        self.assertIn('''roleRef.name: Invalid value: "a/b": may not contain '/\'''', st["message"])
        self.assertIn('subjects[0].apiGroup: Unsupported value: "rbac.authorization.k8s.io": supported values: ""', st["message"])
        self.assertTrue(st["message"].startswith(f'ClusterRoleBinding.{RBAC} "bad" is invalid: ['), st["message"])
        # in a RoleBinding the ServiceAccount's namespace may be left out (it is the binding's)
        code, _ = call("POST", BINDINGS, binding("sa", {"kind": "Role", "name": "r"}, [{"kind": "ServiceAccount", "name": "x"}]))
        self.assertEqual(code, 201)

    def test_rules_kube_refuses_are_422(self):
        code, st = call("POST", ROLES, role("bad", [{"apiGroups": [""], "resources": ["pods"]},
                                                   {"nonResourceURLs": ["/healthz"], "verbs": ["get"]},
                                                   {"verbs": ["get"]}]))
        self.assertEqual((code, st["details"]["kind"]), (422, "Role"), st)
        self.assertEqual(causes(st), [
            ("rules[0].verbs", "FieldValueRequired", "Required value: verbs must contain at least one value"),
            ("rules[1].nonResourceURLs", "FieldValueInvalid",
             'Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs'),
            ("rules[2].apiGroups", "FieldValueRequired", "Required value: resource rules must supply at least one api group"),
            ("rules[2].resources", "FieldValueRequired", "Required value: resource rules must supply at least one resource")])
        code, st = call("POST", CLUSTER_ROLES, role("bad", [{"nonResourceURLs": ["/a", "/b"], "resources": ["pods"], "verbs": ["get"]}],
                                                    ns="", aggregationRule={}))
        self.assertEqual(causes(st), [
            ("rules[0].nonResourceURLs", "FieldValueInvalid",
             'Invalid value: []string{"/a", "/b"}: rules cannot apply to both regular resources and non-resource URLs'),
            ("aggregationRule.clusterRoleSelectors", "FieldValueRequired",
             "Required value: at least one clusterRoleSelector required if aggregationRule is non-nil")])
        # the name is checked with the rest, in one answer
        code, st = call("POST", CLUSTER_ROLES, role("a%b", [{"verbs": []}], ns=""))
        self.assertEqual([f for f, _, _ in causes(st)], ["metadata.name", "rules[0].verbs", "rules[0].apiGroups", "rules[0].resources"])
        self.assertEqual(causes(st)[0][2], '''Invalid value: "a%b": may not contain '%\'''')
        code, st = call("POST", CLUSTER_ROLES, role("..", [], ns=""))
        self.assertEqual((code, st["message"]), (422, f'''ClusterRole.{RBAC} ".." is invalid: metadata.name: Invalid value: "..": may not be '..\''''))
        self.assertEqual(call("POST", CLUSTER_ROLES, role("nonresource", [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}], ns=""))[0], 201)

    def test_updates_are_validated_and_the_role_ref_is_fixed(self):
        code, b = call("POST", BINDINGS, binding("fixed", {"kind": "ClusterRole", "name": "view"}, [{"kind": "User", "name": "u"}]))
        self.assertEqual(code, 201, b)
        b["roleRef"]["name"] = "edit"
        code, st = call("PUT", BINDINGS + "/fixed", b)
        ref = f'rbac.RoleRef{{APIGroup:"{RBAC}", Kind:"ClusterRole", Name:"edit"}}'
        self.assertEqual((code, st["message"]), (422, f'RoleBinding.{RBAC} "fixed" is invalid: roleRef: Invalid value: {ref}: '
                                                      "cannot change roleRef"), st)
        code, st = call("PATCH", BINDINGS + "/fixed", {"roleRef": {"kind": "Role"}}, content_type=MERGE)
        self.assertEqual(code, 422)
        self.assertIn("cannot change roleRef", st["message"])
        # v1.31 checks an update's object twice: every cause twice, the message says each once
        code, st = call("PATCH", BINDINGS + "/fixed", {"subjects": [{"kind": "Robot", "name": "r"}]}, content_type=MERGE)
        robot = ("subjects[0].kind", "FieldValueNotSupported", 'Unsupported value: "Robot": ' + SUPPORTED_SUBJECTS)
        self.assertEqual((code, causes(st)), (422, [robot, robot]))
        self.assertEqual(st["message"], f'RoleBinding.{RBAC} "fixed" is invalid: subjects[0].kind: Unsupported value: "Robot": '
                         + SUPPORTED_SUBJECTS)
        code, _ = call("POST", ROLES, role("r", [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]))
        code, st = call("PATCH", ROLES + "/r?fieldManager=t&force=true", role("r", [{"apiGroups": [""], "resources": ["pods"]}]),
                        content_type=APPLY)
        self.assertEqual((code, [f for f, _, _ in causes(st)]), (422, ["rules[0].verbs"] * 2), st)
        # after the resourceVersion precondition
        b = call("GET", BINDINGS + "/fixed")[1]
        b["metadata"]["resourceVersion"] = "1"
        b["subjects"] = [{"kind": "Robot", "name": "r"}]
        self.assertEqual(call("PUT", BINDINGS + "/fixed", b)[0], 409)
        self.assertEqual(call("GET", BINDINGS + "/fixed")[1]["roleRef"]["name"], "view")


class CreateOnUpdate(unittest.TestCase):
    def test_a_put_of_a_missing_rbac_object_creates_it(self):
        body = binding("put-made", {"kind": "ClusterRole", "name": "view"}, [{"kind": "User", "name": "u"}])
        body["metadata"]["resourceVersion"] = "12345"  # ignored, as the generic store's create path does
        code, b = call("PUT", BINDINGS + "/put-made", body)
        self.assertEqual((code, b["roleRef"]["apiGroup"], b["metadata"]["resourceVersion"] != "12345"), (201, RBAC, True), b)
        self.assertTrue(b["metadata"]["uid"] and b["metadata"]["creationTimestamp"])
        self.assertEqual(b["metadata"]["managedFields"][0]["operation"], "Update")
        self.assertEqual(call("GET", BINDINGS + "/put-made")[1]["metadata"]["uid"], b["metadata"]["uid"])
        body = role("put-made", [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}], ns="")
        self.assertEqual(call("PUT", CLUSTER_ROLES + "/put-made?dryRun=All", body)[0], 201)
        self.assertEqual(call("GET", CLUSTER_ROLES + "/put-made")[0], 404)
        self.assertEqual(call("PUT", CLUSTER_ROLES + "/put-made", body)[0], 201)
        self.assertEqual(call("PUT", CLUSTER_ROLES + "/put-made", call("GET", CLUSTER_ROLES + "/put-made")[1])[0], 200)
        # validated as a create (once), and a body's uid is a precondition the missing object fails
        code, st = call("PUT", ROLES + "/put-bad", role("put-bad", [{"verbs": ["get"]}]))
        self.assertEqual((code, [f for f, _, _ in causes(st)]), (422, ["rules[0].apiGroups", "rules[0].resources"]), st)
        body = role("put-uid", [])
        body["metadata"]["uid"] = "0f0f0f0f-0000-4000-8000-000000000002"
        code, st = call("PUT", ROLES + "/put-uid", body)
        self.assertEqual((code, st["reason"], st["message"]), (409, "Conflict", f'Operation cannot be fulfilled on roles.{RBAC} '
                         '"put-uid": Precondition failed: UID in precondition: 0f0f0f0f-0000-4000-8000-000000000002, UID in object meta: '))
        # a PATCH of a missing one is still 404, as is a PUT into a missing namespace
        self.assertEqual(call("PATCH", ROLES + "/nothing", {"rules": []}, content_type=MERGE)[0], 404)
        code, st = call("PUT", f"/apis/{RBAC}/v1/namespaces/nowhere/roles/r", role("r", [], ns="nowhere"))
        self.assertEqual((code, st["message"]), (404, 'namespaces "nowhere" not found'))

    def test_create_on_update_needs_create(self):
        # a ServiceAccount that may update roles but not create them
        call("POST", f"/api/v1/namespaces/{NS}/serviceaccounts", {"metadata": {"name": "updater"}})
        call("POST", ROLES, role("updater", [{"apiGroups": [RBAC], "resources": ["roles"], "verbs": ["update", "get"]},
                                             {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]))
        call("POST", BINDINGS, binding("updater", {"kind": "Role", "name": "updater"}, [{"kind": "ServiceAccount", "name": "updater"}]))
        tok = call("POST", f"/api/v1/namespaces/{NS}/serviceaccounts/updater/token", {"spec": {}})[1]["status"]["token"]
        code, st = call("PUT", ROLES + "/by-updater", role("by-updater", [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]),
                        token=tok)
        self.assertEqual((code, st["message"], st["details"]), (403, f'roles.{RBAC} "by-updater" is forbidden: ',
                                                                {"name": "by-updater", "group": RBAC, "kind": "roles"}), st)
        self.assertEqual(call("GET", ROLES + "/by-updater")[0], 404)

    def test_other_kinds_create_on_update_as_their_strategy_says(self):
        lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l"}, "spec": {"holderIdentity": "a"}}
        self.assertEqual(call("PUT", f"/apis/coordination.k8s.io/v1/namespaces/{NS}/leases/l", lease)[0], 201)
        svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}}
        code, s = call("PUT", f"/api/v1/namespaces/{NS}/services/s", svc)
        self.assertEqual((code, s["spec"]["type"], bool(s["spec"].get("clusterIP"))), (201, "ClusterIP", True), s)
        cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
        code, st = call("PUT", f"/api/v1/namespaces/{NS}/configmaps/c", cm)
        self.assertEqual((code, st["message"]), (404, 'configmaps "c" not found'))
        dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {}}
        self.assertEqual(call("PUT", f"/apis/apps/v1/namespaces/{NS}/deployments/d", dep)[0], 404)


if __name__ == "__main__":
    unittest.main(verbosity=2, argv=sys.argv[:1])
