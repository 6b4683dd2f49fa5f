"""What the registry strategies and admission do to an object on create/update: system fields,
defaults, status reset, generation, managedFields, name validation and generateName."""
import base64
import datetime
import json
import random
import re
import uuid

from status import invalid

DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
                 "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
             "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
             "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
               "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
               "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
# Kinds whose names are labels rather than DNS-1123 subdomains: ValidateNamespaceName (DNS-1123 label),
# ValidateServiceName (DNS-1035 label: it starts with a letter).
LABEL_NAMED = {"Namespace": (DNS1123_LABEL, LABEL_MSG), "Service": (DNS1035_LABEL, DNS1035_MSG)}
GENERATE_CHARS = "bcdfghjklmnpqrstvwxz2456789"
SYSTEM_FIELDS = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink")


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


META_ORDER = ["name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
              "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
              "managedFields"]


def ordered(obj, gv, kind):
    """Keys in the order Go writes a typed object: kind, apiVersion, metadata, the rest, status last."""
    meta = obj.get("metadata", {})
    meta = dict(sorted(meta.items(), key=lambda kv: META_ORDER.index(kv[0]) if kv[0] in META_ORDER else len(META_ORDER)))
    out = {"kind": kind, "apiVersion": gv, "metadata": meta}
    out.update((k, v) for k, v in obj.items() if k not in ("kind", "apiVersion", "metadata", "status"))
    if "status" in obj:
        out["status"] = obj["status"]
    return out


def generate_name(prefix):
    return prefix[:58] + "".join(random.choice(GENERATE_CHARS) for _ in range(5))


QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
QUALIFIED_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
QUALIFIED_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
                 "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '" + QUALIFIED_FMT + "')")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
                   "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
                   "for validation is '(" + QUALIFIED_FMT + ")?')")
ANNOTATIONS_LIMIT = 256 * 1024  # TotalAnnotationSizeLimitB


def qualified_name_problems(value):
    """apimachinery's validation.IsQualifiedName: an optional DNS-1123 subdomain prefix and '/', then a name of at
    most 63 characters."""
    parts = value.split("/")
    errs = []
    if len(parts) > 2:
        return ["a qualified name " + QUALIFIED_MSG + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            if len(prefix) > 253:
                errs.append("prefix part must be no more than 253 characters")
            if not DNS1123_SUBDOMAIN.match(prefix):
                errs.append("prefix part " + SUBDOMAIN_MSG)
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    if not QUALIFIED_NAME.match(name):
        errs.append("name part " + QUALIFIED_MSG)
    return errs


def meta_causes(obj):
    """ValidateObjectMeta's checks after the name, in its order: labels (ValidateLabels), annotations (keys,
    total size), ownerReferences, finalizers; [(field, reason, message)] with kube's texts. Go walks the maps in
    random order; here their keys are sorted."""
    meta = obj.get("metadata") or {}
    causes = []

    def bad(field, value, msg):
        causes.append((field, "FieldValueInvalid", f"Invalid value: {json.dumps(value)}: {msg}"))
    labels = meta.get("labels") or {}
    for k in sorted(labels):
        v = labels[k] if isinstance(labels[k], str) else str(labels[k])
        for msg in qualified_name_problems(k):
            bad("metadata.labels", k, msg)
        if len(v) > 63:
            bad("metadata.labels", v, "must be no more than 63 characters")
        if not LABEL_VALUE.match(v):
            bad("metadata.labels", v, LABEL_VALUE_MSG)
    annotations = meta.get("annotations") or {}
    for k in sorted(annotations):
        for msg in qualified_name_problems(k.lower()):
            bad("metadata.annotations", k, msg)
    if sum(len(k) + len(str(v)) for k, v in annotations.items()) > ANNOTATIONS_LIMIT:
        causes.append(("metadata.annotations", "FieldValueTooLong", f"Too long: must have at most {ANNOTATIONS_LIMIT} bytes"))
    controller = ""
    for ref in meta.get("ownerReferences") or []:
        av = ref.get("apiVersion", "")
        if not av.split("/")[-1]:
            bad("metadata.ownerReferences.apiVersion", av, "version must not be empty")
        if not ref.get("kind"):
            bad("metadata.ownerReferences.kind", ref.get("kind", ""), "kind must not be empty")
        if not ref.get("name"):
            bad("metadata.ownerReferences.name", ref.get("name", ""), "name must not be empty")
        if not ref.get("uid"):
            bad("metadata.ownerReferences.uid", ref.get("uid", ""), "uid must not be empty")
        if ref.get("controller"):
            cur = f'{ref.get("kind", "")}/{ref.get("name", "")}'
            if controller:
                causes.append(("metadata.ownerReferences", "FieldValueInvalid", "Invalid value: []v1.OwnerReference{...}: "
                               f'Only one reference can have Controller set to true. Found "true" in references for {controller} and {cur}'))
            else:
                controller = cur
    for f in meta.get("finalizers") or []:
        for msg in qualified_name_problems(f):
            bad("metadata.finalizers", f, msg)
    return causes


def validate_name(res, obj):
    """The name checks of kinds other than RBAC's (rbac_objects validates those with the rest of them), then the
    rest of ValidateObjectMeta (meta_causes), all in one 422."""
    meta = obj.get("metadata", {})
    name = meta.get("name", "")
    group = res.group
    if not name:
        raise invalid(res.kind, "", group, [("metadata.name", "FieldValueRequired",
                                             "Required value: name or generateName is required")] + meta_causes(obj))
    label = res.kind in LABEL_NAMED and not res.group
    pattern, msg = LABEL_NAMED[res.kind] if label else (DNS1123_SUBDOMAIN, SUBDOMAIN_MSG)
    limit = 63 if label else 253
    causes = []
    if len(name) > limit:
        causes.append(("metadata.name", "FieldValueInvalid", f'Invalid value: "{name}": must be no more than {limit} characters'))
    if not pattern.match(name):
        causes.append(("metadata.name", "FieldValueInvalid", f'Invalid value: "{name}": {msg}'))
    causes += meta_causes(obj)
    if causes:
        raise invalid(res.kind, name, group, causes)


def normalize(res, obj):
    """What conversion does on every write: a Secret's stringData goes into data (base64), type defaults."""
    if res.kind == "Secret":
        data = obj.setdefault("data", {}) if obj.get("stringData") else obj.get("data")
        for k, v in (obj.pop("stringData", None) or {}).items():
            data[k] = base64.b64encode(str(v).encode()).decode()
        obj.setdefault("type", "Opaque")


META_STRINGS = ("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "creationTimestamp",
                "deletionTimestamp")


# Built-in kinds with spec and status structs (<version>.<Kind>Spec); others ignore such fields as unknown.
SPEC_KINDS = {"Pod", "Service", "PersistentVolumeClaim", "PersistentVolume", "Namespace", "Node", "Deployment",
              "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "ResourceQuota",
              "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget", "CustomResourceDefinition", "VolumeAttachment"}


def _json_kind(v):
    return {str: "string", bool: "bool", list: "array", dict: "object"}.get(type(v), "number")


def decode_problem(res, obj):
    """The message of the 400 kube answers for a body its JSON decoder cannot read into the typed object (Go's
    UnmarshalTypeError through sigs.k8s.io/json): metadata not an object or a string field of it not a string,
    labels/annotations not string maps, finalizers not strings, a built-in kind's spec or status not an object.
    Custom resources are read unstructured: only their metadata is checked. None when it decodes."""
    kind, version = res.kind, res.version

    def err(struct, field, value, gotype):
        return (f'{kind} in version "{version}" cannot be handled as a {kind}: json: cannot unmarshal '
                f"{_json_kind(value)} into Go struct field {struct}.{field} of type {gotype}")
    meta = obj.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        return err(kind, "metadata", meta, "v1.ObjectMeta")
    for f in META_STRINGS if meta else ():
        if meta.get(f) is not None and not isinstance(meta[f], str):
            gotype = "v1.Time" if f.endswith("Timestamp") else "types.UID" if f == "uid" else "string"
            return err("ObjectMeta", f"metadata.{f}", meta[f], gotype)
    for f in ("labels", "annotations") if meta else ():
        m = meta.get(f)
        if m is not None and not isinstance(m, dict):
            return err("ObjectMeta", f"metadata.{f}", m, "map[string]string")
        for k, v in (m or {}).items():
            if v is not None and not isinstance(v, str):
                return err("ObjectMeta", f"metadata.{f}", v, "string")
    fin = meta.get("finalizers") if meta else None
    if fin is not None and (not isinstance(fin, list) or any(not isinstance(x, str) for x in fin)):
        return err("ObjectMeta", "metadata.finalizers", fin if not isinstance(fin, list) else
                   next(x for x in fin if not isinstance(x, str)), "[]string" if not isinstance(fin, list) else "string")
    if not res.custom and kind in SPEC_KINDS:
        for f in ("spec", "status"):
            if obj.get(f) is not None and not isinstance(obj[f], dict):
                return err(kind, f, obj[f], f"{version}.{kind}{f.capitalize()}")
    return None


def prepare_create(res, obj, ip_counter):
    """Defaults and system fields for a new object (obj already has its final name/namespace)."""
    meta = obj["metadata"]
    meta["uid"] = str(uuid.uuid4())
    meta["creationTimestamp"] = now()
    if res.generation:
        meta["generation"] = 1
    if res.has_status:
        obj.pop("status", None)
    kind = res.kind
    if kind == "Namespace":
        meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]
        obj.setdefault("spec", {})["finalizers"] = ["kubernetes"]
        obj["status"] = {"phase": "Active"}
    elif kind == "Pod":
        spec = obj.setdefault("spec", {})
        spec.setdefault("restartPolicy", "Always")
        spec.setdefault("dnsPolicy", "ClusterFirst")
        spec.setdefault("serviceAccountName", spec.get("serviceAccount") or "default")
        spec["serviceAccount"] = spec["serviceAccountName"]
        if spec.get("automountServiceAccountToken") is not False:
            add_api_access_volume(spec)
        spec.setdefault("terminationGracePeriodSeconds", 30)
        for c in spec.get("containers") or []:
            c.setdefault("terminationMessagePath", "/dev/termination-log")
            c.setdefault("terminationMessagePolicy", "File")
            c.setdefault("imagePullPolicy", "Always" if str(c.get("image", "")).endswith(":latest") or ":" not in str(c.get("image", "")) else "IfNotPresent")
        obj["status"] = {"phase": "Pending", "qosClass": qos_class(spec)}
    elif kind == "Service":
        spec = obj.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        # An ExternalName Service is a DNS alias: kube allocates it no cluster IP.
        if spec.get("clusterIP") != "None" and spec["type"] != "ExternalName":
            ip = f"10.43.{ip_counter // 250}.{ip_counter % 250 + 2}"
            spec.setdefault("clusterIP", ip)
            spec.setdefault("clusterIPs", [spec["clusterIP"]])
        spec.setdefault("sessionAffinity", "None")
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
        for p in spec.get("ports") or []:
            p.setdefault("protocol", "TCP")
            if spec["type"] in ("NodePort", "LoadBalancer") and not p.get("nodePort"):
                p["nodePort"] = 30000 + (ip_counter * 7 + len(spec["ports"])) % 2768  # from the 30000-32767 range
            p.setdefault("targetPort", p.get("port"))
        obj["status"] = {"loadBalancer": {}}
    elif kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
        spec = obj.setdefault("spec", {})
        if kind != "DaemonSet":
            spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        obj["status"] = {}
    elif kind == "CustomResourceDefinition":
        spec = obj.get("spec", {})
        obj["status"] = {"acceptedNames": spec.get("names", {}), "storedVersions": [
            v["name"] for v in spec.get("versions", []) if v.get("storage")],
            "conditions": [{"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
                            "message": "no conflicts found", "lastTransitionTime": now()},
                           {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                            "message": "the initial names have been accepted", "lastTransitionTime": now()}]}


API_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"


def add_api_access_volume(spec):
    """ServiceAccount admission's projected token volume (plugin/pkg/admission/serviceaccount,
    mountServiceAccountToken): a volume already named kube-api-access-* is reused, a container that mounts
    anything at the token path is left alone, and the volume is added only when a container needed it. A
    restored pod that carries its old kube-api-access volume and mounts therefore gets no second one."""
    volumes = [v for v in spec.get("volumes") or [] if isinstance(v, dict)]
    name = next((v["name"] for v in volumes if str(v.get("name", "")).startswith("kube-api-access-")), None)
    has_volume = name is not None
    if not has_volume:
        name = "kube-api-access-" + "".join(random.choice(GENERATE_CHARS) for _ in range(5))
    needed = False
    for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        mounts = c.setdefault("volumeMounts", [])
        if any(isinstance(m, dict) and m.get("mountPath") == API_TOKEN_PATH for m in mounts):
            continue
        mounts.append({"name": name, "readOnly": True, "mountPath": API_TOKEN_PATH})
        needed = True
    if needed and not has_volume:
        spec.setdefault("volumes", []).append({"name": name, "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1",
                                                                             "fieldPath": "metadata.namespace"}}]}}]}})


def qos_class(spec):
    """Guaranteed when every container's cpu and memory limits equal its requests (requests default to
    limits), BestEffort when nobody asks for anything, else Burstable (GetPodQOS, simplified)."""
    cs = (spec.get("initContainers") or []) + (spec.get("containers") or [])
    res = [c.get("resources") or {} for c in cs]
    if not any(r.get("requests") or r.get("limits") for r in res):
        return "BestEffort"
    for r in res:
        lim, req = r.get("limits") or {}, dict(r.get("limits") or {}, **(r.get("requests") or {}))
        if any(k not in lim or str(req.get(k)) != str(lim[k]) for k in ("cpu", "memory")):
            return "Burstable"
    return "Guaranteed"


def running_pod(pod):
    """What the scheduler and kubelet would have written by the time anyone looks again."""
    spec, t = pod.setdefault("spec", {}), now()
    spec["nodeName"] = spec.get("nodeName") or "node-1"
    conds = [{"type": ty, "status": "True", "lastProbeTime": None, "lastTransitionTime": t}
             for ty in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")]
    statuses = [{"name": c.get("name"), "image": c.get("image", ""), "imageID": "", "ready": True, "restartCount": 0,
                 "started": True, "containerID": "containerd://" + uuid.uuid4().hex + uuid.uuid4().hex,
                 "state": {"running": {"startedAt": t}}, "lastState": {}} for c in spec.get("containers") or []]
    pod["status"] = {"phase": "Running", "conditions": conds, "hostIP": "10.0.0.11", "hostIPs": [{"ip": "10.0.0.11"}],
                     "podIP": "10.42.0.%d" % random.randint(2, 250), "startTime": t, "containerStatuses": statuses,
                     "qosClass": pod.get("status", {}).get("qosClass", "BestEffort")}
    pod["status"]["podIPs"] = [{"ip": pod["status"]["podIP"]}]
    return pod
