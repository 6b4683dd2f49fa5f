"""Authentication as kube-apiserver configures it with --client-ca-file, --token-auth-file and
ServiceAccount tokens from the TokenRequest API. Unknown, malformed or expired credentials give 401
(no anonymous access: a test that forgets its credentials should fail, not get system:anonymous)."""
import base64
import csv
import hashlib
import hmac
import json
import os
import time
import uuid

from status import ApiError


def unauthorized():
    return ApiError(401, "Unauthorized", "Unauthorized")


class User:
    def __init__(self, name, groups, uid="", extra=None):
        self.name, self.uid, self.extra = name, uid, extra or {}
        self.groups = list(groups) + (["system:authenticated"] if "system:authenticated" not in groups else [])

    @property
    def masters(self):
        return "system:masters" in self.groups


def _b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class Authenticator:
    def __init__(self, token_file, account_uid=None):
        # account_uid(ns, name) -> the ServiceAccount's current uid or None: a bound token dies with its account
        self.account_uid = account_uid or (lambda ns, name: None)
        self.static = {}
        if token_file and os.path.exists(token_file):
            with open(token_file, newline="") as f:
                for row in csv.reader(f):
                    if len(row) >= 3 and not row[0].startswith("#"):
                        groups = [g for g in (row[3].split(",") if len(row) > 3 else []) if g]
                        self.static[row[0]] = (row[1], row[2], groups)
        self.key = os.urandom(32)
        self.issued = {}       # token -> (User, expiry epoch)
        self.generation = 0    # bumped by /_test/expire-tokens; tokens remember the one they were issued in

    def authenticate(self, request):
        # kube-apiserver's union authenticator order: the x509 client certificate first, then bearer tokens
        cert = request.transport.get_extra_info("peercert") if request.transport else None
        if cert:
            subject = [kv for rdn in cert.get("subject", ()) for kv in rdn]
            cn = next((v for k, v in subject if k == "commonName"), None)
            if cn:
                return User(cn, [v for k, v in subject if k == "organizationName"])
        h = request.headers.get("Authorization", "")
        if h.startswith("Bearer "):
            tok = h[7:].strip()
            if tok in self.static:
                name, uid, groups = self.static[tok]
                return User(name, groups, uid)
            got = self.issued.get(tok)
            if got and got[1] > time.time() and got[2] == self.generation:
                _, _, ns, sa = got[0].name.split(":", 3)
                if self.account_uid(ns, sa) == got[0].uid:
                    return got[0]
        raise unauthorized()

    def issue(self, ns, sa, sa_uid, audiences, seconds):
        """A JWT shaped like the kube-apiserver's (HS256 here: nobody verifies it but us)."""
        now = int(time.time())
        exp = now + seconds
        claims = {"aud": audiences, "exp": exp, "iat": now, "iss": "https://kubernetes.default.svc.cluster.local",
                  "jti": str(uuid.uuid4()), "nbf": now, "sub": f"system:serviceaccount:{ns}:{sa}",
                  "kubernetes.io": {"namespace": ns, "serviceaccount": {"name": sa, "uid": sa_uid}}}
        head = _b64(json.dumps({"alg": "HS256", "kid": "test"}).encode())
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        sig = _b64(hmac.new(self.key, f"{head}.{body}".encode(), hashlib.sha256).digest())
        tok = f"{head}.{body}.{sig}"
        user = User(f"system:serviceaccount:{ns}:{sa}", ["system:serviceaccounts", f"system:serviceaccounts:{ns}"], sa_uid)
        self.issued[tok] = (user, exp, self.generation)
        return tok, exp

    def expire_all(self):
        self.generation += 1
