#!/usr/bin/env python3
"""Malicious repositories (issue #25), crafted with resticrepo.py: names that
climb out (`../x`, `/abs`, `a/b`, `.`, `..`, empty), a symlink with a file
"beneath" it, hard-link tricks, a tree that contains itself, a tree 30,000
levels deep and one 200,000 entries wide, huge lengths in index, pack headers
and nodes. For each: `hort check --read-data` and `hort restore` run under
tests/e2e/memory_limited.sh (1 GiB) and a timeout and must not crash, hang or run out of
memory; restore writes nothing outside its target (the folder around it and an
`outside` folder a symlink points at are compared before and after; absolute
names are looked for at /); check reports the damage where there is damage.

Cases that fail on main because of defects being fixed on other branches are
listed in KNOWN: they run and are reported, but fail the test only with
HORT_MALICIOUS_STRICT=1 (drop them from KNOWN when the fixes merge).
Usage: malicious.py WORKDIR [CASE...]. Env: HORT, HORT_PASSWORD;
HORT_MALICIOUS_WIDE (entries of the wide tree, default 200000);
HORT_MALICIOUS_DEEP (levels of the deep tree, default 30000); HORT_CAMPAIGN_RESULT."""
import json, os, shutil, struct, subprocess, sys, uuid
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from campaign import HORT, init_repo, run
from resticrepo import Writer, node_dir, node_file, node_link, sha

UNIQ = uuid.uuid4().hex[:12]
ABS = f"/hort-malicious-{UNIQ}"
# case -> how it fails on main at 54e635b (2026-12-04).
KNOWN = {}  # deep (defect 6) and duplicate names (defect 3) were here until their fixes merged
CASES = []


def case(check="damage"):
    """check: "damage" (check must exit non-zero), "clean" (exit 0) or "any"."""
    def wrap(fn):
        CASES.append((fn.__name__, fn, check))
        return fn
    return wrap


def files(w, *named):
    """(name, content) -> file nodes with their data blobs."""
    return [node_file(n, [w.blob("data", c)], size=len(c)) for n, c in named]


# --- names that leave the target -------------------------------------------------------
@case("clean")
def control(w, ctx):
    """A well-formed crafted snapshot: check passes, restore is exact (proves the writer)."""
    sub = w.tree(files(w, ("f.txt", b"hello\n")))
    ctx["expect"] = {"dir/f.txt": b"hello\n"}
    ctx["show"] = ["l"]
    return w.tree([node_dir("dir", sub), node_link("l", "dir/f.txt")])


def bad_name(name):
    def build(w, ctx):
        return w.tree(files(w, (name, b"EVIL " + name.encode() + b"\n")))
    build.__name__ = "name_" + {"../x": "dotdot_x", "../../escape": "dotdot2", ABS: "absolute", "a/b": "slash",
                                ".": "dot", "..": "dotdot", "": "empty"}[name]
    return build


for _n in ("../x", "../../escape", ABS, "a/b", ".", "..", ""):
    case()(bad_name(_n))


@case()
def name_dotdot_dir(w, ctx):
    """A directory named .. holding a file: would land next to the target."""
    sub = w.tree(files(w, ("up.txt", b"EVIL\n")))
    return w.tree([node_dir("..", sub)])


# --- symlinks and hard links ---------------------------------------------------------------
@case()
def symlink_then_dir(w, ctx):
    """A symlink s -> outside, then a directory s with a file: the file must not land outside."""
    sub = w.tree(files(w, ("pwned", b"EVIL\n")))
    return w.tree([node_link("s", ctx["outside"]), node_dir("s", sub)])


@case()
def symlink_relative_then_dir(w, ctx):
    sub = w.tree(files(w, ("pwned", b"EVIL\n")))
    return w.tree([node_link("s", "../outside"), node_dir("s", sub)])


@case()
def symlink_then_file(w, ctx):
    """A symlink to a file outside, then a file of the same name: must not write through it."""
    return w.tree([node_link("t", os.path.join(ctx["outside"], "secret"))] +
                  files(w, ("t", b"EVIL\n")))


@case("any")
def hardlink_same_inode_different_content(w, ctx):
    """Two entries of one inode with different content: nothing crashes or escapes."""
    a = node_file("a", [w.blob("data", b"content A\n")], size=10, inode=7, links=2, device_id=1)
    b = node_file("b", [w.blob("data", b"content B\n")], size=10, inode=7, links=2, device_id=1)
    ctx["show"] = ["a", "b"]
    return w.tree([a, b])


@case("any")
def hardlink_to_outside_symlink(w, ctx):
    """A symlink to a file outside and a file sharing its inode: linking the
    file to the symlink and writing it would write outside."""
    l = node_link("l", os.path.join(ctx["outside"], "secret"), inode=9, links=2, device_id=1)
    m = node_file("m", [w.blob("data", b"EVIL\n")], size=5, inode=9, links=2, device_id=1)
    ctx["show"] = ["l", "m"]
    return w.tree([l, m])


@case("any")
def hardlink_first_beneath_symlink(w, ctx):
    """The first entry of an inode sits beneath a symlink to outside (as a
    name with a slash); the second must not become a link to the outside file."""
    first = node_file("s/secret", [w.blob("data", b"EVIL\n")], size=5, inode=11, links=2, device_id=1)
    second = node_file("z", [w.blob("data", b"EVIL\n")], size=5, inode=11, links=2, device_id=1)
    return w.tree([node_link("s", ctx["outside"]), first, second])


# --- cycles, depth, width -------------------------------------------------------------------
@case()
def cycle_self(w, ctx):
    """A tree stored under an ID its own directory entry points at."""
    fake = sha(b"cycle " + UNIQ.encode())
    w.tree([node_dir("loop", fake)], claimed_id=fake)
    return w.tree([node_dir("top", fake)])


@case()
def cycle_two(w, ctx):
    a, b = sha(b"cycle a " + UNIQ.encode()), sha(b"cycle b " + UNIQ.encode())
    w.tree([node_dir("to-b", b)], claimed_id=a)
    w.tree([node_dir("to-a", a)], claimed_id=b)
    return w.tree([node_dir("top", a)])


@case("any")
def deep(w, ctx):
    """A valid tree DEEP levels deep: restore may refuse the long path, but must not crash."""
    tid = w.tree(files(w, ("bottom", b"bottom\n")))
    for _ in range(int(os.environ.get("HORT_MALICIOUS_DEEP", "30000"))):
        tid = w.tree([node_dir("d", tid)])
    return tid


@case("clean")
def wide(w, ctx):
    """A valid tree of WIDE empty files: check passes, restore writes them all."""
    n = int(os.environ.get("HORT_MALICIOUS_WIDE", "200000"))
    ctx["count"] = n
    return w.tree([node_file(f"f{i:07d}") for i in range(n)])


# --- huge lengths ---------------------------------------------------------------------------
def huge_index(field, value):
    def build(w, ctx):
        root = w.tree(files(w, ("f", b"some data\n")))
        w.flush_pack("data", index_hook=lambda es: [dict(e, **{field: value}) for e in es])
        return root
    build.__name__ = f"huge_index_{field}"
    return build


case()(huge_index("length", (1 << 40) + 7))
case()(huge_index("offset", (1 << 62)))
case()(huge_index("uncompressed_length", (1 << 40)))


@case()
def huge_pack_header_length(w, ctx):
    """The pack's trailing header length says 4 GiB - 16."""
    root = w.tree(files(w, ("f", b"some data\n")))
    w.flush_pack("data", pack_hook=lambda p: p[:-4] + struct.pack("<I", 0xFFFFFFF0))
    return root


@case()
def huge_pack_header_entry(w, ctx):
    """A header entry's length is 4 GiB - 1 (a blob far past the pack's end)."""
    root = w.tree(files(w, ("f", b"some data\n")))
    w.flush_pack("data", header_hook=lambda h: h[:1] + struct.pack("<I", 0xFFFFFFFF) + h[5:])
    return root


@case()
def huge_compressed_entry(w, ctx):
    """A compressed-blob header entry (type 2) claiming 4 GiB uncompressed."""
    root = w.tree(files(w, ("f", b"some data\n")))
    w.flush_pack("data", header_hook=lambda h: bytes([2]) + h[1:5] + struct.pack("<I", 0xFFFFFFFF) + h[5:])
    return root


@case("any")
def huge_file_size(w, ctx):
    """A file node claiming 2^62 bytes of 10 bytes of content (restic check
    0.14 does not compare the two either): restore writes the 10 bytes."""
    ctx["expect"] = {"f": b"some data\n"}
    return w.tree([node_file("f", [w.blob("data", b"some data\n")], size=1 << 62)])


def snapshot_of(fn, repo, ctx):
    w = Writer(repo, os.environ["HORT_PASSWORD"])
    root = fn(w, ctx)
    return w.finish(root)


def listing(path):
    out = {}
    for dirpath, dirs, fs in os.walk(path):
        for n in dirs + fs:
            p = os.path.join(dirpath, n)
            out[os.path.relpath(p, path)] = os.readlink(p) if os.path.islink(p) else (
                open(p, "rb").read() if os.path.isfile(p) else "dir")
    return out


# tests/e2e/memory_limited.sh: 1 GiB of address space, or per allocation under ASan.
MEMORY_LIMITED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e", "memory_limited.sh")


def limited(argv, timeout=300):
    try:
        p = subprocess.run([MEMORY_LIMITED, *argv], capture_output=True, timeout=timeout)
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return -1, "", "(timed out)"


def crashed(rc):
    return rc < 0 or rc >= 128


def run_case(name, fn, want_check, base, work):
    cdir = os.path.join(work, name)
    repo, sandbox = os.path.join(cdir, "repo"), os.path.join(cdir, "sandbox")
    target, outside = os.path.join(sandbox, "target"), os.path.join(sandbox, "outside")
    shutil.copytree(base, repo)
    os.makedirs(target)
    os.makedirs(outside)
    with open(os.path.join(outside, "secret"), "wb") as f:
        f.write(b"SECRET\n")
    ctx = {"outside": outside}
    snapshot_of(fn, repo, ctx)
    before_c, before_s = sorted(os.listdir(cdir)), listing(outside)
    problems, facts = [], {}
    rc, out, err = limited([HORT, "-r", repo, "check", "--read-data"])
    facts["check"] = f"exit {rc}: {(err or out).strip().splitlines()[-1][:200] if (err or out).strip() else ''}"
    if crashed(rc):
        problems.append(f"check crashed, hung or ran out of memory (exit {rc}): {err[-300:]}")
    elif want_check == "damage" and rc == 0:
        problems.append("check reports no damage")
    elif want_check == "clean" and rc != 0:
        problems.append(f"check fails on a valid repository: {err[-300:]}")
    rc, out, err = limited([HORT, "-r", repo, "restore", "latest", "--target", target])
    facts["restore"] = f"exit {rc}: {err.strip().splitlines()[-1][:200] if err.strip() else ''}"
    if crashed(rc):
        problems.append(f"restore crashed, hung or ran out of memory (exit {rc}): {err[-300:]}")
    if sorted(os.listdir(cdir)) != before_c or sorted(os.listdir(sandbox)) != ["outside", "target"]:
        problems.append(f"restore wrote outside its target: {sorted(os.listdir(cdir))} {sorted(os.listdir(sandbox))}")
    if listing(outside) != before_s:
        problems.append(f"restore changed the outside folder: {listing(outside)}")
    if os.path.lexists(ABS) or os.path.lexists("/x") or os.path.lexists("/escape"):
        problems.append(f"restore wrote at / ({ABS})")
        for p in (ABS,):
            if os.path.lexists(p):
                os.unlink(p)
    if "expect" in ctx:
        for rel, data in ctx["expect"].items():
            p = os.path.join(target, rel)
            if not os.path.isfile(p) or open(p, "rb").read() != data:
                problems.append(f"{rel} not restored as written")
    for rel in ctx.get("show", []):  # what a case whose outcome is not prescribed restored, for the record
        p = os.path.join(target, rel)
        facts[rel] = ("-> " + os.readlink(p)) if os.path.islink(p) else (
            open(p, "rb").read().decode(errors="replace").strip() if os.path.isfile(p) else "absent")
    if "count" in ctx and rc == 0:
        n = len(os.listdir(target))
        if n != ctx["count"]:
            problems.append(f"restored {n} entries of {ctx['count']}")
    run(["chmod", "-R", "u+w", cdir])
    run(["rm", "-rf", cdir])  # rm, not shutil.rmtree: a restored deep tree is deeper than Python's recursion
    return problems, facts


def main():
    work = sys.argv[1]
    only = set(sys.argv[2:])
    strict = os.environ.get("HORT_MALICIOUS_STRICT") == "1"
    os.makedirs(work, exist_ok=True)
    base = os.path.join(work, "base")
    init_repo(base)
    results, failures = {}, []
    for name, fn, want in CASES:
        if only and name not in only:
            continue
        problems, facts = run_case(name, fn, want, base, work)
        known = name in KNOWN and not strict
        status = "ok" if not problems else ("known" if known else "FAIL")
        results[name] = dict(status=status, problems=problems, **facts)
        shown = "".join(f"; {k}: {v}" for k, v in facts.items() if k not in ("check", "restore"))
        print(f"{status:>5}  {name}: check {facts['check']}; restore {facts['restore']}{shown}", flush=True)
        for p in problems:
            print(f"         {p}", flush=True)
        if problems and not known:
            failures.append(name)
        if problems and known:
            print(f"         (known on main: {KNOWN[name]})", flush=True)
    if os.environ.get("HORT_CAMPAIGN_RESULT"):
        with open(os.environ["HORT_CAMPAIGN_RESULT"], "w") as f:
            json.dump(results, f, indent=1)
    if failures:
        print(f"malicious repositories: {len(failures)} failing cases: {' '.join(failures)}", file=sys.stderr)
        sys.exit(1)
    print(f"malicious repositories ok ({len(results)} cases)")


if __name__ == "__main__":
    main()
