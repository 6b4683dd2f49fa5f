"""pods/exec over WebSocket (the remotecommand protocols v5.channel.k8s.io and v4.channel.k8s.io
that client-go/kubectl speak). A binary message's first byte is the stream: 0 stdin, 1 stdout,
2 stderr, 3 error (a metav1.Status, written once at the end), 4 resize; v5 adds 255 close, with
which the client half-closes a stream ([255, 0] = end of stdin). The command runs as a local
subprocess in <state>/containers/<ns>/<pod>/<container>/, the directory standing for the container."""
import asyncio
import json
import os
import signal

from aiohttp import WSMsgType, web

from status import ApiError, bad_request, not_found

PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255


def container_dir(state, ns, pod, container):
    return os.path.join(state, "containers", ns, pod, container)


def exit_status(cmd, code):
    if code == 0:
        return {"metadata": {}, "status": "Success"}
    return {"metadata": {}, "status": "Failure",
            "message": f"command terminated with non-zero exit code: error executing command {_go_list(cmd)}, exit code {code}",
            "reason": "NonZeroExitCode", "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}


def _go_list(cmd):
    return "[" + " ".join(cmd) + "]"  # Go's %v of a []string


async def handle(server, request, ns, name):
    q = request.query
    pod = server.store.get(("", "pods"), ns, name)
    if pod is None:
        raise not_found("", "pods", name)
    names = [c.get("name") for c in (pod.get("spec", {}).get("containers") or [])]
    container = q.get("container")
    if not container:
        if len(names) != 1:
            raise bad_request(f"a container name must be specified for pod {name}, choose one of: [{' '.join(names)}]")
        container = names[0]
    if container not in names:
        raise bad_request(f"container {container} is not valid for pod {name}")
    cmd = q.getall("command", [])
    if not cmd:
        raise bad_request("you must specify at least 1 command")
    if request.headers.get("Upgrade", "").lower() != "websocket":
        raise bad_request("Upgrade request required")
    offered = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]
    chosen = next((p for p in offered if p in PROTOCOLS), None)
    if chosen is None:
        raise bad_request(f"unable to upgrade: unable to negotiate protocol: client supports {offered}, "
                          f"server supports {list(PROTOCOLS)}")
    ws = web.WebSocketResponse(protocols=(chosen,), autoping=True)
    await ws.prepare(request)
    cwd = container_dir(server.state, ns, name, container)
    os.makedirs(cwd, exist_ok=True)
    want_in = q.get("stdin") in ("1", "true")
    try:
        proc = await asyncio.create_subprocess_exec(
            *cmd, cwd=cwd, stdin=asyncio.subprocess.PIPE if want_in else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            start_new_session=True)  # its own process group, so that a disconnect ends the children too
    except OSError as e:
        st = {"metadata": {}, "status": "Failure", "reason": "InternalError", "code": 500,
              "message": f'Internal error occurred: error executing command in container: failed to exec in container: '
                         f'failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: '
                         f'exec: "{cmd[0]}": {e.strerror.lower() if e.strerror else e}: unknown',
              "details": {"causes": [{"message": str(e)}]}}
        await ws.send_bytes(bytes([ERROR]) + json.dumps(st).encode())
        await ws.close()
        return ws

    async def pump(stream, ch):
        while True:
            data = await stream.read(32768)
            if not data:
                return
            if q.get("stdout" if ch == STDOUT else "stderr", "1") in ("1", "true") and not ws.closed:
                try:
                    await ws.send_bytes(bytes([ch]) + data)
                except (ConnectionResetError, RuntimeError):
                    pass  # the client is gone; keep draining so the process is not blocked on a full pipe

    async def feed():
        async for msg in ws:
            if msg.type != WSMsgType.BINARY or not msg.data:
                continue
            ch, data = msg.data[0], msg.data[1:]
            if ch == STDIN and want_in and proc.stdin and not proc.stdin.is_closing():
                proc.stdin.write(data)
                await proc.stdin.drain()
            elif ch == CLOSE and chosen.startswith("v5") and data[:1] == bytes([STDIN]) and proc.stdin:
                proc.stdin.close()
        if proc.returncode is None:  # the client closed the connection first: nobody reads the output any more
            if proc.stdin:
                proc.stdin.close()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    feeder = asyncio.ensure_future(feed())
    await asyncio.gather(pump(proc.stdout, STDOUT), pump(proc.stderr, STDERR))
    code = await proc.wait()
    if not ws.closed:
        try:
            await ws.send_bytes(bytes([ERROR]) + json.dumps(exit_status(cmd, code)).encode())
            await ws.close()
        except (ConnectionResetError, RuntimeError):
            pass
    feeder.cancel()
    return ws


__all__ = ["handle", "container_dir", "ApiError"]
