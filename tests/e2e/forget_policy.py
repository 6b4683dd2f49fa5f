#!/usr/bin/env python3
"""Generates snapshot histories (hours to years, several hosts, paths and
tags) and checks that `hort forget --dry-run --json` keeps and removes
exactly what `restic forget --dry-run --json` does for many policies."""
import datetime, json, os, random, subprocess, sys

HORT, FIXTURE, WORK = os.environ["HORT"], os.environ["HORT_FIXTURE"], sys.argv[1]
rnd = random.Random(20261126)

ZONES = [datetime.timezone.utc, datetime.timezone(datetime.timedelta(hours=2)),
         datetime.timezone(datetime.timedelta(hours=-5))]

def history(n):
    span = rnd.choice([datetime.timedelta(hours=30), datetime.timedelta(days=20), datetime.timedelta(days=400),
                       datetime.timedelta(days=3 * 365)])
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(minutes=rnd.randint(0, 10**6))
    hosts = rnd.sample(["media", "productivity", "paperless"], rnd.randint(1, 2))
    times = sorted({start + span * rnd.random() for _ in range(n)})
    snaps = []
    for t in times:
        t = t.replace(microsecond=rnd.randrange(0, 1000000)).astimezone(rnd.choice(ZONES))
        tags = [x for x in ["daily", "pre-upgrade", "manual"] if rnd.random() < 0.25]
        snaps.append({"time": t.isoformat(), "host": rnd.choice(hosts),
                      "paths": rnd.choice([["/data/pvc"], ["/data/pvc"], ["/data/a", "/data/b"]]), "tags": tags})
    return snaps

def policy():
    p = []
    counts = [("--keep-last", 1, 6), ("--keep-hourly", 1, 30), ("--keep-daily", 1, 14), ("--keep-weekly", 1, 8),
              ("--keep-monthly", 1, 12), ("--keep-yearly", 1, 3)]
    for flag, lo, hi in rnd.sample(counts, rnd.randint(1, 3)):
        p += [flag, str(rnd.randint(lo, hi))]
    if rnd.random() < 0.3:
        p += ["--keep-within", rnd.choice(["2d", "1m", "1y2m", "36h", "7d12h"])]
    if rnd.random() < 0.2:
        p += [rnd.choice(["--keep-within-daily", "--keep-within-weekly", "--keep-within-hourly"]),
              rnd.choice(["3d", "1m", "10d"])]
    if rnd.random() < 0.3:
        p += ["--keep-tag", rnd.choice(["pre-upgrade", "manual", "daily,manual", "", " manual , daily"])]
    if rnd.random() < 0.25:  # the snapshot filter; '' selects only untagged snapshots
        p += ["--tag", rnd.choice(["", "daily", "manual,pre-upgrade", ",daily"])]
    if rnd.random() < 0.3:
        p += ["--group-by", rnd.choice(["host", "host,paths,tags", "paths"])]
    return p

def decisions(out):
    keep, remove = set(), set()
    if out == "":  # no group (no snapshot matched the filter): restic prints no JSON at all
        return keep, remove
    for group in json.loads(out):
        keep |= {s["id"] for s in group["keep"] or []}
        remove |= {s["id"] for s in group["remove"] or []}
    return keep, remove

env = dict(os.environ, RESTIC_PASSWORD=os.environ["HORT_PASSWORD"])
cases = removed = kept = 0
for h in range(30):
    repo = os.path.join(WORK, "h%02d" % h)
    snaps = history(rnd.randint(5, 60))
    subprocess.run([FIXTURE, "history", repo], input="\n".join(json.dumps(s) for s in snaps), text=True, check=True, env=env)
    for _ in range(5):
        p = policy()
        r = subprocess.run(["restic", "-r", repo, "forget", "--dry-run", "--json", "--no-lock"] + p,
                           capture_output=True, text=True, env=env)
        o = subprocess.run([HORT, "-r", repo, "forget", "--dry-run", "--json", "--no-lock"] + p,
                           capture_output=True, text=True, env=env)
        if r.returncode != 0 or o.returncode != 0:
            sys.exit(f"history {h} policy {p}: restic rc={r.returncode} {r.stderr.strip()} / hort rc={o.returncode} {o.stderr.strip()}")
        try:
            rk, rr = decisions(r.stdout)
            ok, orm = decisions(o.stdout)
        except json.JSONDecodeError:
            sys.exit(f"history {h} policy {p}: not JSON: restic {r.stdout[:200]!r} / hort {o.stdout[:200]!r}")
        if (rk, rr) != (ok, orm):
            print(json.dumps(snaps, indent=1), file=sys.stderr)
            sys.exit(f"history {h} policy {p}: restic keeps {len(rk)} removes {len(rr)}; hort keeps {len(ok)} removes {len(orm)};"
                     f" only restic keeps {sorted(x[:8] for x in rk - ok)}; only hort keeps {sorted(x[:8] for x in ok - rk)}")
        cases += 1
        removed += len(rr)
        kept += len(rk)
# The comparison only means something if the policies really removed snapshots.
if removed < cases or kept < cases:
    sys.exit(f"degenerate policies: {removed} removals and {kept} keeps over {cases} cases")
print(f"forget policy: {cases} history x policy cases identical to restic ({kept} kept, {removed} removed)")
