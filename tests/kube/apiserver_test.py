#!/usr/bin/python3
"""Checks the test API server's list/create semantics against kube-apiserver's (the reference is
docs in /work/shared/reference/kubernetes-api-and-velero.md §2), with a plain urllib/ssl client:
continue tokens, 410 after /_test/expire-continue, 400/422 list errors, 500 for resourceVersion
on create, dry-run, generateName, the plain-text 404, remainingItemCount, Status field order, 401.
The stand-ins for controllers (a second server with --nodes/--pvc-root) are tested in
controllers_test.py, whose cases run from here too."""
import base64
import json
import os
import sys
import time
import unittest

from kubeclient import Api

API = None


def setUpModule():
    global API
    API = Api.start()


def tearDownModule():
    API.stop()


def call(*args, **kwargs):
    return API.call(*args, **kwargs)


def cm(name, ns="paging", **meta):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": dict(name=name, namespace=ns, **meta), "data": {"k": name}}


def token_fields(tok):
    return json.loads(base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4)))


class Paging(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        code, _ = call("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "paging"}})
        assert code == 201, code
        for i in range(20):
            code, _ = call("POST", "/api/v1/namespaces/paging/configmaps", cm(f"cm-{i:02d}", labels={"n": str(i % 2)}))
            assert code == 201, code

    def test_pages_are_a_consistent_snapshot(self):
        code, p1 = call("GET", "/api/v1/namespaces/paging/configmaps?limit=5")
        self.assertEqual(code, 200)
        self.assertEqual(p1["kind"], "ConfigMapList")
        self.assertEqual([i["metadata"]["name"] for i in p1["items"]], [f"cm-{i:02d}" for i in range(5)])
        self.assertNotIn("kind", p1["items"][0])  # built-in list items carry no kind/apiVersion
        self.assertEqual(p1["metadata"]["remainingItemCount"], 16)  # 15 + the namespace's kube-root-ca.crt
        tok = token_fields(p1["metadata"]["continue"])
        self.assertEqual(tok, {"v": "meta.k8s.io/v1", "rv": int(p1["metadata"]["resourceVersion"]), "start": "cm-04\x00"})
        # written between pages: a consistent list does not see it
        self.assertEqual(call("POST", "/api/v1/namespaces/paging/configmaps", cm("cm-04a"))[0], 201)
        names, cont = [i["metadata"]["name"] for i in p1["items"]], p1["metadata"]["continue"]
        while cont:
            code, p = call("GET", "/api/v1/namespaces/paging/configmaps?limit=5&continue=" + cont)
            self.assertEqual(code, 200)
            self.assertEqual(p["metadata"]["resourceVersion"], p1["metadata"]["resourceVersion"])
            names += [i["metadata"]["name"] for i in p["items"]]
            cont = p["metadata"].get("continue", "")
        self.assertEqual(names, [f"cm-{i:02d}" for i in range(20)] + ["kube-root-ca.crt"])
        call("DELETE", "/api/v1/namespaces/paging/configmaps/cm-04a")

    def test_expired_continue_gives_410_with_fresh_token(self):
        _, p1 = call("GET", "/api/v1/namespaces/paging/configmaps?limit=8")
        self.assertEqual(call("POST", "/_test/expire-continue")[0], 200)
        code, st = call("GET", "/api/v1/namespaces/paging/configmaps?limit=8&continue=" + p1["metadata"]["continue"])
        self.assertEqual(code, 410)
        self.assertEqual(st["reason"], "Expired")
        self.assertTrue(st["message"].startswith("The provided continue parameter is too old to display a consistent list result."))
        fresh = token_fields(st["metadata"]["continue"])
        self.assertEqual(fresh, {"v": "meta.k8s.io/v1", "rv": -1, "start": "cm-07\x00"})
        code, p2 = call("GET", "/api/v1/namespaces/paging/configmaps?limit=100&continue=" + st["metadata"]["continue"])
        self.assertEqual(code, 200)
        self.assertEqual([i["metadata"]["name"] for i in p2["items"]], [f"cm-{i:02d}" for i in range(8, 20)] + ["kube-root-ca.crt"])

    def test_bad_tokens_and_options(self):
        code, st = call("GET", "/api/v1/namespaces/paging/configmaps?limit=2&continue=!!notbase64")
        self.assertEqual((code, st["reason"]), (400, "BadRequest"))
        self.assertTrue(st["message"].startswith("invalid continue token"), st["message"])
        _, p1 = call("GET", "/api/v1/namespaces/paging/configmaps?limit=2")
        c = p1["metadata"]["continue"]
        code, st = call("GET", f"/api/v1/namespaces/paging/configmaps?limit=2&continue={c}&resourceVersionMatch=Exact&resourceVersion=5")
        self.assertEqual((code, st["reason"]), (422, "Invalid"))
        self.assertEqual(st["details"]["kind"], "ListOptions")
        self.assertEqual(st["details"]["causes"][0]["field"], "resourceVersionMatch")
        code, st = call("GET", f"/api/v1/namespaces/paging/configmaps?limit=2&continue={c}&resourceVersion=5")
        self.assertEqual(code, 400)
        self.assertEqual(st["message"], "specifying resource version is not allowed when using continue")

    def test_compaction(self):
        _, old = call("GET", "/api/v1/namespaces/paging/configmaps?limit=4")
        rv = int(old["metadata"]["resourceVersion"])
        code, st = call("GET", f"/api/v1/namespaces/paging/configmaps?resourceVersion={rv + 1000}")
        self.assertEqual((code, st["reason"]), (504, "Timeout"))
        call("POST", "/api/v1/namespaces/paging/configmaps", cm("after-rv"))
        self.assertEqual(call("POST", "/_test/compact")[0], 200)
        code, st = call("GET", f"/api/v1/namespaces/paging/configmaps?limit=4&resourceVersion={rv}&resourceVersionMatch=Exact")
        self.assertEqual((code, st["reason"], st["message"]), (410, "Expired", "The resourceVersion for the provided list is too old."))
        code, st = call("GET", f"/api/v1/namespaces/paging/configmaps?resourceVersion={rv}&resourceVersionMatch=Exact")
        self.assertEqual((code, st["reason"]), (410, "Expired"))  # unpaged, exact: too old as well
        code, st = call("GET", f"/api/v1/namespaces/paging/configmaps?resourceVersion={rv}")
        self.assertEqual(code, 200)  # not-older-than is served from the newest state
        code, st = call("GET", "/api/v1/namespaces/paging/configmaps?limit=4&continue=" + old["metadata"]["continue"])
        self.assertEqual((code, st["reason"]), (410, "Expired"))
        self.assertEqual(token_fields(st["metadata"]["continue"])["rv"], -1)
        code, text, _ = call("GET", f"/api/v1/namespaces/paging/configmaps?watch=1&resourceVersion={rv}", raw=True)
        event = json.loads(text.splitlines()[0])
        self.assertEqual((event["type"], event["object"]["code"]), ("ERROR", 410))
        call("DELETE", "/api/v1/namespaces/paging/configmaps/after-rv")

    def test_selector_hides_remaining_count(self):
        code, p = call("GET", "/api/v1/namespaces/paging/configmaps?limit=3&labelSelector=n%3D1")
        self.assertEqual(code, 200)
        self.assertEqual([i["metadata"]["name"] for i in p["items"]], ["cm-01", "cm-03", "cm-05"])
        self.assertIn("continue", p["metadata"])
        self.assertNotIn("remainingItemCount", p["metadata"])
        _, p = call("GET", "/api/v1/namespaces/paging/configmaps?labelSelector=n+notin+(1),n")
        self.assertEqual(len(p["items"]), 10)
        _, p = call("GET", "/api/v1/configmaps?fieldSelector=metadata.name%3Dcm-07")
        self.assertEqual([i["metadata"]["namespace"] for i in p["items"]], ["paging"])


class Create(unittest.TestCase):
    def test_resource_version_on_create_is_500(self):
        code, st = call("POST", "/api/v1/namespaces/default/configmaps", cm("rv", "default", resourceVersion="12"))
        self.assertEqual(code, 500)
        self.assertEqual(st["message"], "resourceVersion should not be set on objects to be created")
        self.assertNotIn("reason", st)
        self.assertEqual(list(st), ["kind", "apiVersion", "metadata", "status", "message", "code"])

    def test_dry_run(self):
        code, obj = call("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", cm("dry", "default", resourceVersion="3"))
        self.assertEqual(code, 201)
        self.assertTrue(obj["metadata"]["uid"])
        self.assertTrue(obj["metadata"]["creationTimestamp"])
        self.assertNotIn("resourceVersion", obj["metadata"])
        self.assertEqual(call("GET", "/api/v1/namespaces/default/configmaps/dry")[0], 404)
        self.assertEqual(call("POST", "/api/v1/namespaces/default/configmaps", cm("dup", "default"))[0], 201)
        code, st = call("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", cm("dup", "default"))
        self.assertEqual((code, st["reason"], st["message"]), (409, "AlreadyExists", 'configmaps "dup" already exists'))
        self.assertEqual(list(st), ["kind", "apiVersion", "metadata", "status", "message", "reason", "details", "code"])
        self.assertEqual(st["details"], {"name": "dup", "kind": "configmaps"})
        code, st = call("POST", "/api/v1/namespaces/nowhere/configmaps?dryRun=All", cm("x", "nowhere"))
        self.assertEqual((code, st["message"]), (404, 'namespaces "nowhere" not found'))
        self.assertEqual(call("POST", "/api/v1/namespaces/default/configmaps?dryRun=Some", cm("y", "default"))[0], 422)

    def test_generate_name_and_validation(self):
        body = cm("", "default")
        body["metadata"] = {"generateName": "backup-"}
        code, obj = call("POST", "/api/v1/namespaces/default/configmaps", body)
        self.assertEqual(code, 201)
        name = obj["metadata"]["name"]
        self.assertRegex(name, r"^backup-[bcdfghjklmnpqrstvwxz2456789]{5}$")
        self.assertEqual(call("GET", "/api/v1/namespaces/default/configmaps/" + name)[0], 200)
        code, st = call("POST", "/api/v1/namespaces/default/configmaps", cm("Bad_Name", "default"))
        self.assertEqual((code, st["reason"]), (422, "Invalid"))
        self.assertEqual(st["details"]["causes"][0]["field"], "metadata.name")
        code, st = call("POST", "/api/v1/namespaces/default/configmaps", cm("other", "kube-system"))
        self.assertEqual(code, 400)
        self.assertIn("does not match the namespace sent on the request", st["message"])
        code, st = call("POST", "/apis/apps/v1/namespaces/default/deployments", cm("cfg", "default"))
        self.assertEqual(code, 400)
        self.assertIn("does not match the expected API version (apps/v1)", st["message"])

    def test_create_defaults(self):
        body = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "uid": "x", "creationTimestamp": "2001-01-01T00:00:00Z"},
                "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}},
                "status": {"replicas": 9}}
        code, obj = call("POST", "/apis/apps/v1/namespaces/default/deployments", body)
        self.assertEqual(code, 201)
        m = obj["metadata"]
        self.assertNotEqual(m["uid"], "x")
        self.assertNotEqual(m["creationTimestamp"], "2001-01-01T00:00:00Z")
        self.assertEqual(m["generation"], 1)
        self.assertEqual(m["managedFields"][0]["manager"], "apitest")
        self.assertEqual(m["managedFields"][0]["operation"], "Update")
        self.assertEqual(obj["status"], {})
        code, sc = call("PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale", {"spec": {"replicas": 0}},
                        content_type="application/merge-patch+json")
        self.assertEqual((code, sc["kind"], sc["spec"]["replicas"], sc["status"]["selector"]), (200, "Scale", 0, "a=b"))
        _, d = call("GET", "/apis/apps/v1/namespaces/default/deployments/web")
        self.assertEqual((d["spec"]["replicas"], d["metadata"]["generation"]), (0, 2))


    def test_claim_quantities_decode_as_kube_reads_them(self):
        def claim(name, storage):
            return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": storage}}}}
        prefix = 'PersistentVolumeClaim in version "v1" cannot be handled as a PersistentVolumeClaim: '
        for storage, why in (("10XB", "quantities must match the regular expression "
                                      "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"),
                             ("10 Gi", "quantities must match"), ("1GB", "quantities must match"), ("1K", "unable to parse quantity's suffix"),
                             ("1e", "unable to parse quantity's suffix")):
            code, st = call("POST", "/api/v1/namespaces/default/persistentvolumeclaims", claim("bad", storage))
            self.assertEqual((code, st["reason"]), (400, "BadRequest"), storage)
            self.assertTrue(st["message"].startswith(prefix + why), st["message"])
        self.assertEqual(call("GET", "/api/v1/namespaces/default/persistentvolumeclaims/bad")[0], 404)
        for i, storage in enumerate(("10Gi", "1.5G", ".5Ti", "1e9", 1073741824, "500M")):
            self.assertEqual(call("POST", "/api/v1/namespaces/default/persistentvolumeclaims", claim(f"ok-{i}", storage))[0], 201,
                             storage)
        code, st = call("PUT", "/api/v1/namespaces/default/persistentvolumeclaims/ok-0", claim("ok-0", "10XB"))
        self.assertEqual((code, st["reason"]), (400, "BadRequest"))


class Apply(unittest.TestCase):
    def test_server_side_apply_ownership(self):
        url = "/api/v1/namespaces/default/configmaps/owned?fieldManager=hort"
        cfg = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owned"}, "data": {"a": "1", "b": "1"}}
        code, obj = call("PATCH", url, cfg, content_type="application/apply-patch+yaml")
        self.assertEqual(code, 201)  # apply creates
        self.assertEqual(obj["metadata"]["managedFields"][0]["operation"], "Apply")
        code, st = call("PATCH", "/api/v1/namespaces/default/configmaps/owned", cfg, content_type="application/apply-patch+yaml")
        self.assertEqual(code, 422)  # apply needs a fieldManager
        call("PATCH", "/api/v1/namespaces/default/configmaps/owned?fieldManager=ed", {"data": {"b": "2", "c": "3"}},
             content_type="application/merge-patch+json")
        cfg["data"] = {"a": "1", "b": "1"}
        code, st = call("PATCH", url, cfg, content_type="application/apply-patch+yaml")
        self.assertEqual((code, st["reason"]), (409, "Conflict"))
        self.assertEqual(st["message"], 'Apply failed with 1 conflict: conflict with "ed" using v1: .data.b')
        cfg["data"] = {"b": "1"}  # a leaves the configuration: it goes; c stays with ed
        code, obj = call("PATCH", url + "&force=true", cfg, content_type="application/apply-patch+yaml")
        self.assertEqual(code, 200)
        self.assertEqual(obj["data"], {"b": "1", "c": "3"})
        owners = {m["manager"]: m["fieldsV1"] for m in obj["metadata"]["managedFields"]}
        self.assertEqual(owners, {"ed": {"f:data": {"f:c": {}}}, "hort": {"f:data": {"f:b": {}}}})


class Protobuf(unittest.TestCase):
    # The body kubectl 1.32 sent for `kubectl create configmap dry2 -n shop --from-literal=a=b`
    # (captured with -v=10 on 2026-12-03): "k8s\0" + runtime.Unknown{typeMeta, raw ConfigMap}.
    CAPTURED = bytes.fromhex("6b3873000a0f0a0276311209436f6e6669674d617012220a180a0464727932120"
                             "01a0473686f7022002a00320038004200120" "60a01611201621a002200")

    def test_kubectl_protobuf_create(self):
        call("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
        code, obj = call("POST", "/api/v1/namespaces/shop/configmaps", self.CAPTURED,
                         content_type="application/vnd.kubernetes.protobuf")
        self.assertEqual(code, 201, obj)
        self.assertEqual((obj["metadata"]["name"], obj["data"]), ("dry2", {"a": "b"}))
        self.assertEqual(call("GET", "/api/v1/namespaces/shop/configmaps/dry2")[1]["data"], {"a": "b"})
        other = self.CAPTURED.replace(b"\x12\x09ConfigMap", b"\x12\x0aDeployment").replace(b"\x0a\x0f", b"\x0a\x10", 1)
        code, st = call("POST", "/apis/apps/v1/namespaces/shop/deployments", other,
                        content_type="application/vnd.kubernetes.protobuf")
        self.assertEqual((code, st["reason"]), (415, "UnsupportedMediaType"))


class Watch(unittest.TestCase):
    def test_watch_from_resource_version(self):
        call("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "watched"}})
        _, lst = call("GET", "/api/v1/namespaces/watched/configmaps")
        rv = lst["metadata"]["resourceVersion"]
        call("POST", "/api/v1/namespaces/watched/configmaps", cm("x", "watched"))
        code, _ = call("PATCH", "/api/v1/namespaces/watched/configmaps/x", {"data": {"k": "2"}},
                       content_type="application/merge-patch+json")
        self.assertEqual(code, 200)
        call("DELETE", "/api/v1/namespaces/watched/configmaps/x")
        code, text, _ = call("GET", f"/api/v1/namespaces/watched/configmaps?watch=1&resourceVersion={rv}&timeoutSeconds=1", raw=True)
        self.assertEqual(code, 200)
        events = [json.loads(line) for line in text.splitlines()]
        self.assertEqual([e["type"] for e in events], ["ADDED", "MODIFIED", "DELETED"])
        self.assertEqual(events[1]["object"]["data"], {"k": "2"})
        self.assertEqual(events[0]["object"]["kind"], "ConfigMap")  # watch events carry kind, unlike list items
        rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
        self.assertEqual(rvs, sorted(rvs))


class NamespaceTermination(unittest.TestCase):
    def test_terminating_then_gone(self):
        ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "doomed"}}
        self.assertEqual(call("POST", "/api/v1/namespaces", ns)[0], 201)
        self.assertEqual(call("POST", "/api/v1/namespaces/doomed/configmaps", cm("plain", "doomed"))[0], 201)
        self.assertEqual(call("POST", "/api/v1/namespaces/doomed/configmaps", cm("held", "doomed", finalizers=["test/hold"]))[0], 201)
        code, obj = call("DELETE", "/api/v1/namespaces/doomed")
        self.assertEqual(code, 200, obj)
        self.assertEqual(obj["status"]["phase"], "Terminating")
        self.assertIn("deletionTimestamp", obj["metadata"])
        self.assertEqual(obj["spec"]["finalizers"], ["kubernetes"])
        code, st = call("DELETE", "/api/v1/namespaces/doomed")
        self.assertEqual(code, 409, st)
        self.assertEqual((st["reason"], st["details"]), ("Conflict", {"name": "doomed", "kind": "namespaces"}))
        self.assertEqual(st["message"], 'Operation cannot be fulfilled on namespaces "doomed": The system is ensuring all '
                         "content is removed from this namespace.  Upon completion, this namespace will automatically "
                         "be purged by the system.")
        code, st = call("POST", "/api/v1/namespaces/doomed/configmaps", cm("new", "doomed"))
        self.assertEqual(code, 403, st)
        self.assertEqual(st["reason"], "Forbidden")
        self.assertEqual(st["message"], 'configmaps "new" is forbidden: unable to create new content in namespace doomed '
                         "because it is being terminated")
        self.assertEqual(st["details"], {"name": "new", "kind": "configmaps", "causes": [{
            "reason": "NamespaceTerminating", "message": "namespace doomed is being terminated", "field": "metadata.namespace"}]})
        code, st = call("POST", "/api/v1/namespaces", ns)
        self.assertEqual(code, 409, st)
        self.assertEqual((st["reason"], st["message"]), ("AlreadyExists", 'object is being deleted: namespaces "doomed" already exists'))
        # the namespace controller removes what it can; the held object keeps the namespace Terminating
        deadline = time.time() + 5
        while call("GET", "/api/v1/namespaces/doomed/configmaps/plain")[0] != 404 and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(call("GET", "/api/v1/namespaces/doomed/configmaps/plain")[0], 404)
        code, held = call("GET", "/api/v1/namespaces/doomed/configmaps/held")
        self.assertEqual(code, 200)
        self.assertIn("deletionTimestamp", held["metadata"])
        code, st = call("POST", "/api/v1/namespaces/doomed/configmaps", cm("held", "doomed"))
        self.assertEqual((code, st["message"]), (403, 'configmaps "held" is forbidden: unable to create new content in '
                                                 "namespace doomed because it is being terminated"))
        time.sleep(0.5)
        self.assertEqual(call("GET", "/api/v1/namespaces/doomed")[1]["status"]["phase"], "Terminating")
        held["metadata"]["finalizers"] = []
        self.assertEqual(call("PUT", "/api/v1/namespaces/doomed/configmaps/held", held)[0], 200)
        deadline = time.time() + 5
        while call("GET", "/api/v1/namespaces/doomed")[0] != 404 and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(call("GET", "/api/v1/namespaces/doomed")[0], 404)
        self.assertEqual(call("POST", "/api/v1/namespaces", ns)[0], 201)
        self.assertEqual(call("GET", "/api/v1/namespaces/doomed/configmaps/held")[0], 404)
        call("DELETE", "/api/v1/namespaces/doomed")

    def test_object_held_by_finalizers_is_being_deleted(self):
        self.assertEqual(call("POST", "/api/v1/namespaces/default/configmaps", cm("kept", "default", finalizers=["test/x"]))[0], 201)
        self.assertEqual(call("DELETE", "/api/v1/namespaces/default/configmaps/kept")[0], 200)
        code, st = call("POST", "/api/v1/namespaces/default/configmaps", cm("kept", "default"))
        self.assertEqual((code, st["message"]), (409, 'object is being deleted: configmaps "kept" already exists'))
        code, live = call("GET", "/api/v1/namespaces/default/configmaps/kept")
        live["metadata"]["finalizers"] = []
        self.assertEqual(call("PUT", "/api/v1/namespaces/default/configmaps/kept", live)[0], 200)


class Exec(unittest.TestCase):
    """The remotecommand WebSocket framing, spoken here with aiohttp's client (kubectl covers v5 in e2e)."""

    @classmethod
    def setUpClass(cls):
        call("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ex"}})
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ex"},
               "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
        code, obj = call("POST", "/api/v1/namespaces/ex/pods", pod)
        assert code == 201 and obj["status"] == {"phase": "Pending", "qosClass": "BestEffort"}, obj
        mounts = obj["spec"]["containers"][0]["volumeMounts"]  # ServiceAccount admission
        assert mounts[0]["mountPath"] == "/var/run/secrets/kubernetes.io/serviceaccount", mounts

    def run_exec(self, protocols, query, stdin=None):
        import asyncio
        import aiohttp

        async def go():
            ctx = API.ssl_context()
            got = {}
            async with aiohttp.ClientSession() as s:
                try:
                    ws = await s.ws_connect(API.base + "/api/v1/namespaces/ex/pods/p/exec?" + query, protocols=protocols, ssl=ctx)
                except aiohttp.WSServerHandshakeError as e:
                    return e.status, None, {}
                if stdin is not None:
                    await ws.send_bytes(b"\x00" + stdin)
                    await ws.send_bytes(b"\xff\x00")  # v5: end of stdin
                async for msg in ws:
                    got[msg.data[0]] = got.get(msg.data[0], b"") + msg.data[1:]
                return 101, ws.protocol, got
        return asyncio.run(go())

    def test_v4_success(self):
        code, proto, got = self.run_exec(("v4.channel.k8s.io",), "command=sh&command=-c&command=echo+hi;pwd&stdout=1&stderr=1")
        self.assertEqual((code, proto), (101, "v4.channel.k8s.io"))
        self.assertEqual(got[1].decode().split("\n")[0], "hi")
        self.assertTrue(got[1].decode().strip().endswith("/state/containers/ex/p/c"), got)
        self.assertEqual(json.loads(got[3]), {"metadata": {}, "status": "Success"})

    def test_v5_stdin_and_exit_code(self):
        code, proto, got = self.run_exec(("v5.channel.k8s.io", "v4.channel.k8s.io"),
                                         "command=sh&command=-c&command=cat;+exit+7&stdin=1&stdout=1&stderr=1", stdin=b"data")
        self.assertEqual((code, proto, got[1]), (101, "v5.channel.k8s.io", b"data"))
        self.assertEqual(json.loads(got[3]), {
            "metadata": {}, "status": "Failure",
            "message": "command terminated with non-zero exit code: error executing command [sh -c cat; exit 7], exit code 7",
            "reason": "NonZeroExitCode", "details": {"causes": [{"reason": "ExitCode", "message": "7"}]}})

    def test_unsupported_protocol(self):
        self.assertEqual(self.run_exec(("channel.k8s.io",), "command=true")[0], 400)


class Validation(unittest.TestCase):
    def test_service_name_is_a_dns1035_label(self):
        svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "1abc"}, "spec": {"ports": [{"port": 80}]}}
        code, st = call("POST", "/api/v1/namespaces/default/services", svc)
        self.assertEqual(code, 422, st)
        self.assertEqual(st["message"], 'Service "1abc" is invalid: metadata.name: Invalid value: "1abc": a DNS-1035 label '
                         "must consist of lower case alphanumeric characters or '-', start with an alphabetic character, "
                         "and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation "
                         "is '[a-z]([-a-z0-9]*[a-z0-9])?')")
        ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "1abc"}}
        self.assertEqual(call("POST", "/api/v1/namespaces", ns)[0], 201, "a namespace is a DNS-1123 label")
        call("DELETE", "/api/v1/namespaces/1abc")


class Admission(unittest.TestCase):
    def test_a_pod_with_its_token_mount_gets_no_second_volume(self):
        # A pod restored from a backup keeps kube-api-access-abcde and its mount: kube's ServiceAccount
        # admission leaves a container that mounts the token path alone and adds no volume then.
        mount = {"name": "kube-api-access-abcde", "readOnly": True, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "restored"},
               "spec": {"containers": [{"name": "c", "image": "x:1", "volumeMounts": [mount]}],
                        "volumes": [{"name": "kube-api-access-abcde", "projected": {"sources": []}}]}}
        code, got = call("POST", "/api/v1/namespaces/default/pods", pod)
        self.assertEqual(code, 201, got)
        self.assertEqual([v["name"] for v in got["spec"]["volumes"]], ["kube-api-access-abcde"])
        self.assertEqual(got["spec"]["containers"][0]["volumeMounts"], [mount])
        fresh = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "fresh"},
                 "spec": {"containers": [{"name": "a", "image": "x:1"}, {"name": "b", "image": "x:1"}]}}
        code, got = call("POST", "/api/v1/namespaces/default/pods", fresh)
        self.assertEqual(code, 201, got)
        self.assertEqual(len(got["spec"]["volumes"]), 1)
        name = got["spec"]["volumes"][0]["name"]
        self.assertTrue(name.startswith("kube-api-access-"), name)
        for c in got["spec"]["containers"]:
            self.assertEqual([m["name"] for m in c["volumeMounts"]], [name])
        for p in ("restored", "fresh"):
            call("DELETE", "/api/v1/namespaces/default/pods/" + p + "?gracePeriodSeconds=0")

    def test_an_external_name_service_gets_no_cluster_ip(self):
        svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "alias"},
               "spec": {"type": "ExternalName", "externalName": "db.example.org"}}
        code, got = call("POST", "/api/v1/namespaces/default/services", svc)
        self.assertEqual(code, 201, got)
        self.assertNotIn("clusterIP", got["spec"])
        self.assertNotIn("clusterIPs", got["spec"])
        call("DELETE", "/api/v1/namespaces/default/services/alias")


class Discovery(unittest.TestCase):
    def test_table(self):
        accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
        code, t = call("GET", "/api/v1/namespaces?limit=2", accept=accept)
        self.assertEqual((code, t["kind"], t["apiVersion"]), (200, "Table", "meta.k8s.io/v1"))
        self.assertEqual([c["name"] for c in t["columnDefinitions"]], ["Name", "Status", "Age"])
        self.assertEqual(t["rows"][0]["cells"][:2], ["default", "Active"])
        self.assertEqual(t["rows"][0]["object"]["kind"], "PartialObjectMetadata")
        self.assertIn("continue", t["metadata"])

    def test_crd_preferred_version_is_the_kube_aware_first(self):
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "apiserver"))
        import discovery
        self.assertEqual(sorted(["v1alpha1", "foo", "v1", "v2beta1", "v1beta2", "v2", "v1beta1", "abc", "v10"],
                                key=discovery.kube_aware_key),
                         ["v10", "v2", "v1", "v2beta1", "v1beta2", "v1beta1", "v1alpha1", "abc", "foo"])
        crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
               "metadata": {"name": "widgets.versions.example.org"},
               "spec": {"group": "versions.example.org", "scope": "Namespaced",
                        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                        "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {"type": "object"}}},
                                     {"name": "v2", "served": True, "storage": False, "schema": {"openAPIV3Schema": {"type": "object"}}}]}}
        self.assertEqual(call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)[0], 201)
        code, g = call("GET", "/apis/versions.example.org")
        self.assertEqual(code, 200, g)
        self.assertEqual(g["preferredVersion"], {"groupVersion": "versions.example.org/v2", "version": "v2"})
        self.assertEqual([v["version"] for v in g["versions"]], ["v2", "v1"])
        call("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.versions.example.org")

    def test_unknown_group_is_plain_404(self):
        code, text, ctype = call("GET", "/apis/nothere.example.com/v1/things", raw=True)
        self.assertEqual((code, text), (404, "404 page not found\n"))
        self.assertTrue(ctype.startswith("text/plain"), ctype)

    def test_aggregated(self):
        media = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
        code, text, ctype = call("GET", "/apis", accept=media + ",application/json", raw=True)
        self.assertEqual((code, ctype), (200, media))
        doc = json.loads(text)
        self.assertEqual(doc["kind"], "APIGroupDiscoveryList")
        apps = next(g for g in doc["items"] if g["metadata"]["name"] == "apps")
        self.assertIn("deployments", [r["resource"] for r in apps["versions"][0]["resources"]])
        versions = {v["version"] for g in doc["items"] for v in g["versions"]}
        self.assertEqual(versions, {"v1", "v2"})
        _, plain = call("GET", "/apis/apps/v1")
        self.assertIn("deployments/scale", [r["name"] for r in plain["resources"]])


class DeleteCollection(unittest.TestCase):
    def test_delete_collection_deletes_each_item_as_a_delete(self):
        self.assertEqual(call("POST", "/api/v1/namespaces/default/configmaps", cm("dc-a", "default", labels={"dc": "1"}))[0], 201)
        self.assertEqual(call("POST", "/api/v1/namespaces/default/configmaps",
                              cm("dc-b", "default", labels={"dc": "1"}, finalizers=["test/x"]))[0], 201)
        pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "dc-claim", "labels": {"dc": "1"}},
               "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}
        self.assertEqual(call("POST", "/api/v1/namespaces/default/persistentvolumeclaims", pvc)[0], 201)
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "dc-pod"}, "spec": {
            "containers": [{"name": "c", "image": "busybox"}],
            "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "dc-claim"}}]}}
        self.assertEqual(call("POST", "/api/v1/namespaces/default/pods", pod)[0], 201)
        time.sleep(0.2)  # the kubelet stand-in schedules it (nodeName node-1)
        code, lst = call("DELETE", "/api/v1/namespaces/default/configmaps?labelSelector=dc%3D1")
        self.assertEqual(code, 200, lst)
        self.assertEqual(sorted(i["metadata"]["name"] for i in lst["items"]), ["dc-a", "dc-b"])
        self.assertEqual(call("GET", "/api/v1/namespaces/default/configmaps/dc-a")[0], 404)
        code, held = call("GET", "/api/v1/namespaces/default/configmaps/dc-b")
        self.assertEqual(code, 200, "a finalizer holds it")
        self.assertIn("deletionTimestamp", held["metadata"])
        self.assertEqual(call("DELETE", "/api/v1/namespaces/default/persistentvolumeclaims?labelSelector=dc%3D1")[0], 200)
        code, claim = call("GET", "/api/v1/namespaces/default/persistentvolumeclaims/dc-claim")
        self.assertEqual(code, 200, "pvc-protection holds a claim a scheduled pod names")
        self.assertIn("deletionTimestamp", claim["metadata"])
        self.assertEqual(call("DELETE", "/api/v1/namespaces/default/pods/dc-pod")[0], 200)
        self.assertEqual(call("GET", "/api/v1/namespaces/default/persistentvolumeclaims/dc-claim")[0], 404)
        held["metadata"]["finalizers"] = []
        self.assertEqual(call("PUT", "/api/v1/namespaces/default/configmaps/dc-b", held)[0], 200)
        self.assertEqual(call("GET", "/api/v1/namespaces/default/configmaps/dc-b")[0], 404)


class Auth(unittest.TestCase):
    def test_tokens(self):
        code, st = call("GET", "/api/v1/namespaces", token="wrong")
        self.assertEqual((code, st["reason"], st["message"]), (401, "Unauthorized", "Unauthorized"))
        call("POST", "/api/v1/namespaces/default/serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "robot"}})
        code, tr = call("POST", "/api/v1/namespaces/default/serviceaccounts/robot/token",
                        {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}})
        self.assertEqual(code, 201)
        tok = tr["status"]["token"]
        review = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
        code, r = call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", review, token=tok)
        self.assertEqual(code, 201)
        self.assertEqual(r["status"]["userInfo"]["username"], "system:serviceaccount:default:robot")
        code, st = call("GET", "/api/v1/namespaces/default/pods", token=tok)
        self.assertEqual(code, 403)
        self.assertEqual(st["message"], 'pods is forbidden: User "system:serviceaccount:default:robot" cannot list resource '
                                        '"pods" in API group "" in the namespace "default"')
        call("POST", "/api/v1/namespaces/default/serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "gone"}})
        _, tr2 = call("POST", "/api/v1/namespaces/default/serviceaccounts/gone/token", {"spec": {}})
        self.assertEqual(call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", review, token=tr2["status"]["token"])[0], 201)
        call("DELETE", "/api/v1/namespaces/default/serviceaccounts/gone")
        self.assertEqual(call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", review, token=tr2["status"]["token"])[0], 401)
        self.assertEqual(call("POST", "/_test/expire-tokens")[0], 200)
        self.assertEqual(call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", review, token=tok)[0], 401)
        self.assertEqual(call("GET", "/version", token="hort-test-viewer-token")[0], 200)


class ObjectMeta(unittest.TestCase):
    def test_labels_annotations_finalizers_owner_references(self):
        long = "n" * 64
        code, st = call("POST", "/api/v1/namespaces/default/configmaps", cm("meta", "default", labels={
            "ok": "", "app.kubernetes.io/name": "x", "bad key": "v", "k": long, "Example.com/x": "v"}))
        self.assertEqual(code, 422, st)
        qname = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
                 "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
                 "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
        self.assertEqual(st["details"]["causes"], [
            {"reason": "FieldValueInvalid", "message": 'Invalid value: "Example.com/x": prefix part a lowercase RFC 1123 '
             "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an "
             "alphanumeric character (e.g. 'example.com', regex used for validation is "
             "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')", "field": "metadata.labels"},
            {"reason": "FieldValueInvalid", "message": 'Invalid value: "bad key": name part ' + qname, "field": "metadata.labels"},
            {"reason": "FieldValueInvalid", "message": f'Invalid value: "{long}": must be no more than 63 characters',
             "field": "metadata.labels"}])
        self.assertTrue(st["message"].startswith('ConfigMap "meta" is invalid: [metadata.labels: Invalid value: '), st["message"])
        code, st = call("POST", "/api/v1/namespaces/default/configmaps", cm("meta", "default", labels={"v": "-x"}))
        self.assertEqual(st["details"]["causes"][0]["message"],
                         "Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, "
                         "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
                         "'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
        code, st = call("POST", "/api/v1/namespaces/default/configmaps",
                        cm("meta", "default", annotations={"a": "x" * (256 * 1024)}))
        self.assertEqual((code, st["message"]), (422, 'ConfigMap "meta" is invalid: metadata.annotations: Too long: must '
                                                 "have at most 262144 bytes"))
        self.assertEqual(st["details"]["causes"][0]["reason"], "FieldValueTooLong")
        code, st = call("POST", "/api/v1/namespaces/default/configmaps", cm("meta", "default", finalizers=["a/b/c"]))
        self.assertEqual(code, 422, st)
        self.assertEqual(st["details"]["causes"][0]["field"], "metadata.finalizers")
        code, st = call("POST", "/api/v1/namespaces/default/configmaps", cm("meta", "default", ownerReferences=[
            {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner"}]))
        self.assertEqual((code, st["message"]), (422, 'ConfigMap "meta" is invalid: metadata.ownerReferences.uid: Invalid '
                                                 'value: "": uid must not be empty'))
        code, obj = call("POST", "/api/v1/namespaces/default/configmaps", cm("meta", "default", labels={"x": "y"}))
        self.assertEqual(code, 201, obj)
        code, st = call("PATCH", "/api/v1/namespaces/default/configmaps/meta", {"metadata": {"labels": {"x": long}}},
                        content_type="application/merge-patch+json")
        self.assertEqual((code, st["details"]["causes"][0]["message"]), (422, f'Invalid value: "{long}": must be no more than 63 characters'))
        call("DELETE", "/api/v1/namespaces/default/configmaps/meta")


class NoControllers(unittest.TestCase):
    def test_without_nodes_and_pvc_root_nothing_acts(self):
        job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {"template": {"spec": {
            "containers": [{"name": "c", "image": "busybox", "command": ["true"]}]}}}}
        # the registry's validation and defaults are kube-apiserver's, whatever controllers run
        code, st = call("POST", "/apis/batch/v1/namespaces/default/jobs", job)
        self.assertEqual(code, 422, st)
        self.assertIn('spec.template.spec.restartPolicy: Unsupported value: "Always"', st["message"])
        job["spec"]["template"]["spec"]["restartPolicy"] = "Never"
        code, j = call("POST", "/apis/batch/v1/namespaces/default/jobs", job)
        self.assertEqual(code, 201, j)
        uid = j["metadata"]["uid"]
        self.assertEqual(j["spec"]["selector"], {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}})
        self.assertEqual(j["spec"]["template"]["metadata"]["labels"], {
            "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "j", "controller-uid": uid, "job-name": "j"})
        self.assertEqual(j["spec"]["backoffLimit"], 6)
        self.assertNotIn("startTime", j.get("status") or {})
        pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"},
               "spec": {"storageClassName": "local", "resources": {"requests": {"storage": "1Gi"}}}}
        self.assertEqual(call("POST", "/api/v1/namespaces/default/persistentvolumeclaims", pvc)[0], 201)
        self.assertEqual(call("GET", "/api/v1/namespaces/default/pods?labelSelector=job-name")[1]["items"], [])
        self.assertNotIn("volumeName", call("GET", "/api/v1/namespaces/default/persistentvolumeclaims/c")[1]["spec"])
        self.assertEqual(call("GET", "/api/v1/nodes")[1]["items"], [])
        call("DELETE", "/apis/batch/v1/namespaces/default/jobs/j")
        call("DELETE", "/api/v1/namespaces/default/persistentvolumeclaims/c")


class BadRequests(unittest.TestCase):
    def test_bodies_and_parameters_kube_cannot_decode_are_400(self):
        code, st = call("POST", "/api/v1/namespaces/default/configmaps", {"metadata": "x"})
        self.assertEqual((code, st["reason"]), (400, "BadRequest"), st)
        self.assertEqual(st["message"], 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot '
                         "unmarshal string into Go struct field ConfigMap.metadata of type v1.ObjectMeta")
        code, st = call("POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": 5}})
        self.assertEqual((code, st["message"]), (400, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: '
                                                 "cannot unmarshal number into Go struct field ObjectMeta.metadata.name "
                                                 "of type string"))
        code, st = call("POST", "/api/v1/namespaces/default/pods", {"metadata": {"name": "p"}, "spec": []})
        self.assertEqual((code, st["message"]), (400, 'Pod in version "v1" cannot be handled as a Pod: json: cannot '
                                                 "unmarshal array into Go struct field Pod.spec of type v1.PodSpec"))
        self.assertEqual(call("POST", "/api/v1/namespaces/default/configmaps", cm("decoded", "default"))[0], 201)
        code, st = call("PUT", "/api/v1/namespaces/default/configmaps/decoded", {"metadata": {"name": "decoded", "labels": []}})
        self.assertEqual(code, 400, st)
        code, st = call("PATCH", "/api/v1/namespaces/default/configmaps/decoded", {"metadata": {"finalizers": "x"}},
                        content_type="application/merge-patch+json")
        self.assertEqual(code, 400, st)
        # a limit of 0 or less is no limit: the storage pages only when limit > 0
        code, lst = call("GET", "/api/v1/namespaces/default/configmaps?limit=-1")
        self.assertEqual(code, 200, lst)
        self.assertNotIn("continue", lst["metadata"])
        self.assertIn("decoded", [i["metadata"]["name"] for i in lst["items"]])
        for q in ("watch=1&timeoutSeconds=abc", "timeoutSeconds=abc"):
            code, st = call("GET", "/api/v1/namespaces/default/configmaps?" + q)
            self.assertEqual((code, st["message"]), (400, 'strconv.ParseInt: parsing "abc": invalid syntax'), q)
        pod = {"metadata": {"name": "logs"}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
        self.assertEqual(call("POST", "/api/v1/namespaces/default/pods", pod)[0], 201)
        code, text, _ = call("GET", "/api/v1/namespaces/default/pods/logs/log?tailLines=abc", raw=True)
        self.assertEqual((code, json.loads(text)["message"]), (400, 'strconv.ParseInt: parsing "abc": invalid syntax'))
        code, text, _ = call("GET", "/api/v1/namespaces/default/pods/logs/log?tailLines=-1", raw=True)
        self.assertEqual((code, json.loads(text)["message"]), (422, 'PodLogOptions "logs" is invalid: tailLines: Invalid '
                                                               "value: -1: must be greater than or equal to 0"))
        call("DELETE", "/api/v1/namespaces/default/pods/logs")
        call("DELETE", "/api/v1/namespaces/default/configmaps/decoded")


def load_tests(loader, tests, pattern):
    """controllers_test.py's, escalation_test.py's and rbac_objects_test.py's cases run after these (one CTest,
    kube.apiserver), each module with its own server."""
    import controllers_test
    import escalation_test
    import rbac_objects_test
    tests.addTests(loader.loadTestsFromModule(controllers_test))
    tests.addTests(loader.loadTestsFromModule(escalation_test))
    tests.addTests(loader.loadTestsFromModule(rbac_objects_test))
    return tests

if __name__ == "__main__":
    unittest.main(verbosity=2, argv=sys.argv[:1])
