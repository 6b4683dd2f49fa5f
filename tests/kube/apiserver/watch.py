"""?watch=true on a collection: a chunked stream of {"type", "object"} JSON lines as kube-apiserver
sends them. resourceVersion "" or "0" starts with ADDED for every current object; a number starts
after that revision (one older than POST /_test/compact gives an ERROR event with a 410 Status).
Selectors filter events (an object leaving a selector is not turned into DELETED: an approximation).
timeoutSeconds ends the stream; bookmarks are not sent."""
import asyncio
import json

from aiohttp import web

import lists
import objects
import tables


async def handle(server, request, c):
    q = c.q
    labels = lists.label_matcher(q.get("labelSelector", ""))
    fields = lists.field_matcher(q.get("fieldSelector", ""), c.res.kind)
    rv = q.get("resourceVersion", "")
    try:
        since = int(rv) if rv not in ("", "0") else None
    except ValueError:
        raise lists.bad_request(f'invalid resource version: "{rv}"')
    timeout = float(lists.parse_int(q.get("timeoutSeconds", "")) or 1800)
    resp = web.StreamResponse(headers={"Content-Type": "application/json", "Cache-Control": "no-cache, private"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    wake = asyncio.Event()

    def listener(gr):
        if gr == c.gr:
            wake.set()
    server.store.listeners.add(listener)

    def out(obj):
        return objects.ordered(obj, c.res.gv, c.res.kind)

    as_table, first = tables.wants_table(request.headers.get("Accept", "")), [True]

    async def send(typ, obj):
        if labels(obj["metadata"].get("labels")) and fields(obj):
            obj = out(obj)
            if as_table:  # kubectl get -w: one-row Tables, column definitions only in the first
                obj = tables.table(c.res, [obj], {"resourceVersion": obj["metadata"].get("resourceVersion", "")},
                                   q.get("includeObject", "Metadata"), server.printer(c.res))
                if not first[0]:
                    obj["columnDefinitions"] = []
                first[0] = False
            await resp.write(json.dumps({"type": typ, "object": obj}, separators=(",", ":")).encode() + b"\n")

    try:
        if since is not None and since < server.store.compacted:
            gone = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": f"too old resource version: {since} ({server.store.compacted})", "reason": "Expired", "code": 410}
            await resp.write(json.dumps({"type": "ERROR", "object": gone}).encode() + b"\n")
            return resp
        if since is None:
            since = server.store.rv
            for _, obj in server.store.list(c.gr, c.ns or None):
                await send("ADDED", obj)
        loop = asyncio.get_event_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            for at, typ, obj in server.store.changes(c.gr, c.ns or None, since):
                await send(typ, obj)
                since = at
            wake.clear()
            try:
                await asyncio.wait_for(wake.wait(), max(0.01, deadline - loop.time()))
            except asyncio.TimeoutError:
                break
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        server.store.listeners.discard(listener)
    return resp
