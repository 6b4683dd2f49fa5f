"""A test Kubernetes API server: kube-apiserver's HTTP behaviour on an in-memory store, for hort's
Kubernetes client tests and kubectl. See tests/kube/README.md.
Usage: main.py --port N --cert F --key F --client-ca F --token-file F --state DIR [--ready FILE]
               [--nodes NAME=DIR,...] [--pvc-root DIR]"""
import argparse
import asyncio
import os
import shutil
import ssl
import sys
import traceback

from aiohttp import web

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exec as execmod  # noqa: E402
import jobs  # noqa: E402
import lists  # noqa: E402
import objects  # noqa: E402
import openapi  # noqa: E402
import protection  # noqa: E402
import rbac  # noqa: E402
import reviews  # noqa: E402
import scale  # noqa: E402
import system  # noqa: E402
import tables  # noqa: E402
import watch  # noqa: E402
from auth import Authenticator  # noqa: E402
from discovery import AGG_MEDIA, VERSION, Registry  # noqa: E402
from handlers import Ctx, Handlers, parse_body  # noqa: E402
from kubelet import Kubelet, parse_nodes  # noqa: E402
from provisioner import Provisioner  # noqa: E402
from status import ApiError, PlainNotFound, invalid, json_response  # noqa: E402
from store import Store  # noqa: E402

START_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
# The namespace controller's pace: the first pass over a Terminating namespace comes this long after the
# DELETE (so a client sees the phase), a namespace whose objects finalizers hold is looked at again this often.
NAMESPACE_CONTROLLER_DELAY, NAMESPACE_RECHECK = 0.3, 0.2
VERB = {"GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


class Server:
    def __init__(self, token_file, state, ca_file, nodes=None, pvc_root=None):
        self.store, self.registry, self.state = Store(), Registry(), state
        with open(ca_file) as f:
            self.ca_pem = f.read()
        self.auth = Authenticator(token_file, lambda ns, name: (self.store.get(("", "serviceaccounts"), ns, name) or {})
                                  .get("metadata", {}).get("uid"))
        self.authorizer = rbac.Authorizer(self.store)
        self.h = Handlers(self)
        self.ip_counter = 0
        self.issued_continues, self.expired_continues = set(), set()
        for plural, obj in rbac.bootstrap_objects():
            self._seed(rbac.RBAC, "v1", plural, "", obj)
        # stand-ins for the scheduler, kubelets, Job controller and provisioner (kubelet.py, jobs.py, provisioner.py)
        self.kubelet = Kubelet(self, nodes, pvc_root) if nodes else None
        self.jobs, self.provisioner = jobs.Jobs(self, bool(nodes)), Provisioner(self, pvc_root)
        for ns in START_NAMESPACES:
            self._seed("", "v1", "namespaces", "", {"metadata": {"name": ns}})
        if self.kubelet:
            self.kubelet.register_nodes()

    def _seed(self, group, version, plural, ns, obj):
        system.create(self, (group, plural), ns, obj, "kube-apiserver")

    # ---- hooks the handlers call --------------------------------------------------------------
    def admit(self, res, obj):
        if res.kind == "Job":
            self.jobs.admit(obj)
        protection.admit(res.kind, obj)

    def default_policy(self, c, opts):
        return jobs.default_policy(c, opts)

    def after_write(self, res, obj):
        if res.kind == "CustomResourceDefinition":
            self.registry.set_crd(obj)
        elif res.kind == "PersistentVolumeClaim" and self.kubelet:
            self.kubelet.claim_changed(obj["metadata"]["namespace"])
        if res.kind in ("PersistentVolumeClaim", "PersistentVolume") and not res.group:
            protection.check(self, res.kind, obj)

    def created(self, res, obj):
        meta = obj["metadata"]
        if res.kind == "Namespace":  # what the serviceaccount and root-ca-cert-publisher controllers add
            self._seed("", "v1", "serviceaccounts", meta["name"], {"metadata": {"name": "default"}})
            self._seed("", "v1", "configmaps", meta["name"], {"metadata": {"name": "kube-root-ca.crt", "annotations": {
                "kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when "
                                             "using internal endpoints such as the internal service IP or kubernetes.default.svc. "
                                             "No other usage is guaranteed across distributions of Kubernetes clusters."}},
                "data": {"ca.crt": self.ca_pem}})
        elif res.kind == "Pod":
            for c in obj.get("spec", {}).get("containers") or []:
                os.makedirs(execmod.container_dir(self.state, meta["namespace"], meta["name"], c.get("name")), exist_ok=True)
            asyncio.get_event_loop().call_soon(self.kubelet.pod_created if self.kubelet else self._kubelet,
                                               meta["namespace"], meta["name"], meta["uid"])
        elif res.kind == "Job":
            self.jobs.created(obj)
        elif res.kind == "PersistentVolumeClaim":
            self.provisioner.claim_created(obj)

    def terminate_namespace(self, name, uid):
        """The namespace controller, after NAMESPACE_CONTROLLER_DELAY: deletes every object of the Terminating
        namespace (Background propagation, each as a DELETE: finalizers hold), and once none is left removes
        the `kubernetes` finalizer and the namespace; while some remain, it looks again every
        NAMESPACE_RECHECK seconds."""
        asyncio.get_event_loop().call_later(NAMESPACE_CONTROLLER_DELAY, self._namespace_controller, name, uid)

    def _namespace_controller(self, name, uid):
        ns = self.store.get(("", "namespaces"), "", name)
        if ns is None or ns["metadata"]["uid"] != uid:
            return
        left = 0
        for gr in self.store.groups():
            if gr == ("", "namespaces"):
                continue
            for key, o in list(self.store.list(gr, name)):
                left += 1
                if not o["metadata"].get("deletionTimestamp") and any(
                        (r.group, r.plural) == gr for r in self.registry.by_gvr.values()):
                    try:
                        system.delete(self, gr, name, key, "kube-controller-manager", propagationPolicy="Background")
                    except ApiError as e:  # the controller logs and retries on its next pass
                        print(f"namespace controller: deleting {gr} {name}/{key}: {e.message}", file=sys.stderr)
                elif not o["metadata"].get("deletionTimestamp"):  # a kind no longer served (its CRD went)
                    self.store.delete(gr, name, key)
        if left and any(True for gr in self.store.groups() if gr != ("", "namespaces")
                        for _ in self.store.list(gr, name)):
            asyncio.get_event_loop().call_later(NAMESPACE_RECHECK, self._namespace_controller, name, uid)
            return
        # the finalize subresource, then the namespace's delete: the update that empties spec.finalizers completes
        # it unless metadata.finalizers still hold it (handlers.write_update)
        ns["spec"] = dict(ns.get("spec") or {}, finalizers=[])
        system.update(self, ("", "namespaces"), ns, "kube-controller-manager")

    def _kubelet(self, ns, name, uid):
        pod = self.store.get(("", "pods"), ns, name)
        if pod and pod["metadata"]["uid"] == uid:
            self.store.put(("", "pods"), ns, name, objects.running_pod(pod))

    def deleted(self, res, obj, policy=None, grace=None):
        meta = obj["metadata"]
        if res.kind == "Pod":
            if self.kubelet:
                self.kubelet.pod_deleted(obj, grace)
            self.jobs.pod_deleted(obj)
            protection.pods_changed(self, meta["namespace"])
        elif res.kind == "Job":
            self.jobs.deleted(obj, policy)
        elif res.kind == "PersistentVolumeClaim":
            self.provisioner.claim_deleted(obj)
        elif res.kind == "Namespace":  # its contents are gone already (terminate_namespace)
            shutil.rmtree(os.path.join(self.state, "containers", meta["name"]), ignore_errors=True)
        elif res.kind == "CustomResourceDefinition":
            gr = (obj["spec"]["group"], obj["spec"]["names"]["plural"])
            for key, o in list(self.store.list(gr)):
                self.store.delete(gr, o["metadata"].get("namespace", ""), o["metadata"]["name"])
            self.registry.remove_crd(meta["name"])

    def pod_log(self, c):
        """pods/log: the file <state>/logs/<ns>/<pod>/<container>.log (tests write it; empty if absent)."""
        pod = self.h.live(c)
        names = [x.get("name") for x in (pod.get("spec") or {}).get("containers") or []]
        container = c.q.get("container") or (names[0] if len(names) == 1 else "")
        if container not in names:
            raise ApiError(400, f"container {container} is not valid for pod {c.name}" if container else
                           f"a container name must be specified for pod {c.name}, choose one of: [{' '.join(names)}]", "BadRequest")
        path = os.path.join(self.state, "logs", c.ns, c.name, f"{container}.log")
        text = open(path, encoding="utf-8", errors="replace").read() if os.path.exists(path) else ""
        if c.q.get("tailLines"):
            n = lists.parse_int(c.q["tailLines"])  # 400 as kube's parameter codec
            if n < 0:
                raise invalid("PodLogOptions", c.name, "", [("tailLines", "FieldValueInvalid",
                                                             f"Invalid value: {n}: must be greater than or equal to 0")])
            text = "".join(text.splitlines(True)[-n:]) if n else ""
        return web.Response(text=text, content_type="text/plain")

    def printer(self, res):
        if not res.custom:
            return None
        crd = self.store.get(("apiextensions.k8s.io", "customresourcedefinitions"), "", f"{res.plural}.{res.group}") or {}
        v = next((v for v in crd.get("spec", {}).get("versions", []) if v.get("name") == res.version), {})
        return tables.crd_printer(v.get("additionalPrinterColumns"))

    def validate_crd(self, crd):
        spec, name = crd.get("spec") or {}, crd["metadata"]["name"]
        names = spec.get("names") or {}
        causes = []
        if name != f"{names.get('plural')}.{spec.get('group')}":
            causes.append(("metadata.name", "FieldValueInvalid", f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group'))
        if spec.get("scope") not in ("Namespaced", "Cluster"):
            causes.append(("spec.scope", "FieldValueNotSupported", f'Unsupported value: "{spec.get("scope", "")}": supported values: "Cluster", "Namespaced"'))
        if not names.get("kind"):
            causes.append(("spec.names.kind", "FieldValueRequired", "Required value"))
        if not spec.get("versions"):
            causes.append(("spec.versions", "FieldValueInvalid", "Invalid value: \"null\": must have exactly one version marked as storage version"))
        if causes:
            raise invalid("CustomResourceDefinition", name, "apiextensions.k8s.io", causes)

    # ---- HTTP ------------------------------------------------------------------------------------
    async def handle(self, request):
        try:
            user = self.auth.authenticate(request)
            return await self.route(request, user)
        except ApiError as e:
            return json_response(e.body(), e.code)
        except PlainNotFound:
            return web.Response(status=404, text="404 page not found\n")
        except (web.HTTPException, asyncio.CancelledError, ConnectionResetError):
            raise
        except Exception as e:  # a bug here: answer as kube's InternalError and keep the traceback in the log
            traceback.print_exc()
            err = ApiError(500, f"Internal error occurred: {type(e).__name__}: {e}", "InternalError",
                           {"causes": [{"message": f"{type(e).__name__}: {e}"}]})
            return json_response(err.body(), 500)

    def nonresource(self, user, request):
        # non-resource requests are authorized with the lower-cased HTTP method as the verb
        self.authorizer.check(user, rbac.Attrs(request.method.lower(), path=request.path))

    async def route(self, request, user):
        parts = [p for p in request.path.split("/") if p]
        if parts[:1] == ["_test"]:
            return self.control(request, user, parts[1:])
        if not parts or parts[0] in ("version", "healthz", "livez", "readyz", "openapi") or \
                (parts[0] == "api" and len(parts) <= 2) or (parts[0] == "apis" and len(parts) <= 3):
            self.nonresource(user, request)
            return self.discovery(request, parts)
        if parts[0] == "api" and parts[1] == "v1":
            group, version, rest = "", "v1", parts[2:]
        elif parts[0] == "apis" and self.registry.served_gv(parts[1], parts[2]):
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise PlainNotFound()
        ns = ""
        if rest[0] == "namespaces" and len(rest) >= 3:
            r = self.registry.get(group, version, rest[2])
            if r is not None and r.namespaced:
                ns, rest = rest[1], rest[2:]
        res = self.registry.get(group, version, rest[0])
        if res is None or len(rest) > 3 or (res.namespaced and not ns and len(rest) > 1) or (not res.namespaced and ns):
            raise PlainNotFound()
        name, sub = (rest + ["", ""])[1:3]
        if sub and sub not in res.subresources:
            raise PlainNotFound()
        m = request.method
        if m not in VERB:
            raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
        verb = VERB[m]
        if m == "GET" and not name:
            verb = "watch" if request.query.get("watch") in ("1", "true") else "list"
        if m == "DELETE" and not name:
            verb = "deletecollection"
        if sub in ("exec", "attach", "portforward"):
            verb = "create"  # a WebSocket GET is authorized as create (kube-apiserver >= 1.35 checks create)
        self.authorizer.check(user, rbac.Attrs(verb, group, res.plural, sub, name, ns))
        c = Ctx(res, ns, name, sub, request.query, user, request.headers.get("User-Agent", ""))
        status, body = await self.dispatch(request, c, verb)
        if isinstance(body, web.StreamResponse):
            return body
        warnings = [("Warning", f'299 - "{w}"') for w in c.warnings]
        if verb in ("get", "list") and not c.sub and status == 200 and tables.wants_table(request.headers.get("Accept", "")):
            objs = body.get("items", []) if verb == "list" else [body]
            meta = body["metadata"] if verb == "list" else {"resourceVersion": body["metadata"].get("resourceVersion", "")}
            body = tables.table(c.res, objs, meta, request.query.get("includeObject", "Metadata"), self.printer(c.res))
        resp = json_response(body, status)
        for k, v in warnings:
            resp.headers.add(k, v)
        return resp

    async def dispatch(self, request, c, verb):
        raw = await request.read() if request.method in ("POST", "PUT", "PATCH", "DELETE") else b""
        ctype = request.headers.get("Content-Type", "application/json")
        if c.sub == "exec":
            return 101, await execmod.handle(self, request, c.ns, c.name)
        if c.sub == "token" and c.res.plural == "serviceaccounts" and verb == "create":
            return reviews.token_request(self, c.ns, c.name, parse_body(raw, ctype))
        if c.sub == "log" and verb == "get":
            return 200, self.pod_log(c)
        if c.sub == "scale":
            return scale.handle(self.h, c, verb, raw, ctype)
        if c.sub not in ("", "status"):
            raise PlainNotFound()
        if c.res.plural in reviews.VIRTUAL:
            if verb != "create":
                raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
            return reviews.review(self, c.res, c.ns, c.user, parse_body(raw, ctype))
        if verb == "list":
            return self.h.list(c)
        if verb == "watch":
            return 200, await watch.handle(self, request, c)
        if verb == "get":
            return self.h.get(c)
        if verb == "create":
            if c.name:
                raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
            return self.h.create(c, parse_body(raw, ctype))
        if verb == "update":
            return self.h.update(c, parse_body(raw, ctype), put=True)
        if verb == "patch":
            return self.h.patch(c, raw, ctype)
        if verb == "delete":
            return self.h.delete(c, parse_body(raw, ctype) if raw else {})
        return self.h.delete_collection(c)

    def discovery(self, request, parts):
        accept = request.headers.get("Accept", "")
        agg = "as=APIGroupDiscoveryList" in accept.replace(" ", "") and "v=v2" in accept
        if not parts:
            paths = ["/api", "/api/v1", "/apis"] + [f"/apis/{g['metadata']['name']}" for g in self.registry.groups()]
            return json_response({"paths": sorted(paths + ["/version", "/openapi/v2", "/openapi/v3", "/healthz", "/livez", "/readyz"])})
        if parts[0] in ("healthz", "livez", "readyz"):
            return web.Response(text="ok")
        if parts[0] == "version":
            return json_response(VERSION)
        if parts[0] == "openapi":
            return openapi.serve(self.registry, parts[1:], request)
        if parts == ["api"]:
            return json_response(self.registry.aggregated(True), content_type=AGG_MEDIA) if agg else \
                json_response(self.registry.api_versions(request.host))
        if parts == ["apis"]:
            return json_response(self.registry.aggregated(False), content_type=AGG_MEDIA) if agg else \
                json_response(self.registry.group_list())
        if parts[0] == "api":
            doc = self.registry.resource_list("", parts[1])
        elif len(parts) == 2:
            doc = self.registry.group(parts[1])
        else:
            doc = self.registry.resource_list(parts[1], parts[2])
        if doc is None:
            raise PlainNotFound()
        return json_response(doc)

    def control(self, request, user, parts):
        """The test control API; see tests/kube/README.md."""
        if not user.masters:
            raise ApiError(403, f'forbidden: User "{user.name}" cannot use the test control API', "Forbidden", {})
        if request.method == "POST" and parts == ["expire-continue"]:
            self.expired_continues |= self.issued_continues
            return json_response({"expired": len(self.issued_continues)})
        if request.method == "POST" and parts == ["expire-tokens"]:
            n = len(self.auth.issued)
            self.auth.expire_all()
            return json_response({"expired": n})
        if request.method == "POST" and parts == ["compact"]:
            self.store.compacted = self.store.rv
            return json_response({"compactedAt": str(self.store.rv)})
        if request.method == "GET" and parts == ["state"]:
            return json_response({"resourceVersion": str(self.store.rv), "issuedContinues": len(self.issued_continues),
                                  "issuedTokens": len(self.auth.issued)})
        raise PlainNotFound()


def main():
    ap = argparse.ArgumentParser()
    for a in ("--cert", "--key", "--client-ca", "--token-file", "--state", "--ready"):
        ap.add_argument(a)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--nodes", help="simulated nodes: NAME=KUBELET_ROOT_DIR,...")
    ap.add_argument("--pvc-root", help="claims' data in DIR/<ns>/<claim>/; enables the provisioner")
    args = ap.parse_args()
    server = Server(args.token_file, args.state, args.client_ca, parse_nodes(args.nodes), args.pvc_root)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=args.client_ca)
    ctx.load_cert_chain(args.cert, args.key)
    ctx.verify_mode = ssl.CERT_OPTIONAL  # client certificates or bearer tokens
    ctx.set_alpn_protocols(["http/1.1"])
    app = web.Application(client_max_size=64 << 20)
    app.router.add_route("*", "/{tail:.*}", server.handle)

    async def ready(_app):
        if args.ready:
            with open(args.ready, "w") as f:
                f.write(str(os.getpid()))
    app.on_startup.append(ready)
    if server.kubelet:
        app.on_shutdown.append(server.kubelet.shutdown)
    web.run_app(app, host="127.0.0.1", port=args.port, ssl_context=ctx, print=None,
                access_log_format='%t "%r" %s %b "%{User-Agent}i"')


if __name__ == "__main__":
    main()
