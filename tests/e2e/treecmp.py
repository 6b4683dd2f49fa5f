#!/usr/bin/env python3
"""Metadata-aware tree comparison: type, permissions, owner, size, mtime,
content, link targets, xattrs, hardlink structure and sparseness.
Usage: treecmp.py EXPECTED ACTUAL [--no-dir-mtime] [--no-sparse]"""
import hashlib, os, stat, sys

def entries(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            out[os.path.relpath(p, root)] = p
    return out

def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()

def xattrs(path):
    try:
        return {k: os.getxattr(path, k, follow_symlinks=False) for k in os.listxattr(path, follow_symlinks=False)
                if k.startswith("user.")}
    except OSError:
        return {}

def main():
    exp_root, act_root = os.fsencode(sys.argv[1]), os.fsencode(sys.argv[2])
    check_dir_mtime = "--no-dir-mtime" not in sys.argv
    check_sparse = "--no-sparse" not in sys.argv
    exp, act = entries(exp_root), entries(act_root)
    errors = []
    for missing in sorted(set(exp) - set(act)):
        if stat.S_ISSOCK(os.lstat(exp[missing]).st_mode):
            continue
        errors.append(f"missing: {missing!r}")
    for extra in sorted(set(act) - set(exp)):
        errors.append(f"unexpected: {extra!r}")
    links_exp, links_act = {}, {}
    for rel in sorted(set(exp) & set(act)):
        a, b = os.lstat(exp[rel]), os.lstat(act[rel])
        def bad(what, x, y):
            errors.append(f"{rel!r}: {what} differs: expected {x}, got {y}")
        if stat.S_IFMT(a.st_mode) != stat.S_IFMT(b.st_mode):
            bad("type", oct(a.st_mode), oct(b.st_mode)); continue
        if not stat.S_ISLNK(a.st_mode) and stat.S_IMODE(a.st_mode) != stat.S_IMODE(b.st_mode):
            bad("mode", oct(stat.S_IMODE(a.st_mode)), oct(stat.S_IMODE(b.st_mode)))
        if (a.st_uid, a.st_gid) != (b.st_uid, b.st_gid):
            bad("owner", (a.st_uid, a.st_gid), (b.st_uid, b.st_gid))
        if (check_dir_mtime or not stat.S_ISDIR(a.st_mode)) and a.st_mtime_ns != b.st_mtime_ns:
            bad("mtime", a.st_mtime_ns, b.st_mtime_ns)
        if stat.S_ISREG(a.st_mode):
            if a.st_size != b.st_size:
                bad("size", a.st_size, b.st_size)
            elif digest(exp[rel]) != digest(act[rel]):
                bad("content", "sha256", "different")
            if check_sparse and a.st_blocks * 512 < a.st_size // 2 and b.st_blocks * 512 >= b.st_size // 2:
                bad("sparseness", a.st_blocks, b.st_blocks)
            if a.st_nlink > 1:
                links_exp.setdefault(a.st_ino, set()).add(rel)
                links_act.setdefault(b.st_ino, set()).add(rel)
        if stat.S_ISLNK(a.st_mode) and os.readlink(exp[rel]) != os.readlink(act[rel]):
            bad("link target", os.readlink(exp[rel]), os.readlink(act[rel]))
        if stat.S_ISCHR(a.st_mode) or stat.S_ISBLK(a.st_mode):
            if a.st_rdev != b.st_rdev:
                bad("device", a.st_rdev, b.st_rdev)
        if not stat.S_ISLNK(a.st_mode) and xattrs(exp[rel]) != xattrs(act[rel]):
            bad("xattrs", xattrs(exp[rel]), xattrs(act[rel]))
    groups_exp = sorted(sorted(g) for g in links_exp.values() if len(g) > 1)
    groups_act = sorted(sorted(g) for g in links_act.values() if len(g) > 1)
    if groups_exp != groups_act:
        errors.append(f"hardlink groups differ: expected {groups_exp}, got {groups_act}")
    if errors:
        print("\n".join(errors[:50]), file=sys.stderr)
        print(f"treecmp: {len(errors)} differences", file=sys.stderr)
        sys.exit(1)
    print(f"treecmp: {len(exp)} entries identical")

if __name__ == "__main__":
    main()
