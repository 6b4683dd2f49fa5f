"""A plain urllib/ssl client for the test API server (tests/kube/apiserver), shared by its tests:
Api.start() runs `kube.sh start` in a new temporary folder (extra options are passed on)."""
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))

MERGE = "application/merge-patch+json"
APPLY = "application/apply-patch+yaml"
RBAC = "rbac.authorization.k8s.io"


def rbac_paths(ns):
    """The four RBAC collections: Roles and RoleBindings of `ns`, ClusterRoles, ClusterRoleBindings."""
    return (f"/apis/{RBAC}/v1/namespaces/{ns}/roles", f"/apis/{RBAC}/v1/namespaces/{ns}/rolebindings",
            f"/apis/{RBAC}/v1/clusterroles", f"/apis/{RBAC}/v1/clusterrolebindings")


class Api:
    def __init__(self, d):
        self.dir = d
        with open(os.path.join(d, "port")) as f:
            self.base = "https://127.0.0.1:" + f.read().strip()

    @classmethod
    def start(cls, *options, prefix="hort-kube-test."):
        d = tempfile.mkdtemp(prefix=prefix)
        try:
            subprocess.run(["bash", os.path.join(HERE, "kube.sh"), "start", d, *[o.replace("@", d) for o in options]], check=True)
        except subprocess.CalledProcessError:
            shutil.rmtree(d, ignore_errors=True)  # tearDownModule does not run when setUpModule fails
            raise
        return cls(d)

    def stop(self):
        subprocess.run(["bash", os.path.join(HERE, "kube.sh"), "stop", self.dir], check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def ssl_context(self, client_cert=True):
        ctx = ssl.create_default_context(cafile=os.path.join(self.dir, "ca.crt"))
        if client_cert:
            ctx.load_cert_chain(os.path.join(self.dir, "admin.crt"), os.path.join(self.dir, "admin.key"))
        return ctx

    def call(self, method, path, body=None, token=None, content_type="application/json", accept="application/json",
             raw=False, headers=False):
        """(code, parsed JSON) or with raw (code, text, content type); headers=True appends the headers."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": content_type, "Accept": accept, "User-Agent": "apitest/1.0"})
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, context=self.ssl_context(token is None)) as r:
                code, text, hdrs = r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            code, text, hdrs = e.code, e.read(), e.headers
        out = (code, text.decode(), hdrs.get("Content-Type", "")) if raw else (code, json.loads(text))
        return out + (hdrs,) if headers else out
