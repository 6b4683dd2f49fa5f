"""The served API surface: built-in resources from kube-apiserver's own discovery documents
(tests/kube/fixtures) plus the resources of stored CustomResourceDefinitions, and the discovery
endpoints (/api, /apis, aggregated v2, /version) derived from them."""
import copy
import json
import os
import re
from dataclasses import dataclass, field

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
AGG_MEDIA = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
VERSION = {"major": "1", "minor": "31", "gitVersion": "v1.31.4", "gitCommit": "a78aa47129b8539636eb86a9d00e31b2720fe06b",
           "gitTreeState": "clean", "buildDate": "2024-12-10T18:29:01Z", "goVersion": "go1.22.9",
           "compiler": "gc", "platform": "linux/amd64"}
# Kinds whose strategy sets metadata.generation=1 on create (custom resources too, see Resource.generation).
GENERATION_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}


@dataclass
class Resource:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    singular: str = ""
    verbs: list = field(default_factory=list)
    short: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    subresources: dict = field(default_factory=dict)  # name -> responseKind dict
    custom: bool = False

    @property
    def gv(self):
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def has_status(self):
        return "status" in self.subresources

    @property
    def generation(self):
        return self.custom or self.kind in GENERATION_KINDS


KUBE_VERSION = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def kube_aware_key(v):
    """apimachinery's version.CompareKubeAwareVersionStrings as a sort key: GA before beta before alpha before
    versions that are not kube-like (those in name order); within a kind, the higher major, then the higher
    minor, first: v2, v1, v2beta1, v1beta2, v1beta1, v1alpha1, foo, zoo."""
    m = KUBE_VERSION.match(v)
    if not m:
        return (1, 0, 0, 0, v)
    return (0, {None: 0, "beta": 1, "alpha": 2}[m.group(2)], -int(m.group(1)), -int(m.group(3) or 0), "")


class Registry:
    def __init__(self):
        with open(os.path.join(FIXTURES, "aggregated_v2.json")) as f:
            self.builtin_groups = json.load(f)["items"]
        with open(os.path.join(FIXTURES, "api__v1.json")) as f:
            self.core_list = json.load(f)
        self.crd_groups = {}  # crd name -> APIGroupDiscovery item for that CRD's resource
        self.rebuild()

    # ---- lookup -------------------------------------------------------------------------------
    def rebuild(self):
        self.by_gvr = {}
        for e in self.core_list["resources"]:
            if "/" in e["name"]:
                base, sub = e["name"].split("/", 1)
                self.by_gvr[("", "v1", base)].subresources[sub] = {}
                continue
            self.by_gvr[("", "v1", e["name"])] = Resource(
                "", "v1", e["name"], e["kind"], e["namespaced"], e["singularName"], e["verbs"],
                e.get("shortNames", []), e.get("categories", []))
        for item in self.groups():
            g = item["metadata"]["name"]
            for v in item["versions"]:
                for r in v["resources"]:
                    self.by_gvr[(g, v["version"], r["resource"])] = Resource(
                        g, v["version"], r["resource"], r["responseKind"]["kind"], r["scope"] == "Namespaced",
                        r.get("singularResource", ""), r["verbs"], r.get("shortNames", []), r.get("categories", []),
                        {s["subresource"]: s["responseKind"] for s in r.get("subresources", [])},
                        custom=item.get("_custom", False))

    def groups(self):
        out = [g for g in self.builtin_groups]
        merged = {}
        for item in self.crd_groups.values():
            g = item["metadata"]["name"]
            if g in merged:  # several CRDs of one group: merge versions
                for v in item["versions"]:
                    tgt = next((x for x in merged[g]["versions"] if x["version"] == v["version"]), None)
                    if tgt:
                        tgt["resources"] = sorted(tgt["resources"] + v["resources"], key=lambda r: r["resource"])
                    else:
                        merged[g]["versions"].append(v)
            else:
                merged[g] = copy.deepcopy(item)
        return out + [merged[g] for g in sorted(merged)]

    def get(self, group, version, plural):
        return self.by_gvr.get((group, version, plural))

    def served_gv(self, group, version):
        return any(k[0] == group and k[1] == version for k in self.by_gvr)

    def for_kind(self, group, kind):
        return next((r for r in self.by_gvr.values() if r.group == group and r.kind == kind), None)

    # ---- CRDs ---------------------------------------------------------------------------------
    def set_crd(self, crd):
        spec = crd.get("spec", {})
        names = spec.get("names", {})
        vers = []
        # customresource_discovery_controller.go: versions in kube-aware order, the first the preferred one
        for v in sorted(spec.get("versions", []), key=lambda v: kube_aware_key(v.get("name", ""))):
            if not v.get("served", True):
                continue
            r = {"resource": names.get("plural"), "responseKind": {"group": "", "kind": names.get("kind"), "version": ""},
                 "scope": spec.get("scope", "Namespaced"), "singularResource": names.get("singular") or names.get("kind", "").lower(),
                 "verbs": ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"]}
            if names.get("shortNames"):
                r["shortNames"] = names["shortNames"]
            if names.get("categories"):
                r["categories"] = names["categories"]
            if (v.get("subresources") or {}).get("status") is not None:
                r["subresources"] = [{"responseKind": {"group": "", "kind": names.get("kind"), "version": ""},
                                      "subresource": "status", "verbs": ["get", "patch", "update"]}]
            vers.append({"freshness": "Current", "resources": [r], "version": v["name"]})
        self.crd_groups[crd["metadata"]["name"]] = {"metadata": {"name": spec.get("group")}, "versions": vers, "_custom": True}
        self.rebuild()

    def remove_crd(self, name):
        self.crd_groups.pop(name, None)
        self.rebuild()

    # ---- documents ----------------------------------------------------------------------------
    def aggregated(self, core):
        if core:
            items = [{"metadata": {}, "versions": [{"freshness": "Current", "version": "v1",
                                                               "resources": self._core_aggregated()}]}]
        else:
            items = [{k: v for k, v in g.items() if k != "_custom"} for g in self.groups()]
        return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items}

    def _core_aggregated(self):
        out = {}
        for e in self.core_list["resources"]:
            if "/" in e["name"]:
                base, sub = e["name"].split("/", 1)
                rk = {"group": e.get("group", ""), "kind": e["kind"], "version": e.get("version", "")}
                out[base].setdefault("subresources", []).append({"responseKind": rk, "subresource": sub, "verbs": e["verbs"]})
                continue
            r = {"resource": e["name"], "responseKind": {"group": "", "kind": e["kind"], "version": ""},
                 "scope": "Namespaced" if e["namespaced"] else "Cluster", "singularResource": e["singularName"], "verbs": e["verbs"]}
            for k, k2 in (("shortNames", "shortNames"), ("categories", "categories")):
                if e.get(k):
                    r[k2] = e[k]
            out[e["name"]] = r
        return list(out.values())

    def api_versions(self, address):
        return {"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}]}

    def api_group(self, item):
        g = item["metadata"]["name"]
        vs = [{"groupVersion": f"{g}/{v['version']}", "version": v["version"]} for v in item["versions"]]
        return {"name": g, "versions": vs, "preferredVersion": vs[0]}

    def group_list(self):
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [self.api_group(g) for g in self.groups()]}

    def group(self, name):
        item = next((g for g in self.groups() if g["metadata"]["name"] == name), None)
        if item is None:
            return None
        return dict(kind="APIGroup", apiVersion="v1", **self.api_group(item))

    def resource_list(self, group, version):
        if group == "":
            return self.core_list if version == "v1" else None
        for item in self.groups():
            if item["metadata"]["name"] != group:
                continue
            for v in item["versions"]:
                if v["version"] == version:
                    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/{version}",
                            "resources": [x for r in v["resources"] for x in self._entries(r)]}
        return None

    @staticmethod
    def _entries(r):
        e = {"name": r["resource"], "singularName": r.get("singularResource", ""),
             "namespaced": r["scope"] == "Namespaced", "kind": r["responseKind"]["kind"], "verbs": r["verbs"]}
        if r.get("shortNames"):
            e["shortNames"] = r["shortNames"]
        if r.get("categories"):
            e["categories"] = r["categories"]
        yield e
        for s in r.get("subresources", []):
            se = {"name": f"{r['resource']}/{s['subresource']}", "singularName": "", "namespaced": e["namespaced"],
                  "kind": s["responseKind"]["kind"] or e["kind"], "verbs": s["verbs"]}
            if s["responseKind"].get("group"):
                se["group"], se["version"] = s["responseKind"]["group"], s["responseKind"]["version"]
            yield se
