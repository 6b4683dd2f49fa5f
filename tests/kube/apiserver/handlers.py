"""Resource verbs (create/get/list/update/patch/delete, status subresource) on the store, with
kube-apiserver's checks and answers (reference: apiserver pkg/endpoints/handlers and
pkg/registry/generic/registry)."""
import copy
import json

import yaml

import escalation
import lists
import objects
import protobuf
import quantity
import rbac_objects
import ssa
from rbac import RBAC, Attrs
from status import ApiError, already_exists, bad_request, conflict, invalid, not_found, qualified

CRD = ("apiextensions.k8s.io", "customresourcedefinitions")
# Deletes answered with the deleted object instead of a Success Status (graceful or finalized kinds,
# and custom resources whose registry sets ReturnDeletedObject).
RETURN_DELETED = {"Namespace", "Pod"}
# Kinds whose update strategy has AllowCreateOnUpdate (kubernetes pkg/registry/*/strategy.go, v1.31): a PUT
# of a missing one creates it. Of the kinds served here: Service, Endpoints, LimitRange, Event (core and
# events.k8s.io share its storage), Lease, RuntimeClass and RBAC's four; every other, CRDs and custom
# resources among them, answers 404.
CREATE_ON_UPDATE = {("", "services"), ("", "endpoints"), ("", "limitranges"), ("", "events"),
                    ("events.k8s.io", "events"), ("coordination.k8s.io", "leases"), ("node.k8s.io", "runtimeclasses")} | \
    {(RBAC, p) for p in ("roles", "clusterroles", "rolebindings", "clusterrolebindings")}


class Ctx:
    """One request: the resource, namespace/name/subresource, query and who asks."""

    def __init__(self, res, ns, name, sub, query, user, user_agent):
        self.res, self.ns, self.name, self.sub, self.q, self.user = res, ns, name, sub, query, user
        self.gr = (res.group, res.plural)
        self.manager = query.get("fieldManager") or (user_agent.split("/")[0] if user_agent else "unknown")
        self.warnings = []  # sent as Warning headers

    @property
    def dry(self):
        v = self.q.getall("dryRun", []) if hasattr(self.q, "getall") else []
        for x in v:
            if x != "All":
                raise invalid("CreateOptions", "", "meta.k8s.io", [
                    ("dryRun", "FieldValueNotSupported", f'Unsupported value: "{x}": supported values: "All"')])
        return bool(v)


def parse_body(raw, content_type):
    if content_type.startswith("application/vnd.kubernetes.protobuf"):
        return protobuf.decode(raw)
    try:
        if content_type.startswith("application/apply-patch+yaml") or content_type.startswith("application/yaml"):
            return yaml.safe_load(raw.decode() or "{}")
        return json.loads(raw or b"{}")
    except (ValueError, yaml.YAMLError) as e:
        raise bad_request(f"couldn't get version/kind; json parse error: {e}")


class Handlers:
    def __init__(self, server):
        self.s = server  # main.Server: store, registry, hooks

    # ---- helpers --------------------------------------------------------------------------------
    def out(self, c, obj):
        """An object as served at the request's group/version."""
        return objects.ordered(copy.deepcopy(obj), c.res.gv, c.res.kind)

    def live(self, c):
        obj = self.s.store.get(c.gr, c.ns, c.name)
        if obj is None:
            raise not_found(c.res.group, c.res.plural, c.name)
        return obj

    def check_namespace(self, c, name=""):
        """NamespaceLifecycle admission of a create: 404 for a missing namespace, 403 for one being terminated."""
        if not c.res.namespaced:
            return
        ns = self.s.store.get(("", "namespaces"), "", c.ns)
        if ns is None:
            raise ApiError(404, f'namespaces "{c.ns}" not found', "NotFound", {"name": c.ns, "kind": "namespaces"})
        if (ns.get("status") or {}).get("phase") == "Terminating":
            d = {"name": name} if name else {}
            if c.res.group:
                d["group"] = c.res.group
            d["kind"] = c.res.plural
            d["causes"] = [{"reason": "NamespaceTerminating", "message": f"namespace {c.ns} is being terminated",
                            "field": "metadata.namespace"}]
            raise ApiError(403, f'{qualified(c.res.group, c.res.plural)} "{name}" is forbidden: unable to create new '
                           f'content in namespace {c.ns} because it is being terminated', "Forbidden", d)

    def check_gv(self, c, obj):
        av = obj.get("apiVersion")
        if av and av != c.res.gv:
            if self.s.registry.get(c.res.group, av.split("/")[-1], c.res.plural) is None or \
                    (av.rsplit("/", 1)[0] if "/" in av else "") != c.res.group:
                raise bad_request(f"the API version in the data ({av}) does not match the expected API version ({c.res.gv})")

    @staticmethod
    def check_decodes(c, obj):
        """A body kube could not decode (a field of the wrong JSON type, a claim's quantities): 400 before
        anything else."""
        p = objects.decode_problem(c.res, obj)
        if not p and c.res.group == "" and not c.sub:
            p = quantity.decode_problem(c.res.kind, obj)
        if p:
            raise bad_request(p)

    @staticmethod
    def rbac_kind(c):
        return c.res.group == RBAC and c.res.kind in rbac_objects.KINDS and not c.sub

    def write(self, c, obj):
        stored = self.s.store.put(c.gr, c.ns, obj["metadata"]["name"], obj)
        self.s.after_write(c.res, stored)
        return stored

    def write_update(self, c, live, new):
        """Stores an update; one that removes the last finalizer of an object marked for deletion
        completes the deletion instead (the object is answered as it was last). A Namespace's last finalizers
        are its spec.finalizers too (the namespace controller's `finalize`)."""
        if live["metadata"].get("deletionTimestamp") and not new["metadata"].get("finalizers") and \
                not (c.res.kind == "Namespace" and (new.get("spec") or {}).get("finalizers")):
            new["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
            self.s.store.delete(c.gr, c.ns, c.name)
            self.s.deleted(c.res, new)
            return new
        return self.write(c, new)

    # ---- create ---------------------------------------------------------------------------------
    def create(self, c, obj, operation="Update", on_update=False):
        """A POST, an apply of a missing object, or with on_update a PUT of a missing one of a kind in
        CREATE_ON_UPDATE (the generic store's Update taking its create path: rest.BeforeCreate, then the
        create authorization of the update handler's withAuthorization)."""
        if not isinstance(obj, dict):
            raise bad_request("Object 'Kind' is missing in '" + json.dumps(obj) + "'")
        dry = c.dry
        if operation == "Apply":
            p = objects.decode_problem(c.res, obj)
            if p:
                raise bad_request(p)
        self.check_gv(c, obj)
        if operation != "Apply":
            self.check_decodes(c, obj)
        if self.rbac_kind(c):  # defaults come with decoding, ahead of everything below
            rbac_objects.default(c.res.kind, obj)
        meta = obj.setdefault("metadata", {})
        if c.res.namespaced:
            if meta.get("namespace") and meta["namespace"] != c.ns:
                raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
            meta["namespace"] = c.ns
        else:
            meta.pop("namespace", None)
        for f in objects.SYSTEM_FIELDS:
            meta.pop(f, None)
        # kube's order: mutating admission (NamespaceLifecycle 404, ServiceAccount), then generateName and
        # validation (422), then storage (500 for a resourceVersion, 409 AlreadyExists)
        self.check_namespace(c, meta.get("name") or "")
        if c.res.kind == "Pod":  # ServiceAccount admission
            sa = (obj.get("spec") or {}).get("serviceAccountName") or (obj.get("spec") or {}).get("serviceAccount") or "default"
            if self.s.store.get(("", "serviceaccounts"), c.ns, sa) is None:
                pod = meta.get("name", "")
                raise ApiError(403, f'pods "{pod}" is forbidden: error looking up service account {c.ns}/{sa}: '
                               f'serviceaccount "{sa}" not found', "Forbidden", {"name": pod, "kind": "pods"})
        # RBAC's storage refuses a grant its creator does not hold before it names or validates the object
        escalation.check(self.s.authorizer, c, obj)
        generated = not on_update and not meta.get("name") and meta.get("generateName")
        if generated:
            meta["name"] = objects.generate_name(meta["generateName"])
        if self.rbac_kind(c):  # the strategy's Validate: name, rules, roleRef and subjects in one answer
            causes = rbac_objects.causes(c.res.kind, obj)
            if causes:
                raise invalid(c.res.kind, meta.get("name") or "", c.res.group, causes)
        else:
            objects.validate_name(c.res, obj)
        name = meta["name"]
        if on_update and not self.s.authorizer.allowed(c.user, Attrs("create", c.res.group, c.res.plural, "", name, c.ns)):
            # withAuthorization: errors.NewForbidden with the authorizer's reason, which RBAC leaves empty
            raise ApiError(403, f'{qualified(c.res.group, c.res.plural)} "{name}" is forbidden: ', "Forbidden",
                           {"name": name, **({"group": c.res.group} if c.res.group else {}), "kind": c.res.plural})
        if not dry and not on_update and meta.get("resourceVersion") not in (None, "", "0"):
            try:
                if int(meta["resourceVersion"]) != 0:
                    raise ApiError(500, "resourceVersion should not be set on objects to be created")
            except ValueError:
                pass  # an unparsable resourceVersion slips through, as kubernetes#113847 describes
        tries = 0
        while (existing := self.s.store.get(c.gr, c.ns, name)) is not None:
            if not generated or tries >= 7:
                e = already_exists(c.res.group, c.res.plural, name)
                if generated:
                    e.message += ", the server was not able to generate a unique name for the object"
                    e.details["retryAfterSeconds"] = 1
                elif existing["metadata"].get("deletionTimestamp"):  # the generic store's Create
                    e.message = "object is being deleted: " + e.message
                raise e
            tries += 1
            name = meta["name"] = objects.generate_name(meta["generateName"])
        meta.pop("resourceVersion", None)
        obj["apiVersion"], obj["kind"] = c.res.gv, c.res.kind
        self.s.ip_counter += c.res.kind == "Service"
        objects.normalize(c.res, obj)
        objects.prepare_create(c.res, obj, self.s.ip_counter)
        self.s.admit(c.res, obj)
        if c.res.custom and c.res.has_status:
            obj.pop("status", None)
        if c.res.kind == "CustomResourceDefinition":
            self.s.validate_crd(obj)
        # supplied ones are the base, but the create changes every field, which moves each to the creator: an
        # entry left owning nothing drops (why Velero patches them back after its create)
        meta["managedFields"] = [m for m in meta.get("managedFields") or [] if m]
        ssa.record_update(None, obj, c.manager, c.res.gv, "", operation)
        if dry:
            return 201, self.out(c, obj)
        stored = self.write(c, obj)
        self.s.created(c.res, stored)
        return 201, self.out(c, stored)

    # ---- read -----------------------------------------------------------------------------------
    def get(self, c):
        return 200, self.out(c, self.live(c))

    def list(self, c):
        items, meta = lists.list_objects(self.s.store, c.res, c.gr, c.ns or None, c.q, self.s.expired_continues)
        if "continue" in meta:
            self.s.issued_continues.add(meta["continue"])
        items = [self.out(c, i) for i in items]
        if not c.res.custom:
            for i in items:
                i.pop("apiVersion", None)
                i.pop("kind", None)
        return 200, {"kind": c.res.kind + "List", "apiVersion": c.res.gv, "metadata": meta, "items": items}

    # ---- update ---------------------------------------------------------------------------------
    def update(self, c, obj, operation="Update", put=False):
        """A PUT (put=True), or the object a patch or an apply made of the live one."""
        dry = c.dry
        if not isinstance(obj, dict):
            raise bad_request("Object 'Kind' is missing")
        self.check_gv(c, obj)
        if put:
            self.check_decodes(c, obj)
        else:  # a patched object kube could not decode either
            p = objects.decode_problem(c.res, obj)
            if p:
                raise bad_request(p)
        if self.rbac_kind(c):  # decoding's defaults; for a patch, of the patched object
            rbac_objects.default(c.res.kind, obj)
        meta = obj.setdefault("metadata", {})
        if meta.get("name") and meta["name"] != c.name:
            raise bad_request(f"the name of the object ({meta['name']}) does not match the name on the URL ({c.name})")
        if c.res.namespaced and meta.get("namespace") and meta["namespace"] != c.ns:
            raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
        # EnsureObjectNamespaceMatchesRequestNamespace: the request's namespace, before the storage compares objects
        if c.res.namespaced:
            meta["namespace"] = c.ns
        else:
            meta.pop("namespace", None)
        live = self.s.store.get(c.gr, c.ns, c.name)
        if live is None:
            if not put or c.sub or c.gr not in CREATE_ON_UPDATE:
                raise not_found(c.res.group, c.res.plural, c.name)
            if meta.get("uid"):  # the body's uid is a precondition, which the missing object fails
                raise ApiError(409, f'Operation cannot be fulfilled on {qualified(c.res.group, c.res.plural)} "{c.name}": '
                               f'Precondition failed: UID in precondition: {meta["uid"]}, UID in object meta: ', "Conflict",
                               {"name": c.name, **({"group": c.res.group} if c.res.group else {}), "kind": c.res.plural})
            meta["name"] = c.name
            return self.create(c, obj, on_update=True)
        # in the storage's update, ahead of the resourceVersion precondition
        escalation.check(self.s.authorizer, c, obj, self.out(c, live), update=True)
        rv = meta.get("resourceVersion")
        if not rv and c.res.custom and operation == "Update":
            # the generic store names the resource, not the kind, here
            raise invalid(c.res.plural, c.name, c.res.group, [("metadata.resourceVersion", "FieldValueInvalid",
                                                               "Invalid value: 0x0: must be specified for an update")])
        if rv and rv != live["metadata"]["resourceVersion"]:
            raise conflict(c.res.group, c.res.plural, c.name)
        if self.rbac_kind(c):  # rest.BeforeUpdate: after the resourceVersion precondition
            causes = rbac_objects.causes(c.res.kind, obj, old=live)
            if causes:
                raise invalid(c.res.kind, c.name, c.res.group, causes)
        new = copy.deepcopy(obj)
        nm = new["metadata"]
        nm["name"] = c.name
        if c.res.namespaced:
            nm["namespace"] = c.ns
        for f in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
            if f in live["metadata"]:
                nm[f] = live["metadata"][f]
            else:
                nm.pop(f, None)
        deleting = bool(live["metadata"].get("deletionTimestamp"))
        if deleting and c.sub != "status":  # ValidateNoNewFinalizers, only once deletion was asked for
            extra = sorted(set(nm.get("finalizers") or []) - set(live["metadata"].get("finalizers") or []))
            if extra:
                listed = ", ".join(f'"{x}"' for x in extra)
                raise invalid(c.res.kind, c.name, c.res.group, [(
                    "metadata.finalizers", "FieldValueForbidden",
                    "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers "
                    f"[]string{{{listed}}}")])
        if c.sub != "status" and not self.rbac_kind(c):  # the strategy's ValidateUpdate: ValidateObjectMeta
            causes = objects.meta_causes(new)
            if causes:
                raise invalid(c.res.kind, c.name, c.res.group, causes)
        if c.sub == "status":
            new = dict(copy.deepcopy(live), status=new.get("status", {}))
        elif c.res.has_status:
            new.pop("status", None)
            if "status" in live:
                new["status"] = live["status"]
        if c.res.generation and c.sub != "status" and _spec(new) != _spec(live):
            nm["generation"] = live["metadata"].get("generation", 1) + 1
        new["apiVersion"], new["kind"] = c.res.gv, c.res.kind
        if c.res.kind == "CustomResourceDefinition" and c.sub != "status":
            self.s.validate_crd(new)
        objects.normalize(c.res, new)
        if not (operation == "Apply" and not c.sub):  # ssa.apply already set them
            mf = obj.get("metadata", {}).get("managedFields")
            # `managedFields: [{}]` resets them; absent or empty keeps the live ones; others are honoured
            nm["managedFields"] = [] if mf == [{}] else [m for m in (mf or live["metadata"].get("managedFields") or []) if m]
            ssa.record_update(live, new, c.manager, c.res.gv, c.sub, operation)
        if dry:
            new["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
            return 200, self.out(c, new)
        return 200, self.out(c, self.write_update(c, live, new))

    def patch(self, c, raw, content_type):
        import patch as patchmod
        body = parse_body(raw, content_type)
        apply = content_type.startswith("application/apply-patch+yaml")
        if apply and not c.q.get("fieldManager"):
            raise invalid("PatchOptions", "", "meta.k8s.io", [("fieldManager", "FieldValueRequired",
                                                               "Required value: is required for apply patch")])
        if apply and not isinstance(body, dict):
            raise bad_request("invalid object")
        live = self.s.store.get(c.gr, c.ns, c.name)
        if live is None:
            if apply and not c.sub:
                body.setdefault("metadata", {})["name"] = c.name
                return self.create(c, body, operation="Apply")
            raise not_found(c.res.group, c.res.plural, c.name)
        if apply and not c.sub:
            merged = ssa.apply(self.out(c, live), body, c.manager, c.res.gv, c.q.get("force") in ("true", "1"))
        else:
            merged = patchmod.apply_patch(content_type, self.out(c, live), body)
        if not isinstance(merged, dict):
            raise bad_request("patch did not produce an object")
        if apply:
            merged.setdefault("metadata", {})["resourceVersion"] = live["metadata"]["resourceVersion"]
        elif not (isinstance(body, dict) and body.get("metadata", {}).get("resourceVersion")):
            merged.setdefault("metadata", {})["resourceVersion"] = live["metadata"]["resourceVersion"]
        return self.update(c, merged, operation="Apply" if apply else "Update")

    # ---- delete ---------------------------------------------------------------------------------
    def delete(self, c, body):
        dry = c.dry
        live = self.live(c)
        opts = body if isinstance(body, dict) else {}
        pol = opts.get("propagationPolicy") or c.q.get("propagationPolicy")
        if pol and pol not in ("Orphan", "Background", "Foreground"):
            raise invalid("DeleteOptions", "", "meta.k8s.io", [("propagationPolicy", "FieldValueNotSupported",
                          f'Unsupported value: "{pol}": supported values: "Foreground", "Background", "Orphan"')])
        pre = (opts.get("preconditions") or {})
        if pre.get("uid") and pre["uid"] != live["metadata"]["uid"]:
            raise conflict(c.res.group, c.res.plural, c.name)
        if pre.get("resourceVersion") and pre["resourceVersion"] != live["metadata"]["resourceVersion"]:
            raise conflict(c.res.group, c.res.plural, c.name)
        if c.res.kind == "Namespace":
            return self.delete_namespace(c, live, dry)
        if live["metadata"].get("finalizers"):
            # the generic store's graceful path: marked, kept until an update removes the last finalizer,
            # answered 200 with the object (Status only for what is gone at once)
            if not live["metadata"].get("deletionTimestamp"):
                live["metadata"]["deletionTimestamp"] = objects.now()
                live["metadata"]["deletionGracePeriodSeconds"] = 0
                if not dry:
                    live = self.write(c, live)
            return 200, self.out(c, live)
        if not dry:
            self.s.store.delete(c.gr, c.ns, c.name)
            self.s.deleted(c.res, live, pol or self.s.default_policy(c, opts), opts.get("gracePeriodSeconds"))
        if c.res.kind in RETURN_DELETED:
            live["metadata"]["deletionTimestamp"] = objects.now()
            if c.res.kind == "Pod":
                live["metadata"]["deletionGracePeriodSeconds"] = opts.get("gracePeriodSeconds", 30)
            else:
                live["status"] = {"phase": "Terminating"}
            return 200, self.out(c, live)
        if c.res.custom or c.res.kind == "CustomResourceDefinition":
            return 200, self.out(c, live)
        d = {"name": c.name}
        if c.res.group:
            d["group"] = c.res.group
        d["kind"] = c.res.plural
        d["uid"] = live["metadata"]["uid"]
        return 200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": d}

    def delete_namespace(self, c, live, dry):
        """pkg/registry/core/namespace/storage's Delete: the first DELETE marks the namespace Terminating (the
        namespace controller, main.Server.terminate_namespace, then removes its contents and it); a later one,
        while spec.finalizers still holds it, is a 409."""
        meta = live["metadata"]
        if meta.get("deletionTimestamp"):
            if (live.get("spec") or {}).get("finalizers"):
                raise ApiError(409, f'Operation cannot be fulfilled on namespaces "{c.name}": The system is ensuring all '
                               "content is removed from this namespace.  Upon completion, this namespace will "
                               "automatically be purged by the system.", "Conflict", {"name": c.name, "kind": "namespaces"})
            return 200, self.out(c, live)
        meta["deletionTimestamp"] = objects.now()
        live["status"] = dict(live.get("status") or {}, phase="Terminating")
        if dry:
            return 200, self.out(c, live)
        stored = self.write(c, live)
        self.s.terminate_namespace(c.name, meta["uid"])
        return 200, self.out(c, stored)

    def delete_collection(self, c):
        items, _ = lists.list_objects(self.s.store, c.res, c.gr, c.ns or None,
                                      {k: v for k, v in c.q.items() if k in ("labelSelector", "fieldSelector")}, set())
        # the generic store's DeleteCollection: a Delete of each listed item, so finalizers hold (and a
        # Namespace's or Job's own rules apply); the answer is the list as it was read
        opts = {"propagationPolicy": c.q["propagationPolicy"]} if c.q.get("propagationPolicy") else {}
        for o in items:
            one = copy.copy(c)
            one.ns, one.name = o["metadata"].get("namespace", ""), o["metadata"]["name"]
            try:
                self.delete(one, dict(opts))
            except ApiError as e:
                if e.code != 404:  # gone meanwhile: kube ignores NotFound here
                    raise
        out = [self.out(c, o) for o in items]
        for o in out:
            if not c.res.custom:
                o.pop("apiVersion", None)
                o.pop("kind", None)
        return 200, {"kind": c.res.kind + "List", "apiVersion": c.res.gv,
                     "metadata": {"resourceVersion": str(self.s.store.rv)}, "items": out}


def _spec(o):
    return {k: v for k, v in o.items() if k not in ("metadata", "status", "apiVersion", "kind")}


__all__ = ["Handlers", "Ctx", "parse_body", "qualified"]
