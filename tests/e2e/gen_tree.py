#!/usr/bin/env python3
"""Generates a test tree with everything a backup tool must handle:
nested dirs, empty files, >20 MiB files with repeated regions, symlinks,
hardlinks, a fifo, a character device, xattrs, non-UTF-8 and unusual names,
odd permissions and a sparse file. Deterministic for a given seed."""
import os, random, sys

def main():
    root = sys.argv[1].encode()
    small = "--small" in sys.argv
    rnd = random.Random(42)
    os.makedirs(root, exist_ok=True)
    j = lambda *p: os.path.join(root, *p)
    for d in [b"a", b"a/b", b"a/b/c", b"empty-dir", b"perm"]:
        os.makedirs(j(d), exist_ok=True)
    for i in range(30):
        with open(j(b"a/b", b"file%02d.txt" % i), "wb") as f:
            f.write((b"line %d of a text file\n" % i) * rnd.randint(1, 400))
    open(j(b"empty"), "wb").close()
    open(j(b"a/b/c/empty2"), "wb").close()
    # Large file with repeated regions: dedup inside one file.
    block = rnd.randbytes(3 << 20)
    size = (6 if small else 24) << 20
    with open(j(b"big.bin"), "wb") as f:
        written = 0
        while written < size:
            part = block if rnd.random() < 0.5 else rnd.randbytes(2 << 20)
            f.write(part)
            written += len(part)
    os.symlink(b"a/b/file01.txt", j(b"link-rel"))
    os.symlink(b"/nonexistent/target", j(b"link-dangling"))
    os.link(j(b"a/b/file02.txt"), j(b"hardlink-to-file02"))
    os.mkfifo(j(b"fifo"))
    if os.geteuid() == 0:
        os.mknod(j(b"chardev"), 0o600 | 0o020000, os.makedev(1, 3))
    for name in [b"caf\xc3\xa9 \xe2\x82\xac.txt", b"latin1-\xe9\xff.bin", b"spaces and 'quotes\".txt",
                 b"<html>&amp;", b"tab\there", b"new\nline", b"back\\slash", b"\xe2\x80\xa8sep"]:
        with open(j(name), "wb") as f:
            f.write(name * 3)
    os.setxattr(j(b"a/b/file03.txt"), b"user.comment", b"hello xattr")
    os.setxattr(j(b"a/b"), b"user.dirattr", b"\x00\x01binary")
    modes = {b"perm/ro": 0o444, b"perm/exec": 0o751, b"perm/setuid": 0o4755, b"perm/private": 0o600}
    for name, mode in modes.items():
        with open(j(name), "wb") as f:
            f.write(b"#!/bin/sh\necho hi\n")
        os.chmod(j(name), mode)
    os.makedirs(j(b"perm/sticky"), exist_ok=True)
    os.chmod(j(b"perm/sticky"), 0o1777)
    with open(j(b"sparse.img"), "wb") as f:
        f.truncate(40 << 20)
        f.seek(17 << 20)
        f.write(b"data in the middle of a hole" * 1000)
    # Fixed times so that metadata comparisons are meaningful.
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for n in filenames + dirnames:
            p = os.path.join(dirpath, n)
            os.utime(p, ns=(1_600_000_000_123_456_789, 1_600_000_000_987_654_321), follow_symlinks=False)
    os.utime(root, ns=(1_600_000_000_000_000_000, 1_600_000_001_000_000_000))

if __name__ == "__main__":
    main()
