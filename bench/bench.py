#!/usr/bin/env python3
"""./run bench: hort against restic and borg on the same generated data, in
one run, as ratios. Steps: init, first backup, incremental backup, no-change
backup, full restore, check --read-data. For each: wall seconds, CPU seconds
and peak RSS (from /usr/bin/time), median of --reps runs; tools alternate.
Page cache: warm (the data set is read once before the first step and fits
in RAM); this is stated in the report.

usage: bench.py HORT [--size 1G] [--reps 1] [--work DIR] [--s3] [--tools hort,restic,borg] [--data DIR]
       --data DIR: the same six steps on a copy of DIR (a folder the user names) instead of generated data;
       DIR itself is never changed (the incremental step changes each tool's copy)
       bench.py HORT --files 10000,100000,1000000 [--tools ...]   (cost and memory per file)
       --settle 0 --keep-page-cache: no quiet-disk wait and no drop_caches (e2e.bench_smoke, whose figures
       are never read: on a shared machine the waits are most of its time and drop_caches slows every other run)"""
import argparse
import glob, json, os, random, re, shutil, statistics, subprocess, sys, time, zlib

def parse_size(s):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]?)", s.upper())
    return int(float(m.group(1)) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[m.group(2)])

def gen_data(root, size, seed):
    """~40% incompressible, ~40% text-like, ~20% as many small files."""
    rnd = random.Random(seed)
    os.makedirs(root)
    words = [("".join(rnd.choices("abcdefghijklmnopqrstuvwxyz", k=rnd.randint(2, 10)))).encode() for _ in range(20000)]
    big = int(size * 0.4)
    i = 0
    while big > 0:
        n = min(big, 32 << 20)
        with open(os.path.join(root, f"blob{i:03d}.bin"), "wb") as f:
            f.write(rnd.randbytes(n))
        big -= n
        i += 1
    text = int(size * 0.4)
    i = 0
    while text > 0:
        n = min(text, 16 << 20)
        with open(os.path.join(root, f"doc{i:03d}.txt"), "wb") as f:
            written = 0
            while written < n:
                line = b" ".join(rnd.choices(words, k=4000)) + b"\n"
                f.write(line)
                written += len(line)
        text -= n
        i += 1
    small_total = int(size * 0.2)
    count = max(100, min(20000, small_total // 10000))
    for j in range(count):
        d = os.path.join(root, "small", f"d{j // 200:03d}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"f{j:05d}"), "wb") as f:
            f.write(rnd.randbytes(max(1, small_total // count + rnd.randint(-2000, 2000))))

def regular_files(root):
    """Every regular file under `root`, sorted; symlinks (some dangling in a
    user's folder) are neither followed nor listed."""
    return sorted(p for p in (os.path.join(dp, f) for dp, _, fs in os.walk(root) for f in fs)
                  if os.path.isfile(p) and not os.path.islink(p))

def mutate(root, seed):
    """~5% of files changed, some added, some deleted."""
    rnd = random.Random(seed)
    files = regular_files(root)
    for p in rnd.sample(files, max(1, len(files) // 20)):
        with open(p, "r+b") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(rnd.randrange(0, max(1, size)))
            f.write(rnd.randbytes(min(4096, max(1, size // 10))))
    for p in rnd.sample(files, max(1, len(files) // 100)):
        os.remove(p)
    os.makedirs(os.path.join(root, "added"), exist_ok=True)
    for j in range(max(1, len(files) // 100)):
        with open(os.path.join(root, "added", f"n{j}"), "wb") as f:
            f.write(rnd.randbytes(rnd.randint(100, 200000)))

SETTLE_SECONDS = 6       # --settle
KEEP_PAGE_CACHE = False  # --keep-page-cache

def settle():
    """Every tool starts with its writes flushed and the disk quiet."""
    os.sync()
    time.sleep(SETTLE_SECONDS)

def drop_page_cache():
    """Runs keep their files until the end (see clear_leftovers), which is more
    than RAM holds after a few tools; so each tool starts with the page cache
    emptied (as root), and no run pays for reclaiming another's pages."""
    if KEEP_PAGE_CACHE:
        return
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("1\n")
    except OSError:
        pass

def clear_leftovers(work, patterns):
    """ext4 without a journal (this machine's /work) refuses to reuse inodes
    freed in the last 5 s, or 300 s while their inode-table block is dirty, and
    rescans them on every create (kernel recently_deleted()). A restore that
    runs within minutes of deleting many files therefore spends most of its
    time in the kernel, whichever tool it is. So a run deletes nothing while it
    measures: every repository, data copy and restore target gets its own
    directory, kept until the next run removes them here, before the full
    300 s wait (deleting them at the end would slow whatever runs next)."""
    found = [p for pat in patterns for p in glob.glob(os.path.join(work, pat))]
    for p in found:
        shutil.rmtree(p, ignore_errors=True)
    if found:
        print(f"removed {len(found)} leftover directories; waiting 300 s for ext4 to release their inodes", flush=True)
        os.sync()
        time.sleep(300)

# The S3 server's daemons (--s3): on this machine they share the cores with
# the tool measured, so their CPU is printed beside the tools'.
SERVER_PIDS = []

def server_cpu():
    """CPU seconds the S3 server's daemons have used so far (0 without --s3)."""
    total = 0
    for pid in SERVER_PIDS:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            # A restarted daemon's CPU would start again from zero.
            sys.exit(f"the S3 server's daemon {pid} is gone: its CPU cannot be counted")
    return total / os.sysconf("SC_CLK_TCK")

def timed(cmd, env):
    server_before = server_cpu()
    out = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M"] + cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"FAILED ({out.returncode}): {' '.join(cmd)}\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    wall, user, sys_, rss = out.stderr.strip().splitlines()[-1].split()
    return float(wall), float(user) + float(sys_), int(rss), server_cpu() - server_before

def du(path):
    return int(subprocess.run(["du", "-sb", path], capture_output=True, text=True).stdout.split()[0])

def main():
    global SETTLE_SECONDS, KEEP_PAGE_CACHE
    ap = argparse.ArgumentParser()
    ap.add_argument("hort")
    ap.add_argument("--size", default="1G")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--work", default="var/bench")
    ap.add_argument("--tools", default="hort,restic,borg")
    ap.add_argument("--s3", action="store_true", help="hort and restic against Ceph RGW instead of a local folder")
    ap.add_argument("--data", default="", help="measure on a copy of this folder instead of generated data")
    ap.add_argument("--hort-backup-args", default="",
                    help="extra flags for hort's backups only, to measure an option against restic's defaults "
                         "(e.g. '--pack-size 8'); printed with the results")
    ap.add_argument("--files", default="", help="small-file scaling mode: comma-separated counts, e.g. 10000,100000")
    ap.add_argument("--settle", type=float, default=SETTLE_SECONDS,
                    help="seconds each tool waits for a quiet disk before it starts (0: only sync)")
    ap.add_argument("--keep-page-cache", action="store_true",
                    help="never drop the page cache: restore and check read the repository warm (figures not comparable)")
    a = ap.parse_args()
    SETTLE_SECONDS, KEEP_PAGE_CACHE = a.settle, a.keep_page_cache
    if a.files:
        return files_mode(a)
    tools = a.tools.split(",")
    if a.s3 and "borg" in tools:
        tools.remove("borg")  # borg has no S3 backend
    work = os.path.abspath(a.work)
    if a.data:
        data_v1 = os.path.abspath(a.data)
        if not os.path.isdir(data_v1):
            sys.exit(f"--data {a.data}: not a folder")
        if data_v1 == work or data_v1.startswith(work + os.sep) or work.startswith(data_v1 + os.sep):
            sys.exit(f"--data {a.data}: must not hold or lie inside the bench's work folder {work}")
        size = du(data_v1)
        files = sum(len(fs) for _, _, fs in os.walk(data_v1))
        print(f"data: {data_v1}, {size / (1 << 20):.0f} MiB in {files} files (copied for each tool; never changed)", flush=True)
    else:
        size = parse_size(a.size)
        data_v1 = os.path.join(work, "data-v1")
        stamp = os.path.join(work, f"data-{size}.ok")
        if not os.path.exists(stamp):
            shutil.rmtree(work, ignore_errors=True)
            print(f"generating {size >> 20} MiB of data ...", flush=True)
            gen_data(data_v1, size, 1)
            open(stamp, "w").close()
    os.makedirs(work, exist_ok=True)
    env = dict(os.environ, HORT_PASSWORD="bench", RESTIC_PASSWORD="bench", BORG_PASSPHRASE="bench",
               BORG_RELOCATED_REPO_ACCESS_IS_OK="yes", BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK="yes",
               RESTIC_CACHE_DIR=os.path.join(work, "restic-cache"), BORG_BASE_DIR=os.path.join(work, "borg-home"))
    s3 = {}
    if a.s3:
        for line in open(os.path.join(os.environ.get("HORT_SERVERS_DIR", "/tmp/hort-servers"), "env")):
            k, _, v = line.strip().partition("=")
            s3[k] = v
        env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = s3["HORT_TEST_S3_ACCESS_KEY"], s3["HORT_TEST_S3_SECRET_KEY"]
        pids = os.path.join(os.environ.get("HORT_SERVERS_DIR", "/tmp/hort-servers"), "pids")
        for daemon in ("radosgw", "ceph-osd", "ceph-mon"):
            with open(os.path.join(pids, daemon)) as f:
                SERVER_PIDS.append(int(f.read().strip()))
    # Warm the page cache once so every tool sees the same state.
    # Names go through xargs: a user's folder can hold more than one argv takes.
    names = "\0".join(os.path.join(dp, f) for dp, _, fs in os.walk(data_v1) for f in fs)
    subprocess.run(["xargs", "-0", "cat"], input=names.encode(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = {t: {} for t in tools}
    sizes = {}
    leftovers = ["data-run-*", "repo-*", "restore-*"]
    clear_leftovers(work, leftovers)
    if a.s3:
        warm_server(a, tools, s3, data_v1, env)
    # The floor is measured just before each of hort's first backups: this
    # machine's speed moves between hours (zstd's rate on the same text has
    # measured 233 and 326 MB/s on one day), and a floor measured after the
    # six steps could come from another hour than the backups it is set against.
    floors = []  # (floor, hort's first backup seconds) per repetition
    floor_missing = "hort" not in tools
    for rep in range(a.reps):
        order = tools if rep % 2 == 0 else list(reversed(tools))
        for tool in order:
            floor = None
            if tool == "hort" and not floor_missing:
                floor = compute_floor(a.hort, size, data_v1, work)
                floor_missing = floor is None
            drop_page_cache()
            data = os.path.join(work, f"data-run-{rep}-{tool}")
            shutil.copytree(data_v1, data, symlinks=True)  # warm: the copy stays in the page cache
            repo = os.path.join(work, f"repo-{tool}-{rep}")
            restore = os.path.join(work, f"restore-{tool}-{rep}")
            settle()
            if a.s3:
                bucket = f"bench-{os.getpid()}-{rep}-{tool}"
                loc = f"s3:{s3['HORT_TEST_S3_ENDPOINT']}/{bucket}/{tool}"
            else:
                loc = repo
            cmds = commands(a, tool, loc, data, restore, repo)
            steps = [("init", cmds["init"]), ("first backup", cmds["backup"])]
            r = results[tool]
            for name, cmd in steps:
                r.setdefault(name, []).append(timed(cmd, env))
            if floor:
                floors.append((floor, r["first backup"][-1][0]))
            mutate(data, 7)
            r.setdefault("incremental backup", []).append(timed(cmds["backup"], env))
            r.setdefault("no-change backup", []).append(timed(cmds["backup"], env))
            # Restore and check read the repository cold, as after a disaster:
            # otherwise a tool whose writes went through the page cache reads
            # its packs from memory and one that wrote them with O_DIRECT
            # (hort) from the disk.
            drop_page_cache()
            r.setdefault("full restore", []).append(timed(cmds["restore"], env))
            drop_page_cache()
            r.setdefault("check --read-data", []).append(timed(cmds["check"], env))
            if tool == "hort" and shutil.which("restic"):
                compat_check(loc, env)
            if not a.s3:
                sizes[tool] = du(repo)
            else:
                remove_bucket(bucket)
    steps = ["init", "first backup", "incremental backup", "no-change backup", "full restore", "check --read-data"]
    med = lambda xs, i: statistics.median(x[i] for x in xs)
    print(f"\nhort bench: {size >> 20} MiB ({'RGW on loopback' if a.s3 else 'local folder'}), {a.reps} repetition(s), "
          f"medians; source data warm, repository {'warm (--keep-page-cache)' if KEEP_PAGE_CACHE else 'cold'} for restore and check; "
          f"{os.cpu_count()} cores" + (f"; hort's backups with {a.hort_backup_args}" if a.hort_backup_args else ""))
    header = f"{'step':<20}" + "".join(f"{t + ' wall':>12}{t + ' cpu':>11}{t + ' MiB':>10}" for t in tools)
    header += "".join(f"{t + '/hort':>13}" for t in tools if t != "hort")
    print(header)
    report = {}
    for s in steps:
        line = f"{s:<20}"
        for t in tools:
            line += f"{med(results[t][s], 0):>12.2f}{med(results[t][s], 1):>11.2f}{med(results[t][s], 2) / 1024:>10.0f}"
        for t in tools:
            if t != "hort":
                line += f"{med(results[t][s], 0) / max(med(results['hort'][s], 0), 1e-3):>12.2f}x"
        print(line)
        report[s] = {t: {"wall": med(results[t][s], 0), "cpu": med(results[t][s], 1), "rss_kib": med(results[t][s], 2)} for t in tools}
    if a.s3:
        print("CPU of the S3 server (radosgw, ceph-osd, ceph-mon) during each step, medians: " +
              "; ".join(f"{st} " + ", ".join(f"{t} {med(results[t][st], 3):.2f} s" for t in tools) for st in steps[1:]))
        for s in steps:
            for t in tools:
                report[s][t]["server_cpu"] = med(results[t][s], 3)
    if sizes:
        print("repository size: " + ", ".join(f"{t} {sizes[t] / (1 << 20):.1f} MiB" for t in tools))
    if floors:
        # The median floor's parts, beside hort's median first backup; then
        # each repetition's floor beside the backup that followed it.
        seconds, parts, random_only = sorted((f for f, _ in floors), key=lambda f: f[0])[len(floors) // 2]
        first = med(results["hort"]["first backup"], 0)
        print(f"compute floor of the first backup: {seconds:.2f} s ({parts}); hort {first:.2f} s = {first / seconds:.1f}x the floor"
              f" (every byte at zstd's random-data rate: {random_only:.2f} s, {first / random_only:.1f}x)")
        print("  measured just before each of hort's first backups: " +
              "; ".join(f"floor {f[0]:.2f} s, hort {t:.2f} s = {t / f[0]:.2f}x" for f, t in floors))
    # The medians hide how far single runs spread (restic's first backup has
    # ranged 6.6-7.9 s on this machine): every run's wall time, in run order.
    print("wall seconds of every run:")
    for s in steps:
        print(f"  {s:<20}" + "  ".join(f"{t} " + " ".join(f"{x[0]:.2f}" for x in results[t][s]) for t in tools))
    for s in steps:
        for t in tools:
            report[s][t]["runs"] = [{"wall": x[0], "cpu": x[1], "rss_kib": x[2], **({"server_cpu": x[3]} if a.s3 else {})}
                                    for x in results[t][s]]
    with open(os.path.join(work, "report.json"), "w") as f:
        json.dump({"size": size, "s3": a.s3, "steps": report, "repo_bytes": sizes}, f, indent=1)

def compressible_files(root):
    """The files under `root` that zstd meets as text, with their sizes: a file
    counts as compressible when zlib at level 1 shrinks its first 32 KiB
    below 90 % (random data, media and gzip files do not). Symlinks are not
    followed."""
    found = []
    for p in regular_files(root):
        with open(p, "rb") as fh:
            sample = fh.read(32 << 10)
        if sample and len(zlib.compress(sample, 1)) < 0.9 * len(sample):
            found.append((p, os.path.getsize(p)))
    return found

def zstd_rate_on(files, work, cap=64 << 20):
    """zstd level 3's bytes per second on one core over a sample of `files`
    (every k-th, up to `cap` bytes, concatenated), from the zstd tool's own
    benchmark (`zstd -b3`, the libzstd hort links). None without the tool."""
    if not files or not shutil.which("zstd"):
        return None
    total = sum(size for _, size in files)
    step = max(1, int(total // cap))
    sample = os.path.join(work, "zstd-rate-sample")
    with open(sample, "wb") as out:
        for p, _ in files[::step]:
            with open(p, "rb") as fh:
                out.write(fh.read(cap - out.tell()))
            if out.tell() >= cap:
                break
    run = subprocess.run(["zstd", "-b3", "-e3", "-i1", "-T1", sample], capture_output=True, text=True)
    os.remove(sample)
    # Progress lines carry the compression rate alone, finished ones both
    # rates: only a line with both says which is which (reading the
    # second-last rate of the output took a decompression rate once).
    # zstd 1.5 prints "(x2.53),  147.6 MB/s,  894.2 MB/s", older ones "(2.53),147.6 MB/s ,894.2 MB/s".
    rates = re.findall(r"\(x?[0-9.]+\),\s*([0-9.]+) MB/s\s*,\s*[0-9.]+ MB/s", run.stdout + run.stderr)
    if run.returncode != 0 or not rates:
        print("compute floor: no rate in zstd -b's output; the text counts at --micro's text rate", flush=True)
        return None
    return float(rates[-1]) * 1e6

def compute_floor(hort, size, source, work):
    """The least time a first backup of `size` bytes can take on this machine:
    every byte through the chunker, SHA-256 (its blob ID; the pack's hash
    again), zstd and AES at the rates `./run bench --micro` measures, spread
    over all cores. zstd's rate depends on what it compresses: the bytes of
    files that compress (compressible_files) count at zstd's own measured rate
    on a sample of them (--micro's text is generated words, which zstd
    compresses at half the rate of real source and documentation), the rest
    at --micro's rate on random data. Reading the files and writing the
    packs are not in it. Returns (seconds, parts, seconds with every byte at
    zstd's random-data rate), or None when the micro benchmark is missing."""
    micro = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(hort)))), "bench",
                         "hort_micro_bench")
    if not os.path.exists(micro):
        print(f"compute floor: {micro} not built (Google Benchmark missing?)", flush=True)
        return None
    out = subprocess.run([micro, "--benchmark_filter=^(BM_Chunker/1048576|BM_Sha256|BM_EncryptBlob|BM_ZstdAuto/[01])$",
                          "--benchmark_format=json", "--benchmark_min_time=0.3"], capture_output=True, text=True)
    if out.returncode != 0:
        print(f"compute floor: {micro} failed: {out.stderr.strip()[-200:]}", flush=True)
        return None
    rate = {b["name"].rsplit("/", 1)[0] if b["name"].startswith("BM_Chunker") else b["name"]: b["bytes_per_second"]
            for b in json.loads(out.stdout)["benchmarks"]}
    files = compressible_files(source)
    text = min(sum(size for _, size in files), size)
    text_rate = zstd_rate_on(files, work)
    if text_rate is None:
        text_rate, text_source = rate["BM_ZstdAuto/1"], "--micro's text rate"
    else:
        text_source = f"{text_rate / 1e6:.0f} MB/s, zstd -b3 on a sample"
    per_byte = {"chunker": 1 / rate["BM_Chunker"], "sha256 x2": 2 / rate["BM_Sha256"], "aes": 1 / rate["BM_EncryptBlob"]}
    cores = os.cpu_count() or 1
    zstd = text / text_rate + (size - text) / rate["BM_ZstdAuto/0"]
    seconds = (size * sum(per_byte.values()) + zstd) / cores
    random_only = (size * sum(per_byte.values()) + size / rate["BM_ZstdAuto/0"]) / cores
    parts = ", ".join(f"{k} {size * v:.2f} s" for k, v in per_byte.items())
    parts += f", zstd {zstd:.2f} s ({text / (1 << 20):.1f} MiB of text at {text_source}), over {cores} cores"
    return seconds, parts, random_only

def commands(a, tool, loc, data, restore, repo):
    """Each tool's init, backup, restore and check command lines."""
    if tool == "hort":
        return {"init": [a.hort, "-r", loc, "init"],
                "backup": [a.hort, "-r", loc, "backup", "-q", *a.hort_backup_args.split(), data],
                "restore": [a.hort, "-r", loc, "restore", "latest", "-q", "--target", restore],
                "check": [a.hort, "-r", loc, "check", "-q", "--read-data"]}
    if tool == "restic":
        return {"init": ["restic", "-r", loc, "init"], "backup": ["restic", "-r", loc, "backup", "-q", data],
                "restore": ["restic", "-r", loc, "restore", "latest", "-q", "--target", restore],
                "check": ["restic", "-r", loc, "check", "-q", "--read-data"]}
    return {"init": ["borg", "init", "-e", "repokey-blake2", repo],
            "backup": ["borg", "create", "--compression", "zstd,3", repo + "::{now:%Y%m%d%H%M%S%f}", data],
            "restore": ["sh", "-c", f"mkdir -p {restore} && cd {restore} && borg extract {repo}::$(borg list --last 1 --short {repo})"],
            "check": ["borg", "check", "--verify-data", repo]}

def warm_server(a, tools, s3, data, env):
    """A freshly started RGW is slow to take its first gigabytes: its OSD
    keeps objects in memory (memstore) and first touches that memory during
    the first backups. Measured by hand (2026-12-05, hort's first backup of
    the 1 GiB data, bucket removed after each): the first two runs on a
    fresh RGW cost the server 420-470k page faults and 11.5 s of CPU, later
    runs 200k and 8.0 s, and hort's wall time fell from 9.7-10.3 s to
    8.2-8.5 s. The bench measures the tools, not the server's first hour,
    so every tool first backs up the data once, unmeasured, into a bucket
    that is removed again; a homelab's S3 server has long been running.
    (Most of those faults, and of the 200k after, came from glibc malloc
    handing the daemons' buffers back to the kernel; since 2026-12-06
    servers.sh keeps them in malloc's heap, as Ceph's tcmalloc builds do.)"""
    for tool in tools:
        bucket = f"bench-{os.getpid()}-warm-{tool}"
        cmds = commands(a, tool, f"s3:{s3['HORT_TEST_S3_ENDPOINT']}/{bucket}/{tool}", data, None, None)
        for step in ("init", "backup"):
            out = subprocess.run(cmds[step], env=env, capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"FAILED warming the server ({out.returncode}): {' '.join(cmds[step])}\n{out.stderr[-2000:]}")
        remove_bucket(bucket)
    print(f"server warmed: {', '.join(tools)} each backed up the data once, unmeasured", flush=True)

def remove_bucket(bucket):
    """The test RGW keeps objects in memory (memstore, 4 GiB): three runs of
    two tools would fill it, and a full OSD blocks every write. Deleting is
    safe on S3 while nothing measures (the ext4 wait below is about local
    files), so each tool's bucket goes right after its steps; --bypass-gc,
    as RGW otherwise hands the objects to its garbage collector, which frees
    them hours later (rgw_gc_obj_min_wait)."""
    conf = os.path.join(os.environ.get("HORT_SERVERS_DIR", "/tmp/hort-servers"), "ceph", "ceph.conf")
    subprocess.run(["radosgw-admin", "--conf", conf, "bucket", "rm", f"--bucket={bucket}", "--purge-objects", "--bypass-gc"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)

def compat_check(loc, env):
    """The speed must not cost compatibility: restic reads every hort repository."""
    rc = subprocess.run(["restic", "-r", loc, "check", "-q", "--read-data", "--no-cache"], env=env,
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if rc.returncode != 0:
        sys.exit(f"restic check --read-data FAILED on hort's repository {loc}:\n{rc.stderr}")
    print(f"restic check --read-data of hort's repository {os.path.basename(loc)}: ok", flush=True)

def files_run(a, tool, work, data, n, rep, env):
    """One backup and restore of `data` into a fresh repository: (backup s, backup KiB, restore s, restore KiB)."""
    # Each tool starts from an empty page cache but warm source files, as in
    # the 1 GiB mode.
    drop_page_cache()
    subprocess.run(f"tar cf - -C {data} . | cat > /dev/null", shell=True, check=True)
    repo = os.path.join(work, f"repo-{tool}-{n}-{rep}")
    out = os.path.join(work, f"out-{tool}-{n}-{rep}")
    settle()
    if tool == "hort":
        init, backup = [a.hort, "-r", repo, "init"], [a.hort, "-r", repo, "backup", "-q", data]
        restore = [a.hort, "-r", repo, "restore", "latest", "-q", "--target", out]
    elif tool == "restic":
        init, backup = ["restic", "-r", repo, "init"], ["restic", "-r", repo, "backup", "-q", data]
        restore = ["restic", "-r", repo, "restore", "latest", "-q", "--target", out]
    else:
        init = ["borg", "init", "-e", "repokey-blake2", repo]
        backup = ["borg", "create", "--compression", "zstd,3", repo + "::a", data]
        restore = ["sh", "-c", f"mkdir -p {out} && cd {out} && borg extract {repo}::a"]
    timed(init, env)
    bw, _, brss, _ = timed(backup, env)
    drop_page_cache()  # the repository is read cold, as in the 1 GiB mode
    rw, _, rrss, _ = timed(restore, env)
    if tool == "hort" and shutil.which("restic") and n > 1:
        compat_check(repo, env)
    return bw, brss, rw, rrss

def files_mode(a):
    """Backup and restore of N small files: cost and memory per file as N grows."""
    tools = [t for t in a.tools.split(",")]
    work = os.path.abspath(a.work) + "-files"
    env = dict(os.environ, HORT_PASSWORD="bench", RESTIC_PASSWORD="bench", BORG_PASSPHRASE="bench",
               RESTIC_CACHE_DIR=os.path.join(work, "restic-cache"), BORG_BASE_DIR=os.path.join(work, "borg-home"))
    # Every count is also measured net of a run on a single file (the fixed cost
    # of start-up, key derivation and index loading): "net us/file" and
    # "net KiB/file" are how cost and memory grow with each further file.
    print(f"medians of {a.reps} run(s) per tool and count, each into a fresh repository and target")
    # "step KiB" is memory per file since the previous count: the one-file
    # run's peak is hort's key derivation (32 MiB, freed before any per-file
    # structure exists), so "net KiB" understates the counts whose peak is
    # not far above it, and the step between two counts is the plainer growth.
    # "KiB/file" is the whole peak over the files (fixed costs included).
    print(f"{'files':>9} {'tool':<7} {'backup s':>9} {'us/file':>8} {'net us':>7} {'MiB':>6} {'KiB/file':>8} {'net KiB':>8}"
          f" {'step KiB':>8} {'restore s':>10} {'us/file':>8} {'net us':>7} {'MiB':>6} {'KiB/file':>8} {'net KiB':>8}"
          f" {'step KiB':>8}")
    base, previous, peaks = {}, {}, {}
    leftovers = ["repo-*", "out-*"]
    clear_leftovers(work, leftovers)
    for n in [1] + [int(x) for x in a.files.split(",")]:
        data = os.path.join(work, f"data-{n}")
        if not os.path.exists(data + ".ok"):
            shutil.rmtree(data, ignore_errors=True)
            rnd = random.Random(n)
            for i in range(n):
                d = os.path.join(data, f"d{i // 1000:05d}")
                if i % 1000 == 0:
                    os.makedirs(d)
                with open(os.path.join(d, f"f{i:07d}"), "wb") as f:
                    f.write(rnd.randbytes(rnd.randint(100, 4000)))
            open(data + ".ok", "w").close()
        for tool in tools:
            runs = [files_run(a, tool, work, data, n, rep, env) for rep in range(a.reps)]
            bw, brss, rw, rrss = (statistics.median(r[k] for r in runs) for k in range(4))
            if n == 1:
                base[tool] = (bw, brss, rw, rrss)
            else:
                b0w, b0m, r0w, r0m = base[tool]
                pn, pb, pr = previous.get(tool, (1, b0m, r0m))
                print(f"{n:>9} {tool:<7} {bw:>9.2f} {bw / n * 1e6:>8.1f} {(bw - b0w) / (n - 1) * 1e6:>7.1f}"
                      f" {brss / 1024:>6.0f} {brss / n:>8.2f} {(brss - b0m) / (n - 1):>8.2f} {(brss - pb) / (n - pn):>8.2f}"
                      f" {rw:>10.2f} {rw / n * 1e6:>8.1f} {(rw - r0w) / (n - 1) * 1e6:>7.1f}"
                      f" {rrss / 1024:>6.0f} {rrss / n:>8.2f} {(rrss - r0m) / (n - 1):>8.2f} {(rrss - pr) / (n - pn):>8.2f}",
                      flush=True)
                previous[tool] = (n, brss, rrss)
                peaks.setdefault(tool, []).append((n, brss / 1024, rrss / 1024))
    for tool, rows in peaks.items():
        print_memory_model(tool, base[tool][1] / 1024, base[tool][3] / 1024, rows)


def print_memory_model(tool, backup_floor, restore_floor, rows):
    """Peak RSS is max(a fixed peak, fixed + per-file x N), not a sum: below
    some count the files hide under a fixed peak (hort's key derivation), so
    per-file figures at small counts measure that peak, not the files. The
    slope between the two largest counts is the memory each further file
    costs; how well fixed + slope x N, floored at the one-file run's peak,
    predicts every smaller count shows whether that cost is the same at every
    count (flat) or grows."""
    if len(rows) < 2:
        return
    n1, n2 = rows[-2][0], rows[-1][0]
    for step, floor, i in (("backup", backup_floor, 1), ("restore", restore_floor, 2)):
        slope = (rows[-1][i] - rows[-2][i]) / (n2 - n1)  # MiB per file
        fixed = rows[-1][i] - slope * n2
        fit = " ".join(f"{row[0]}: {max(floor, fixed + slope * row[0]):.0f}/{row[i]:.0f}" for row in rows)
        print(f"{tool} {step} memory: {slope * 1024 * 1024:.0f} bytes per file ({n1}->{n2}), fixed {fixed:.0f} MiB,"
              f" one-file peak {floor:.0f} MiB; predicted/measured MiB {fit}", flush=True)

if __name__ == "__main__":
    main()
