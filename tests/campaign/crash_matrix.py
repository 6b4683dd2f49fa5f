#!/usr/bin/env python3
"""Crash matrix (issue #25): SIGKILL hort backup, prune (after forget), copy
(into a second repository) and `hort serve` (running a scheduled backup) at
random moments across the whole run, then assert:
  - hort check and restic check pass (leftover .hort-tmp-* files and stale
    locks are allowed and counted: tmp_left/locks_left sum what each kill
    left, tmp_at_end/locks_at_end what is still there at the end);
  - every snapshot that existed before the kill is still there and restores
    identically to its source as it was when the snapshot was taken (a
    snapshot the killed run managed to finish must restore identically too);
  - the next run of the operation succeeds.
The delay of each kill is uniform over [0, reach x the last uninterrupted
run's duration], so kills land from process start to the final index write;
reach starts at 1.1 and shrinks while runs finish before their kill (a loaded
machine's timing varies), so most attempts are kills.

Usage: crash_matrix.py WORKDIR [OPS]     (OPS: comma list, default all four)
Env: HORT, HORT_PASSWORD; HORT_SOAK_KILLS (kills per operation, default 3);
HORT_CAMPAIGN_SEED; HORT_CRASH_BULK_KIB (new data per run, default 4096);
HORT_CRASH_SAMPLE (older snapshots restored after each kill besides new ones, default 2; all at the end);
HORT_CAMPAIGN_RESULT (file the per-operation counters are written to, JSON).
Exit 1 on any inconsistency, lost snapshot, differing restore or failed next run."""
import os, random, sqlite3, subprocess, sys, time
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from campaign import (HORT, check_repo, elapsed, finish, hort, init_repo, kill_group, leftovers, manifest, restore_diff,
                      run, seed_from_env, snapshots, start)

E2E = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e")
COUNTERS = ("kills", "finished_first", "inconsistent", "lost_snapshots", "differing_restores",
            "next_run_failed", "tmp_left", "locks_left", "tmp_at_end", "locks_at_end")


class Op:
    """One operation under the matrix. Subclasses set name and implement
    argv() (the run to kill), prepare() and complete() (the next run)."""
    repos = ()

    def __init__(self, root, rnd):
        self.root, self.rnd = root, rnd
        self.src = os.path.join(root, "src")
        self.gen = 0
        self.duration = 1.0
        self.known = {}  # repo -> {snapshot id: manifest of its source}
        self.log = os.path.join(root, "hort.log")
        os.makedirs(root, exist_ok=True)
        subprocess.run([sys.executable, os.path.join(E2E, "gen_tree.py"), self.src, "--small"], check=True)
        self.bulk_kib = int(os.environ.get("HORT_CRASH_BULK_KIB", "4096"))

    def repo(self, name="repo"):
        return os.path.join(self.root, name)

    def mutate(self):
        """New data for the next run; the generation before last is deleted so
        the source stays small and forgotten snapshots own data of their own."""
        self.gen += 1
        bulk = os.path.join(self.src, "bulk")
        os.makedirs(bulk, exist_ok=True)
        for f in os.listdir(bulk):
            if int(f.split("-")[0][1:]) < self.gen - 1:
                os.unlink(os.path.join(bulk, f))
        for i in range(2):
            with open(os.path.join(bulk, f"g{self.gen}-{i}"), "wb") as f:
                f.write(self.rnd.randbytes(self.bulk_kib * 512))
        with open(os.path.join(self.src, "a/b/file05.txt"), "ab") as f:
            f.write(b"generation %d\n" % self.gen)
        self.current = manifest(self.src)

    def must(self, *args, timeout=300):
        rc, out, err = hort(*args, timeout=timeout)
        if rc != 0:
            raise RuntimeError(f"hort {' '.join(args)} exited {rc}: {err.decode(errors='replace')[-800:]}")
        return out

    def backup(self, repo):
        """A backup that must succeed; its snapshot is known from now on."""
        before = {s["id"] for s in snapshots(repo)}
        self.must("-r", repo, "backup", self.src, "-q")
        for s in snapshots(repo):
            if s["id"] not in before:
                self.known[repo][s["id"]] = self.current

    def timed_complete(self):
        t0 = time.monotonic()
        ok = self.complete()
        self.duration = max(0.05, elapsed(t0))
        if ok is True:  # the snapshots it wrote are known from now on
            for repo in self.repos:
                for s in snapshots(repo):
                    if s["id"] not in self.known[repo]:
                        self.known[repo][s["id"]] = self.new_snapshot_manifest(repo, s)
        return ok

    def new_snapshot_manifest(self, repo, snap):
        return self.current  # a backup the kill did not stop in time: today's source

    def verify(self, res, sample, why):
        """Checks after a fault; adds to res's counters, returns error lines."""
        errs = []
        for repo in self.repos:
            tmp, locks = leftovers(repo)
            res["tmp_left"] += tmp
            res["locks_left"] += locks
            bad = check_repo(repo)
            if bad:
                res["inconsistent"] += 1
                errs += [f"{why}: {repo}: {b}" for b in bad]
            now = {s["id"]: s for s in snapshots(repo)}
            lost = [i for i in self.known[repo] if i not in now]
            res["lost_snapshots"] += len(lost)
            errs += [f"{why}: {repo}: snapshot {i[:8]} lost" for i in lost]
            fresh = [i for i in now if i not in self.known[repo]]
            for i in fresh:
                self.known[repo][i] = self.new_snapshot_manifest(repo, now[i])
            old = [i for i in self.known[repo] if i in now and i not in fresh]
            for i in fresh + self.rnd.sample(old, min(sample, len(old))):
                d = restore_diff(repo, i, self.src, self.known[repo][i], os.path.join(self.root, "restored"))
                if d:
                    res["differing_restores"] += 1
                    errs += [f"{why}: {repo}: snapshot {i[:8]}: {x}" for x in d]
        return errs


class Backup(Op):
    name = "backup"

    def setup(self):
        self.repos = (self.repo(),)
        self.known = {self.repo(): {}}
        init_repo(self.repo())
        self.mutate()
        self.timed_complete()

    def prepare(self):
        self.mutate()

    def argv(self):
        return [HORT, "-r", self.repo(), "backup", self.src, "-q"]

    def complete(self):
        rc, _, err = hort("-r", self.repo(), "backup", self.src, "-q")
        return rc == 0 or err


class Prune(Op):
    name = "prune"
    KEEP = 3

    def setup(self):
        self.repos = (self.repo(),)
        self.known = {self.repo(): {}}
        init_repo(self.repo())
        for _ in range(self.KEEP + 1):
            self.mutate()
            self.backup(self.repo())
        self.timed_complete()

    def prepare(self):
        """A new backup, then forget: the oldest snapshot goes, and with it the
        only reference to the oldest generation's data, which prune removes."""
        self.mutate()
        self.backup(self.repo())
        self.must("-r", self.repo(), "forget", "--keep-last", str(self.KEEP), "-q")
        now = {s["id"] for s in snapshots(self.repo())}
        for i in [i for i in self.known[self.repo()] if i not in now]:
            del self.known[self.repo()][i]

    def argv(self):
        return [HORT, "-r", self.repo(), "prune", "--max-unused", "0", "-q"]

    def complete(self):
        rc, _, err = hort("-r", self.repo(), "prune", "--max-unused", "0", "-q")
        return rc == 0 or err


class Copy(Op):
    name = "copy"

    def setup(self):
        self.a, self.b = self.repo("a"), self.repo("b")
        self.repos = (self.b,)
        self.known = {self.a: {}, self.b: {}}
        self.pw = os.path.join(self.root, "password")
        with open(self.pw, "w") as f:
            f.write(os.environ["HORT_PASSWORD"])
        init_repo(self.a)
        init_repo(self.b, "--copy-chunker-params", "--from-repo", self.a, "--from-password-file", self.pw)
        self.mutate()
        self.backup(self.a)
        self.timed_complete()

    def prepare(self):
        self.mutate()
        self.backup(self.a)

    def argv(self):
        return [HORT, "-r", self.a, "copy", "--to-repo", self.b, "--to-password-file", self.pw, "-q"]

    def new_snapshot_manifest(self, repo, snap):
        return self.known[self.a][snap["original"]]

    def complete(self):
        rc, _, err = hort("-r", self.a, "copy", "--to-repo", self.b, "--to-password-file", self.pw, "-q")
        if rc != 0:
            return err
        originals = sorted(s.get("original") for s in snapshots(self.b))
        if originals != sorted(self.known[self.a]):
            return f"after the copy the second repository holds {originals}, not {sorted(self.known[self.a])}"
        return True


class Serve(Op):
    """`hort serve` with one files job whose daily slot is always missed, so
    the daemon backs up at start-up; the kill lands anywhere from start-up
    through the backup to the idle daemon after it."""
    name = "serve"

    def setup(self):
        self.repos = (self.repo(),)
        self.known = {self.repo(): {}}
        self.catalog = os.path.join(self.root, "hort.yaml")
        self.state = os.path.join(self.root, "hort-state.sqlite")
        with open(self.catalog, "w") as f:
            f.write(f"""repositories:
  main: {{url: ./repo, password_env: HORT_PASSWORD}}
services:
  app:
    classification: critical
    rpo: 1d
    files:
      - {{name: data, path: {self.src}, schedule: "@daily", repository: main}}
""")
        init_repo(self.repo())
        hort("--config", self.catalog, "status")  # creates the state and the job's row
        self.mutate()
        self.reset_state()
        self.timed_complete()

    def reset_state(self):
        db = sqlite3.connect(self.state, timeout=30)
        db.execute("DELETE FROM runs")
        db.execute("UPDATE jobs SET first_seen = 0")
        db.commit()
        db.close()

    def successes(self):
        db = sqlite3.connect(self.state, timeout=30)
        n = db.execute("SELECT count(*) FROM runs WHERE result = 'success'").fetchone()[0]
        db.close()
        return n

    def prepare(self):
        self.mutate()
        self.reset_state()

    def argv(self):
        port = run([sys.executable, "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); "
                    "print(s.getsockname()[1])"])[1].decode().strip()
        return [HORT, "--config", self.catalog, "serve", "--listen", f"127.0.0.1:{port}"]

    def complete(self):
        """The restarted daemon runs the job to success; SIGTERM ends it with 0."""
        self.reset_state()
        proc = start(self.argv(), self.log)
        t0 = time.monotonic()
        while self.successes() == 0:
            if proc.poll() is not None:
                return f"serve exited {proc.returncode} before the backup succeeded"
            if elapsed(t0) > 180:
                kill_group(proc)
                return "no successful run within 180 s"
            time.sleep(0.05)
        proc.terminate()
        try:
            rc = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            return "serve did not stop within 60 s of SIGTERM"
        return rc == 0 or f"serve exited {rc} on SIGTERM"


OPS = {c.name: c for c in (Backup, Prune, Copy, Serve)}


def campaign(op, kills, res, errors):
    op.setup()
    attempts = 0
    sample = int(os.environ.get("HORT_CRASH_SAMPLE", "2"))
    reach = 1.1  # the kill delay's range as a multiple of the last uninterrupted run
    while res["kills"] < kills and attempts < 3 * kills + 5:
        attempts += 1
        op.prepare()
        delay = op.rnd.uniform(0, op.duration * reach)
        proc = start(op.argv(), op.log)
        t0 = time.monotonic()
        try:
            proc.wait(timeout=delay)
            ran = elapsed(t0)  # finished first: its whole run, the best estimate for the next delay
        except subprocess.TimeoutExpired:
            ran = None
        why = f"{op.name} kill {res['kills'] + 1} at {delay:.3f}s"
        if kill_group(proc):
            res["kills"] += 1
            reach = min(1.1, reach * 1.03)
        else:
            reach *= 0.9  # under load a run's time varies: most kills should still land
            res["finished_first"] += 1
            why = f"{op.name} run that finished before its kill at {delay:.3f}s (exit {proc.returncode})"
        errs = op.verify(res, sample, why)
        done = op.timed_complete()
        if ran is not None:
            op.duration = max(0.05, ran)
        if done is not True:
            res["next_run_failed"] += 1
            errs.append(f"{why}: the next {op.name} failed: {done if isinstance(done, str) else done.decode(errors='replace')[-800:]}")
        errors += errs
        for e in errs:
            print("FAIL:", e, flush=True)
        print(f"  {why}: {'ok' if not errs else 'FAILED'} (next run {op.duration:.2f}s)", flush=True)
    # At the end every snapshot restores, and a full read of the data passes.
    for repo in op.known:
        for i, want in op.known[repo].items():
            d = restore_diff(repo, i, op.src, want, os.path.join(op.root, "restored"))
            if d:
                res["differing_restores"] += 1
                errors += [f"{op.name} final: snapshot {i[:8]}: {x}" for x in d]
        tmp, locks = leftovers(repo)
        res["tmp_at_end"] += tmp
        res["locks_at_end"] += locks
        bad = check_repo(repo, read_data=True)
        if bad:
            res["inconsistent"] += 1
            errors += [f"{op.name} final: {b}" for b in bad]


def main():
    work = sys.argv[1]
    names = sys.argv[2].split(",") if len(sys.argv) > 2 else list(OPS)
    kills = int(os.environ.get("HORT_SOAK_KILLS", "3"))
    seed = seed_from_env()
    results, errors = {}, []
    for n in names:
        res = results[n] = dict.fromkeys(COUNTERS, 0)
        t0 = time.monotonic()
        print(f"--- {n}: {kills} kills", flush=True)
        campaign(OPS[n](os.path.join(work, n), random.Random(f"{seed}-{n}")), kills, res, errors)
        res["seconds"] = round(elapsed(t0), 1)
    print(f"{'operation':<10}" + "".join(f"{c:>19}" for c in COUNTERS + ("seconds",)))
    for n, res in results.items():
        print(f"{n:<10}" + "".join(f"{res[c]:>19}" for c in COUNTERS + ("seconds",)))
    short = [n for n, r in results.items() if r["kills"] < kills]
    if short:
        errors.append(f"fewer than {kills} kills landed for {short}")
    finish("crash matrix", seed, {"results": results}, errors)


if __name__ == "__main__":
    main()
