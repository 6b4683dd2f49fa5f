"""A minimal OpenAPI v3 surface. kubectl 1.32 fetches /openapi/v3 before apply/create to learn
whether the server supports server-side field validation (cli-runtime's queryParamVerifierV3 looks
for a PATCH operation carrying the GVK's x-kubernetes-group-version-kind with a `fieldValidation`
parameter). We serve per group/version documents with exactly those paths and no schemas, so kubectl
uses server-side validation (this server accepts fieldValidation and does not reject unknown fields)
and computes apply patches from its compiled-in types. /openapi/v2 is not served (404), which kubectl
tolerates once v3 answers."""
import hashlib
import json

from aiohttp import web

from status import PlainNotFound

PARAMS = [{"name": n, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
          for n in ("dryRun", "fieldManager", "fieldValidation", "force")]


def _gv_doc(registry, group, version):
    paths = {}
    for r in registry.by_gvr.values():
        if r.group != group or r.version != version:
            continue
        base = "/api/v1" if not group else f"/apis/{group}/{version}"
        coll = f"{base}/namespaces/{{namespace}}/{r.plural}" if r.namespaced else f"{base}/{r.plural}"
        gvk = {"group": group, "version": version, "kind": r.kind}
        op = {"x-kubernetes-group-version-kind": gvk, "parameters": PARAMS,
              "responses": {"200": {"description": "OK"}}}
        paths[coll] = {"post": dict(op, **{"x-kubernetes-action": "post"})}
        if "patch" in r.verbs:
            paths[coll + "/{name}"] = {"patch": dict(op, **{"x-kubernetes-action": "patch"}),
                                       "put": dict(op, **{"x-kubernetes-action": "put"})}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.31.4"}, "paths": paths,
            "components": {"schemas": {}}}


def serve(registry, parts, request):
    if parts[:1] != ["v3"]:
        raise PlainNotFound()
    gvs = sorted({(r.group, r.version) for r in registry.by_gvr.values()})
    if len(parts) == 1:
        root = {}
        for g, v in gvs:
            key = f"apis/{g}/{v}" if g else f"api/{v}"
            h = hashlib.sha512(json.dumps(_gv_doc(registry, g, v), sort_keys=True).encode()).hexdigest().upper()
            root[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={h}"}
        return web.json_response({"paths": root})
    rest = parts[1:]
    if rest[:1] == ["api"] and len(rest) == 2 and ("", rest[1]) in gvs:
        return web.json_response(_gv_doc(registry, "", rest[1]))
    if rest[:1] == ["apis"] and len(rest) == 3 and (rest[1], rest[2]) in gvs:
        return web.json_response(_gv_doc(registry, rest[1], rest[2]))
    raise PlainNotFound()
