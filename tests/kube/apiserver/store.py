"""One in-memory store with one global resourceVersion counter, like etcd behind kube-apiserver.
Every write is kept as a version so that a paged list can read the snapshot at its resourceVersion
(the consistency etcd gives with MVCC); nothing is dropped, compaction and expiry of continue tokens are
driven by the test control API instead."""
import bisect
import copy


class Store:
    def __init__(self):
        self.rv = 0
        # (group, plural) -> {key: [(rv, obj or None), ...]}, key = "ns/name" or "name"
        self.data = {}
        self.compacted = 0  # revisions below this are gone (POST /_test/compact), as after etcd compaction
        self.listeners = set()  # callables(gr) told after every write (watch.py)

    @staticmethod
    def key(ns, name):
        return f"{ns}/{name}" if ns else name

    def _versions(self, gr, key):
        return self.data.get(gr, {}).get(key)

    def get(self, gr, ns, name, rv=None):
        vs = self._versions(gr, self.key(ns, name))
        if not vs:
            return None
        if rv is None:
            return copy.deepcopy(vs[-1][1])
        for at, obj in reversed(vs):
            if at <= rv:
                return copy.deepcopy(obj)
        return None

    def put(self, gr, ns, name, obj):
        """Stores obj (with a new resourceVersion written into it) and returns the stored copy."""
        self.rv += 1
        obj = copy.deepcopy(obj)
        obj.setdefault("metadata", {})["resourceVersion"] = str(self.rv)
        self.data.setdefault(gr, {}).setdefault(self.key(ns, name), []).append((self.rv, obj))
        self._notify(gr)
        return copy.deepcopy(obj)

    def delete(self, gr, ns, name):
        self.rv += 1
        self.data.setdefault(gr, {}).setdefault(self.key(ns, name), []).append((self.rv, None))
        self._notify(gr)

    def _notify(self, gr):
        for f in list(self.listeners):
            f(gr)

    def changes(self, gr, ns, since):
        """(rv, type, obj) watch events after revision since, in revision order."""
        prefix = f"{ns}/" if ns else ""
        out = []
        for k, vs in self.data.get(gr, {}).items():
            if not k.startswith(prefix):
                continue
            prev = None
            for at, obj in vs:
                if at > since:
                    if obj is None:
                        if prev is not None:
                            gone = copy.deepcopy(prev)
                            gone["metadata"]["resourceVersion"] = str(at)
                            out.append((at, "DELETED", gone))
                    else:
                        out.append((at, "ADDED" if prev is None else "MODIFIED", copy.deepcopy(obj)))
                prev = obj
        return sorted(out, key=lambda e: e[0])

    def list(self, gr, ns=None, rv=None, start=""):
        """(key, obj) at revision rv (None = latest) in key order, keys >= start, within namespace ns."""
        prefix = f"{ns}/" if ns else ""
        keys = sorted(k for k in self.data.get(gr, {}) if k.startswith(prefix))
        i = bisect.bisect_left(keys, prefix + start) if start else 0
        for k in keys[i:]:
            vs = self.data[gr][k]
            obj = vs[-1][1] if rv is None else next((o for at, o in reversed(vs) if at <= rv), None)
            if obj is not None:
                yield k[len(prefix):], copy.deepcopy(obj)

    def groups(self):
        return list(self.data)
