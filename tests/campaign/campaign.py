"""Shared pieces of hort's reliability campaigns (issue #25): running hort and
restic with timeouts, tree manifests (what treecmp.py compares, as a value
that can be kept after the source has changed), restores checked against
them, and the repository checks every campaign asserts after a fault."""
import json, os, random, signal, stat, subprocess, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import treecmp  # noqa: E402  (digest and xattrs: one definition of "identical")

HORT = os.environ.get("HORT", "hort")


def run(argv, timeout=300, env=None, check=False):
    """Runs argv; returns (rc, stdout, stderr). A timeout is rc -1 (a hang)."""
    try:
        p = subprocess.run(argv, capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as e:
        return -1, e.stdout or b"", (e.stderr or b"") + b"\n(timed out)"
    if check and p.returncode != 0:
        raise RuntimeError(f"{argv} exited {p.returncode}: {p.stderr.decode(errors='replace')[-2000:]}")
    return p.returncode, p.stdout, p.stderr


def hort(*args, **kw):
    return run([HORT, *args], **kw)


def init_repo(repo, *args):
    """hort init, then (with HORT_FIXTURE set) the key swapped for one with
    the test KDF, same password and master key: a calibrated key costs ~0.5 s
    of scrypt in every later hort and restic command, most of a campaign's
    CPU. What a kill or a flip does to the repository is the same."""
    run([HORT, "-r", repo, "init", "-q", *args], check=True)
    if os.environ.get("HORT_FIXTURE"):
        run([os.environ["HORT_FIXTURE"], "cheap-key", repo], check=True)


def start(argv, log):
    """Starts argv in a process group of its own (so a SIGKILL also reaches
    hooks and dump commands it started)."""
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=open(log, "ab"), start_new_session=True)


def kill_group(proc, sig=signal.SIGKILL):
    """Kills the group started by start(); True when the leader was still alive."""
    alive = proc.poll() is None
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    proc.wait()
    return alive


def manifest(root):
    """Everything treecmp.py compares (directory mtimes and sparseness aside),
    as a dict relpath -> tuple, plus the hardlink groups."""
    root = os.fsencode(root)
    out, links = {}, {}
    for rel, p in sorted(treecmp.entries(root).items()):
        st = os.lstat(p)
        if stat.S_ISSOCK(st.st_mode):
            continue
        kind = stat.S_IFMT(st.st_mode)
        row = [kind, st.st_uid, st.st_gid]
        if not stat.S_ISLNK(st.st_mode):
            row.append(stat.S_IMODE(st.st_mode))
            row.append(sorted(treecmp.xattrs(p).items()))
        if not stat.S_ISDIR(st.st_mode):
            row.append(st.st_mtime_ns)
        if stat.S_ISREG(st.st_mode):
            row += [st.st_size, treecmp.digest(p)]
            if st.st_nlink > 1:
                links.setdefault(st.st_ino, []).append(rel)
        if stat.S_ISLNK(st.st_mode):
            row.append(os.readlink(p))
        if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            row.append(st.st_rdev)
        out[rel] = repr(row)
    out[b"\0hardlinks"] = repr(sorted(sorted(g) for g in links.values() if len(g) > 1))
    return out


def manifest_diff(want, got, limit=5):
    errs = [f"missing {k!r}" for k in want if k not in got]
    errs += [f"unexpected {k!r}" for k in got if k not in want]
    errs += [f"{k!r}: {want[k]} != {got[k]}" for k in want if k in got and want[k] != got[k]]
    return errs[:limit]


def snapshots(repo, extra=()):
    rc, out, err = hort("-r", repo, *extra, "snapshots", "--json", "--no-lock")
    if rc != 0:
        raise RuntimeError(f"snapshots of {repo} failed ({rc}): {err.decode(errors='replace')}")
    return json.loads(out)


def restore_diff(repo, snap_id, src_path, want, target):
    """Restores snap_id into target and compares src_path's copy with want;
    returns a list of differences (empty: identical)."""
    run(["rm", "-rf", target])
    rc, _, err = hort("-r", repo, "restore", snap_id, "--target", target)
    if rc != 0:
        return [f"restore of {snap_id[:8]} exited {rc}: {err.decode(errors='replace')[-500:]}"]
    got = manifest(target + src_path)
    run(["rm", "-rf", target])
    return manifest_diff(want, got)


def leftovers(repo):
    """Temporary files and lock files a killed process left behind (allowed, reported)."""
    tmp = locks = 0
    for dirpath, _, files in os.walk(repo):
        tmp += sum(1 for f in files if f.startswith(".hort-tmp-"))
        if os.path.basename(dirpath) == "locks":
            locks += len(files)
    return tmp, locks


def check_repo(repo, read_data=False):
    """hort check and restic check; returns a list of failures."""
    extra = ["--read-data"] if read_data else []
    errs = []
    rc, out, err = hort("-r", repo, "check", *extra, timeout=600)
    if rc != 0:
        errs.append(f"hort check exited {rc}: {(out + err).decode(errors='replace')[-800:]}")
    rc, out, err = run(["restic", "-r", repo, "check", *extra], timeout=600)
    if rc != 0:
        errs.append(f"restic check exited {rc}: {(out + err).decode(errors='replace')[-800:]}")
    return errs


def seed_from_env(name="HORT_CAMPAIGN_SEED"):
    seed = int(os.environ.get(name) or random.SystemRandom().randrange(1 << 31))
    print(f"seed {seed} (rerun with {name}={seed})", flush=True)
    return seed


def elapsed(t0):
    return time.monotonic() - t0


def finish(what, seed, payload, errors):
    """Writes payload (+ seed, errors) to $HORT_CAMPAIGN_RESULT, prints the
    verdict and exits 1 on errors."""
    if os.environ.get("HORT_CAMPAIGN_RESULT"):
        with open(os.environ["HORT_CAMPAIGN_RESULT"], "w") as f:
            json.dump(dict(payload, seed=seed, errors=errors[:200]), f, indent=1)
    if errors:
        print(f"{what}: {len(errors)} failures (seed {seed})", file=sys.stderr)
        sys.exit(1)
    print(f"{what} ok (seed {seed})")
