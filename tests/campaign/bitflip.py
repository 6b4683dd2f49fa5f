#!/usr/bin/env python3
"""Bit-flip campaign (issue #25): single random bit flips in copies of a small
repository, over every file type (config, keys, index, snapshots, data and
tree packs' bodies and headers, locks). For each flip:
  - `hort check --read-data` never crashes (exit >= 128, a signal, a hang);
  - if check exits 0, every snapshot restores identically (the flip was in a
    field that does not matter, e.g. a key file's unauthenticated hostname);
  - whatever check says, a restore that exits 0 restored identical data:
    never silently different data.
Usage: bitflip.py WORKDIR. Env: HORT, HORT_PASSWORD; HORT_BITFLIP_FLIPS
(flips per file type, default 3); HORT_CAMPAIGN_SEED; HORT_CAMPAIGN_RESULT."""
import os, random, re, shutil, struct, subprocess, sys, time
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from campaign import HORT, finish, hort, init_repo, manifest, manifest_diff, run, seed_from_env, snapshots

KINDS = ("config", "keys", "index", "snapshots", "pack-header", "pack-body", "locks")


def make_repo(work, rnd):
    """Two snapshots of a small tree, and the stale lock of a killed backup."""
    src = os.path.join(work, "src")
    os.makedirs(os.path.join(src, "d/e"))
    for i in range(20):
        with open(os.path.join(src, "d", f"t{i}.txt"), "wb") as f:
            f.write(b"text %d\n" % i * (i + 1))
    with open(os.path.join(src, "d/e/random.bin"), "wb") as f:
        f.write(rnd.randbytes(300_000))
    os.symlink("d/t1.txt", os.path.join(src, "link"))
    repo = os.path.join(work, "repo")
    init_repo(repo)
    run([HORT, "-r", repo, "backup", src, "-q"], check=True)
    with open(os.path.join(src, "d/t3.txt"), "ab") as f:
        f.write(b"changed\n")
    with open(os.path.join(src, "d/e/more.bin"), "wb") as f:
        f.write(rnd.randbytes(100_000))
    run([HORT, "-r", repo, "backup", src, "-q"], check=True)
    # A backup from a pipe takes its lock and waits; killed there, it leaves just the (stale) lock.
    held = subprocess.Popen([HORT, "-r", repo, "backup", "--stdin", "-q"], stdin=subprocess.PIPE)
    # Only a published lock counts: the store writes it under a temporary
    # name first (".hort-tmp-…", empty for a moment), which a kill can leave.
    lock_dir = os.path.join(repo, "locks")
    published = lambda: [n for n in os.listdir(lock_dir) if re.fullmatch(r"[0-9a-f]{64}", n)]
    for _ in range(400):
        if published():
            break
        time.sleep(0.05)
    held.kill()
    held.wait()
    locks = published()
    if len(locks) != 1:
        raise RuntimeError(f"the held backup left no lock (locks/ holds {os.listdir(lock_dir)})")
    for n in os.listdir(lock_dir):  # what the kill left under a temporary name is no file of restic's format
        if n not in locks:
            os.remove(os.path.join(lock_dir, n))
    # hort removes a dead process's lock when it next locks: kept aside, put back at the end.
    lock = shutil.copy(os.path.join(lock_dir, locks[0]), os.path.join(work, "lock"))
    want = {s["id"]: None for s in snapshots(repo)}
    for sid in want:
        out = os.path.join(work, "pristine")
        run(["rm", "-rf", out])
        run([HORT, "-r", repo, "restore", sid, "--target", out], check=True)
        want[sid] = manifest(out + src)
    # The newest snapshot holds today's source; the older one is what its restore gave (checked below).
    latest = max(snapshots(repo), key=lambda s: s["time"])["id"]
    if manifest_diff(manifest(src), want[latest]):
        raise RuntimeError("the pristine repository does not restore its source")
    shutil.copy(lock, os.path.join(lock_dir, locks[0]))
    return repo, src, want


def files_of(repo, kind):
    if kind == "config":
        return [os.path.join(repo, "config")]
    if kind.startswith("pack"):
        kind = "data"
    out = []
    for dirpath, _, files in os.walk(os.path.join(repo, kind)):
        out += [os.path.join(dirpath, f) for f in files]
    return sorted(out)


def flip_range(path, kind):
    """Byte range the flip may land in: a pack's header (with its length
    field) or its body; the whole file otherwise."""
    size = os.path.getsize(path)
    if not kind.startswith("pack"):
        return 0, size
    with open(path, "rb") as f:
        f.seek(size - 4)
        hlen = struct.unpack("<I", f.read(4))[0]
    return (size - 4 - hlen, size) if kind == "pack-header" else (0, size - 4 - hlen)


def crashed(rc):
    return rc < 0 or rc >= 128


def main():
    work = sys.argv[1]
    flips = int(os.environ.get("HORT_BITFLIP_FLIPS", "3"))
    seed = seed_from_env()
    rnd = random.Random(seed)
    os.makedirs(work, exist_ok=True)
    pristine, src, want = make_repo(work, rnd)
    res = {k: dict(flips=0, check_reported=0, harmless=0, restore_reported=0, crashes=0, silent_differences=0)
           for k in KINDS}
    errors = []
    copy = os.path.join(work, "copy")
    for n in range(flips):
        for kind in KINDS:
            run(["rm", "-rf", copy])
            shutil.copytree(pristine, copy, symlinks=True)
            path = rnd.choice(files_of(copy, kind))
            lo, hi = flip_range(path, kind)
            off, bit = rnd.randrange(lo, hi), rnd.randrange(8)
            os.chmod(path, 0o600)
            with open(path, "r+b") as f:
                f.seek(off)
                b = f.read(1)[0] ^ (1 << bit)
                f.seek(off)
                f.write(bytes([b]))
            what = f"{kind} {os.path.relpath(path, copy)} byte {off} bit {bit}"
            r = res[kind]
            r["flips"] += 1
            rc, out, err = hort("-r", copy, "check", "--read-data", timeout=120)
            if crashed(rc):
                r["crashes"] += 1
                errors.append(f"{what}: check crashed or hung (exit {rc}): {err.decode(errors='replace')[-300:]}")
                continue
            r["check_reported" if rc != 0 else "harmless"] += 1
            for sid, m in want.items():
                target = os.path.join(work, "out")
                run(["rm", "-rf", target])
                rrc, _, rerr = hort("-r", copy, "restore", sid, "--target", target, timeout=120)
                if crashed(rrc):
                    r["crashes"] += 1
                    errors.append(f"{what}: restore {sid[:8]} crashed or hung (exit {rrc}): {rerr.decode(errors='replace')[-300:]}")
                    continue
                diff = manifest_diff(m, manifest(target + src)) if os.path.isdir(target + src) else ["nothing restored"]
                if rrc != 0:
                    r["restore_reported"] += 1
                    if rc == 0:  # check called the repository clean, yet a restore failed
                        errors.append(f"{what}: check exited 0 but restore {sid[:8]} exited {rrc}: {rerr.decode(errors='replace')[-300:]}")
                elif diff:
                    r["silent_differences"] += 1
                    errors.append(f"{what}: restore {sid[:8]} exited 0 with different data: {diff}")
        print(f"  round {n + 1}/{flips}: {sum(r['flips'] for r in res.values())} flips, {len(errors)} failures",
              flush=True)
    print(f"{'file type':<12}" + "".join(f"{c:>20}" for c in next(iter(res.values()))))
    for k, r in res.items():
        print(f"{k:<12}" + "".join(f"{v:>20}" for v in r.values()))
    for e in errors[:50]:
        print("FAIL:", e, file=sys.stderr)
    finish("bit flips", seed, {"results": res}, errors)


if __name__ == "__main__":
    main()
