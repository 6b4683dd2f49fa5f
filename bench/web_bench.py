#!/usr/bin/env python3
"""./run bench --web: hort serve's dashboard against issue #24's bars: the
overview answers in under 50 ms with 200 entries and 10,000 runs in the
state, and a full page load transfers under 200 KB.

Steps: write a catalog of 40 services x 5 files entries (one a database dump)
on 4 local repositories (each with a daily check), 3 restore tests, serve.auth
with a token and an Alertmanager URL (so every entry carries its silence
link); `hort init` the repositories and `hort status` once to make the state;
then put 10,000 runs straight into the state's runs table (each job's runs at
its own schedule's slots, daily or every 12 h, back 23 to 50 days: ~4 % failed
with an error text, ~1.5 % partial, 8 jobs whose last run failed), log lines for
the newest runs and every failed one, restore-test protocol rows and
dashboard actions. The schedules are placed so that no slot was missed: hort
serve starts no run while it is measured (checked at the end).

Measured against `hort serve --listen 127.0.0.1:0` (a new connection per
request, as urllib makes them): each endpoint's first answer, then the
median, p95 and max of --requests more, and the serve process's CPU time per
request (utime + stime from /proc, which another build on the machine does not
inflate); the full page load: /, the stylesheet and script it names, and the
API calls app.js makes on first load (/api/v1/session, /api/v1/overview and,
when the session allows actions, /api/v1/actions), counted as the bytes of the
responses' status lines, headers and bodies.

usage: web_bench.py HORT [--work DIR] [--requests N] [--runs N] [--services N] [--keep]"""
import argparse, gzip, hashlib, http.client, json, os, random, re, shutil, signal, sqlite3, statistics, subprocess, sys, time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from machine import wait_until_idle

DAY = 86400
SLOW_MS = 50
PAGE_BYTES = 200 * 1024
TOKEN = "web-bench-token-0123456789"
ENTRIES = ["data", "config", "media", "db", "uploads"]
ERRORS = [
    ("I/O error", "repository {repo}: save pack: write {path}/data/3f/3f9c0d2e: no space left on device"),
    ("permission denied", "repository {repo}: open {path}/config: permission denied"),
    ("not found", "source /srv/{svc}/{entry}: lstat /srv/{svc}/{entry}: no such file or directory"),
    ("unavailable", "repository {repo}: lock: read {path}/locks: connection timed out (retried 3 times)"),
    ("locked", "repository {repo}: locked by hort run (pid 48211) on node-2 since 02:00:04"),
]
DUMP_ERROR = ("I/O error", "dump command exited with status 1: pg_dump: error: connection to server at "
              "\"10.43.12.7\", port 5432 failed: Connection refused\n\tIs the server running on that host and "
              "accepting TCP/IP connections?")
PARTIAL = "{n} files could not be read: open /srv/{svc}/{entry}/cache/tmp-{n}.lock: permission denied"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("hort")
    p.add_argument("--work", default="var/bench-web")
    p.add_argument("--requests", type=int, default=50, help="warm requests per endpoint")
    p.add_argument("--runs", type=int, default=10000, help="runs put into the state")
    p.add_argument("--services", type=int, default=40, help="services of 5 files entries each")
    p.add_argument("--keep", action="store_true", help="leave hort serve running (prints its URL and token)")
    return p.parse_args()


def sh(cmd, env):
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stderr[-2000:]}")
    return r.stdout


class Job:
    def __init__(self, job_id, kind, service, layer, repo, interval, phase, runs):
        self.id, self.kind, self.service, self.layer, self.repo = job_id, kind, service, layer, repo
        self.interval, self.runs = interval, runs
        # The newest slot lies `phase` seconds before now (1 h .. interval - 1 h): finished, and the next
        # slot is still ahead, so hort serve starts nothing.
        self.last_slot = phase

    def cron(self, now):
        t = time.gmtime(now - self.last_slot)
        hours = [(t.tm_hour + k * 12) % 24 for k in range(DAY // self.interval)]
        return f"{t.tm_min} {','.join(str(h) for h in sorted(hours))} * * *"


def plan_jobs(args, rnd):
    """The catalog's jobs with their schedules and how many runs each gets:
    3/4 of the services daily, the rest every 12 h, each repository's check
    daily; the counts add up to --runs."""
    repos = [f"repo{i}" for i in range(4)]
    jobs, services = [], []
    daily_services = args.services * 3 // 4
    for s in range(args.services):
        name = f"svc{s:02d}"
        interval = DAY if s < daily_services else DAY // 2
        services.append((name, interval, repos[s % len(repos)]))
        for e in ENTRIES:
            jobs.append(Job(f"{name}/files/{e}", "backup", name, "files", repos[s % len(repos)], interval,
                            rnd.randint(3600, interval - 3600) // 60 * 60, 0))
    for r in repos:
        jobs.append(Job(f"check/{r}", "check", "", "", r, DAY, rnd.randint(3600, DAY - 3600) // 60 * 60, 0))
    # Daily jobs ~50 runs, 12-hourly ~46 (23 days); the remainder spread one by one.
    base = args.runs // len(jobs)
    for j in jobs:
        j.runs = base
    for k in range(args.runs - base * len(jobs)):
        jobs[k % len(jobs)].runs += 1
    return repos, services, jobs


def write_catalog(work, repos, services, jobs, now):
    src = os.path.join(work, "src")
    os.makedirs(src, exist_ok=True)
    with open(os.path.join(src, "a.txt"), "w") as f:
        f.write("hello\n")
    by_id = {j.id: j for j in jobs}
    classes = ["critical", "important", "best-effort"]
    out = ["timezone: UTC", "alertmanager: {url: http://alertmanager.monitoring.svc:9093}",
           "serve:", "  auth: {token_env: HORT_BENCH_TOKEN}", "repositories:"]
    for r in repos:
        out.append(f"  {r}: {{url: ./{r}, password_env: HORT_PASSWORD, "
                   f"check: {{schedule: \"{by_id['check/' + r].cron(now)}\"}}}}")
    out.append("services:")
    for i, (name, interval, repo) in enumerate(services):
        out += [f"  {name}:", f"    namespace: ns{i % 8}", f"    classification: {classes[i % 3]}",
                f"    rpo: {'2d' if interval == DAY else '1d'}", "    files:"]
        for e in ENTRIES:
            cron = by_id[f"{name}/files/{e}"].cron(now)
            if e == "db":
                out.append(f"      - {{name: db, dump: {{command: \"pg_dump -U app app\", container: postgres, "
                           f"extension: .sql}}, schedule: \"{cron}\", repository: {repo}}}")
            else:
                out.append(f"      - {{name: {e}, path: {src}, schedule: \"{cron}\", repository: {repo}}}")
    out += ["tests:",
            "  BT-FILES-01: {type: files, scope: [ns0, ns1], every: 3mo, responsible: ops}",
            f"  BT-FILES-02: {{type: files, scope: [{services[-1][0]}], every: 6mo, responsible: ops}}",
            "  BT-DR-01: {type: dr, every: 1y, responsible: ops}"]
    path = os.path.join(work, "hort.yaml")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    return path


def fill_state(db_path, jobs, now, rnd):
    """Runs, log lines, protocol rows and actions, straight into the state."""
    db = sqlite3.connect(db_path)
    backups = [j.id for j in jobs if j.kind == "backup"]
    failing = set(rnd.sample(backups, min(8, len(backups))))
    runs, logs = [], []
    for j in jobs:
        newest = now - j.last_slot
        for k in range(j.runs):
            slot = newest - k * j.interval
            started = slot + rnd.uniform(0.2, 90)
            if j.kind == "check":
                duration = rnd.uniform(30, 1200)
            elif j.id.endswith("/db"):
                duration = rnd.uniform(8, 180)
            else:
                duration = min(1200, rnd.lognormvariate(4, 1.2))
            result, code, error = "success", None, ""
            roll = rnd.random()
            if k == 0:
                roll = 0 if j.id in failing else 1  # the newest run decides the entry's health
            entry = j.id.split("/")[-1]
            fmt = dict(repo=j.repo, path=f"/mnt/nas/{j.repo}", svc=j.service, entry=entry, n=rnd.randint(1, 40))
            if roll < 0.04:
                result = "failed"
                code, text = DUMP_ERROR if entry == "db" else rnd.choice(ERRORS[:3] if k == 0 else ERRORS)
                error = text.format(**fmt)
            elif roll < 0.055 and j.kind == "backup":
                result, code, error = "partial", "partial", PARTIAL.format(**fmt)
            ok = result != "failed"
            files = 0 if j.kind == "check" or not ok else int(rnd.lognormvariate(6, 1.5))
            bytes_added = 0 if j.kind == "check" or not ok else int(rnd.lognormvariate(16, 2.5))
            snap = hashlib.sha256(f"{j.id}{k}".encode()).hexdigest() if ok and j.kind == "backup" else ""
            runs.append((j.id, j.kind, j.service, j.layer, j.repo, "schedule", int(slot), started, started + duration,
                         result, snap, bytes_added, files, error, code))
    # Oldest first, as a daemon would have written them (ids grow with time).
    runs.sort(key=lambda r: r[7])
    db.executemany("INSERT INTO runs(job, kind, service, layer, repository, trigger, scheduled_for, started, ended, "
                   "result, snapshot_id, bytes_added, files, error, error_code) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                   runs)
    rows = db.execute("SELECT id, job, started, ended, result, error FROM runs ORDER BY id").fetchall()
    newest_of = {}
    for r in rows:
        newest_of[r[1]] = r
    keep = {r[0] for r in newest_of.values()} | {r[0] for r in rows if r[4] != "success"}
    for rid, job, started, ended, result, error in rows:
        if rid not in keep:
            continue
        lines = [f"{job}: started (schedule)"]
        for n in range(rnd.randint(3, 40)):
            lines.append(f"{job}: {n * 250} files, {n * 13.7:.1f} MiB")
        lines.append(f"{job}: " + ("ok" if result == "success" else ("PARTIAL: " if result == "partial" else "FAILED: ") + error))
        step = (ended - started) / len(lines)
        logs += [(rid, seq + 1, started + seq * step, line) for seq, line in enumerate(lines)]
    db.executemany("INSERT INTO run_log(run, seq, time, line) VALUES(?,?,?,?)", logs)
    tests = [("BT-FILES-01", "files", 90), ("BT-FILES-02", "files", 180), ("BT-DR-01", "dr", 365)]
    protocol = []
    for test, kind, every in tests:
        for k in range(4):
            started = now - (k * every + rnd.randint(1, 20)) * DAY
            passed = k != 1
            protocol.append((test, kind, "manual", "ops", started, started + 900, "success" if passed else "failed",
                             rnd.uniform(60, 900), 14400, int(rnd.lognormvariate(20, 1)), rnd.randint(100, 90000),
                             "repo0:3f9c0d2e node-1:/srv", "" if passed else "expected file missing: svc00/data/db.sqlite3"))
    db.executemany("INSERT INTO restore_tests(test, type, trigger, responsible, started, ended, result, restore_seconds, "
                   "rto_target, bytes, files, snapshots, findings) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)", protocol)
    db.executemany("INSERT INTO actions(time, who, action, target, result, detail) VALUES(?,?,?,?,?,?)",
                   [(now - k * 3600, "token", "run", jobs[k].id, "accepted", "queued: manual") for k in range(20)])
    db.commit()
    n = db.execute("SELECT count(*) FROM runs").fetchone()[0]
    span = (now - db.execute("SELECT min(started) FROM runs").fetchone()[0]) / DAY
    failed = db.execute("SELECT count(*) FROM runs WHERE result != 'success'").fetchone()[0]
    db.close()
    return n, span, failed, len(logs)


def wait_quiet(limit=120):
    """Waits until the CPUs are >= 80 % idle (another build may share the
    machine); after `limit` seconds it measures anyway and says so."""
    idle = wait_until_idle(0.8, limit, poll=3)
    return None if idle is None else f"measured with the CPUs only {100 * idle:.0f} % idle (other work on the machine)"


def proc_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Client:
    def __init__(self, port):
        self.port = port

    def get(self, path, auth=True, encoding="gzip, deflate"):
        """(status, bytes on the wire without TLS, body, seconds) of one GET on a new connection; `encoding`
        is the Accept-Encoding sent (a browser's over plain HTTP, or identity), the body comes back decoded."""
        headers = {"Accept": "application/json", "Accept-Encoding": encoding}
        if auth:
            headers["Authorization"] = "Bearer " + TOKEN
        t0 = time.perf_counter()
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request("GET", path, headers=headers)
        r = c.getresponse()
        body = r.read()
        seconds = time.perf_counter() - t0
        head = f"HTTP/1.1 {r.status} {r.reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in r.getheaders()) + "\r\n"
        c.close()
        wire = len(head.encode()) + len(body)
        if r.getheader("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        elif r.getheader("Content-Encoding") not in (None, "", "identity"):
            sys.exit(f"GET {path}: Content-Encoding {r.getheader('Content-Encoding')} was not asked for")
        return r.status, wire, body, seconds


def measure(client, pid, path, n):
    status, size, body, first = client.get(path)
    if status != 200:
        sys.exit(f"GET {path}: {status} {body[:300]!r}")
    plain = client.get(path, encoding="identity")[1]
    cpu0 = proc_cpu(pid)
    times = sorted(client.get(path)[3] for _ in range(n))
    cpu = (proc_cpu(pid) - cpu0) / n
    return {"path": path, "bytes": plain, "gzip": size, "first": first, "median": statistics.median(times),
            "p95": times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))], "max": times[-1], "cpu": cpu,
            "body": body}


def page_load(client, encoding):
    """The requests of a first visit: the page, what it names, the API calls app.js makes before it draws
    (path, status, bytes)."""
    rows = []
    status, size, body, _ = client.get("/", auth=False, encoding=encoding)
    rows.append(("/", status, size))
    for asset in re.findall(r'(?:href|src)="(/assets/[^"]+)"', body.decode()):
        status, size, _, _ = client.get(asset, auth=False, encoding=encoding)
        rows.append((asset, status, size))
    status, size, body, _ = client.get("/api/v1/session", encoding=encoding)
    rows.append(("/api/v1/session", status, size))
    session = json.loads(body) if status == 200 else {}
    status, size, _, _ = client.get("/api/v1/overview", encoding=encoding)
    rows.append(("/api/v1/overview", status, size))
    if session.get("actions"):
        status, size, _, _ = client.get("/api/v1/actions", encoding=encoding)
        rows.append(("/api/v1/actions", status, size))
    return rows


def start_serve(hort, env, work):
    log = open(os.path.join(work, "serve.log"), "w+")
    p = subprocess.Popen([hort, "serve", "--listen", "127.0.0.1:0"], env=env, stdout=log, stderr=log,
                         start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        log.seek(0)
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", log.read())
        if m:
            return p, int(m.group(1))
        if p.poll() is not None:
            break
        time.sleep(0.1)
    log.seek(0)
    p.kill()
    sys.exit("hort serve did not start:\n" + log.read()[-3000:])


def ms(s):
    return f"{1000 * s:8.1f}"


def main():
    args = parse_args()
    hort = os.path.abspath(args.hort)
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    rnd = random.Random(24)
    now = time.time()
    env = dict(os.environ, HORT_PASSWORD="web-bench", HORT_BENCH_TOKEN=TOKEN, TZ="UTC")
    repos, services, jobs = plan_jobs(args, rnd)
    env["HORT_CONFIG"] = write_catalog(work, repos, services, jobs, now)
    for r in repos:
        sh([hort, "init", "-r", os.path.join(work, r), "-q"], env)
    status = subprocess.run([hort, "status"], env=env, capture_output=True, text=True)  # exit 1: jobs never ran
    db_path = os.path.join(work, "hort-state.sqlite")
    if not os.path.exists(db_path):
        sys.exit(f"hort status made no state (exit {status.returncode}):\n{status.stderr[-2000:]}")
    runs, span, failed, log_lines = fill_state(db_path, jobs, now, rnd)
    print(f"==> state: {len(services) * len(ENTRIES)} files entries + {len(repos)} checks = {len(jobs)} jobs, "
          f"{runs} runs over {span:.0f} days ({failed} failed or partial), {log_lines} log lines, "
          f"{os.path.getsize(db_path) // 1024} KiB")

    serve, port = start_serve(hort, env, work)
    try:
        client = Client(port)
        # At start serve collects each repository's figures; measure after that.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with sqlite3.connect(db_path) as db:
                if db.execute("SELECT count(*) FROM repo_stats").fetchone()[0] >= len(repos):
                    break
            time.sleep(0.2)
        busy = wait_quiet()
        results = [measure(client, serve.pid, "/api/v1/overview", args.requests)]
        for path in ["/api/v1/history?days=30", "/api/v1/tests", "/api/v1/repositories", "/api/v1/session"]:
            results.append(measure(client, serve.pid, path, max(10, args.requests // 2)))
        overview = json.loads(results[0]["body"])
        history = json.loads(results[1]["body"])
        run_id = overview["services"][0]["entries"][0]["last_run_id"]
        results.append(measure(client, serve.pid, f"/api/v1/runs/{run_id}", max(10, args.requests // 2)))
        page = page_load(client, "identity")
        page_gzip = page_load(client, "gzip, deflate")
        with sqlite3.connect(db_path) as db:
            after = db.execute("SELECT count(*) FROM runs").fetchone()[0]
    finally:
        if not args.keep:
            serve.send_signal(signal.SIGTERM)
            try:
                serve.wait(30)
            except subprocess.TimeoutExpired:
                serve.kill()

    entries = sum(len(s["entries"]) for s in overview["services"]) + len(overview["maintenance"])
    history_runs = sum(len(e["runs"]) for e in history["entries"])
    print(f"==> hort serve on 127.0.0.1:{port}: overview has {entries} entries, {len(overview['problems'])} problems; "
          f"history?days=30 has {history_runs} runs")
    print(f"{'endpoint':32} {'bytes':>9} {'gzip':>8} {'first ms':>8} {'med ms':>8} {'p95 ms':>8} {'max ms':>8} {'cpu ms':>8}")
    for r in results:
        print(f"{r['path']:32} {r['bytes']:9d} {r['gzip']:8d} {ms(r['first'])} {ms(r['median'])} {ms(r['p95'])} "
              f"{ms(r['max'])} {ms(r['cpu'])}")
    print("(ms: wall time of a GET with gzip on a new connection; cpu: hort serve's CPU time per GET; "
          f"medians of {args.requests} overview requests, {max(10, args.requests // 2)} of the others)")
    print("\npage load (first visit, signed in with the token): bytes of status lines, headers and bodies")
    print(f"  {'request':30} {'status':>6} {'identity':>9} {'gzip':>8}")
    for (path, status, size), (_, _, zsize) in zip(page, page_gzip):
        print(f"  {path:30} {status:6d} {size:9d} {zsize:8d}")
    total, total_gzip = sum(r[2] for r in page), sum(r[2] for r in page_gzip)
    print(f"  {'total':30} {'':6} {total:9d} {total_gzip:8d}  ({total / 1024:.1f} KiB, gzip {total_gzip / 1024:.1f} KiB)")
    if busy:
        print(f"\nnote: {busy}")
    if after != runs:
        print(f"\nnote: hort serve ran {after - runs} jobs while it was measured")
    if args.keep:
        print(f"\nhort serve left running (pid {serve.pid}): http://127.0.0.1:{port}/  token {TOKEN}")

    ov = results[0]
    checks = [(f"overview median {1000 * ov['median']:.1f} ms < {SLOW_MS} ms", ov["median"] * 1000 < SLOW_MS),
              (f"overview p95 {1000 * ov['p95']:.1f} ms < {SLOW_MS} ms", ov["p95"] * 1000 < SLOW_MS),
              (f"page load {total / 1024:.1f} KiB uncompressed < {PAGE_BYTES // 1024} KiB", total < PAGE_BYTES),
              (f"{entries} entries and {runs} runs in the state", entries >= 200 and runs >= args.runs)]
    print()
    for what, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}: {what}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
