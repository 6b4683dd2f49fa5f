#!/usr/bin/python3
"""Checks that src/ keeps the layer order written in docs/architecture.md.

The order is the ```layers block of docs/architecture.md (one source of truth
for the document and this check): one level per line, bottom first, the
folders of a level separated by spaces. A file in src/<folder>/ may include
"<other>/..." only when <other> is its own folder or on a lower level; peers
on one level do not include each other. Every folder of src/ must be in the
table (a new folder is placed on purpose, not by accident). Tests (*_test.cc)
follow the same rule: no exemption is needed today, so none is made.

  layering.py ROOT              check the tree at ROOT; exit 1 listing every violation
  layering.py --self-test ROOT  check a copy of ROOT, then the copy with two planted
                                includes (the bottom level including the top one, a
                                folder including a peer); exit 1 unless the copy
                                passes and exactly the planted lines are reported
"""

import os
import re
import shutil
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"([A-Za-z0-9_]+)/')


def read_levels(root):
    """Folder -> level (0 = bottom) from docs/architecture.md's layers block."""
    path = os.path.join(root, "docs", "architecture.md")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^```layers\n(.*?)^```", text, re.S | re.M)
    if not m:
        raise SystemExit(f"{path}: no ```layers block")
    levels = {}
    for level, line in enumerate(l for l in m.group(1).splitlines() if l.strip()):
        for folder in line.split("#")[0].split():
            if folder in levels:
                raise SystemExit(f"{path}: {folder} is listed twice")
            levels[folder] = level
    return levels


def violations(root):
    levels = read_levels(root)
    src = os.path.join(root, "src")
    folders = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
    problems = [f"src/{d}/: not in the layers block of docs/architecture.md" for d in folders if d not in levels]
    for folder in folders:
        if folder not in levels:
            continue
        for dirpath, _, files in os.walk(os.path.join(src, folder)):
            for name in sorted(files):
                if not name.endswith((".h", ".cc", ".inc")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                with open(path, encoding="utf-8", errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = m.group(1)
                        if target == folder or not os.path.isdir(os.path.join(src, target)):
                            continue  # its own folder, or not a folder of src/ (a system header)
                        if target not in levels:
                            continue  # reported above
                        if levels[target] >= levels[folder]:
                            where = "above" if levels[target] > levels[folder] else "beside"
                            problems.append(f"{rel}:{number}: {folder} includes {line.strip()[len('#include '):]}, "
                                            f"which is {where} it in docs/architecture.md")
    return problems


def check(root):
    problems = violations(root)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) against the layer order (docs/architecture.md)")
        return 1
    print("every include of src/ follows the layer order of docs/architecture.md")
    return 0


def self_test(root):
    with tempfile.TemporaryDirectory(prefix="hort-layering-") as tmp:
        for part in ("src", "docs"):
            shutil.copytree(os.path.join(root, part), os.path.join(tmp, part))
        if violations(tmp):
            print("self-test: the unmodified copy already has violations; run the plain check")
            return 1
        levels = read_levels(tmp)
        existing = [f for f in levels if os.path.isdir(os.path.join(tmp, "src", f))]
        bottom = min(existing, key=levels.get)
        top = max(existing, key=levels.get)
        # The bottom layer includes the top one ...
        with open(os.path.join(tmp, "src", bottom, "planted.h"), "w", encoding="utf-8") as f:
            f.write(f'#pragma once\n\n#include "{top}/planted.h"\n')
        # ... and one folder includes a peer on its own level.
        by_level = {}
        for folder in existing:
            by_level.setdefault(levels[folder], []).append(folder)
        a, b = next(sorted(fs)[:2] for _, fs in sorted(by_level.items()) if len(fs) >= 2)
        with open(os.path.join(tmp, "src", a, "planted_peer.cc"), "w", encoding="utf-8") as f:
            f.write(f'#include "{b}/planted.h"\n')
        want = [f"src/{bottom}/planted.h:3: {bottom} includes", f"src/{a}/planted_peer.cc:1: {a} includes"]
        found = violations(tmp)
        missed = [w for w in want if not any(p.startswith(w) for p in found)]
        if missed or len(found) != len(want):
            print("self-test: the check did not report exactly the planted includes")
            print("  expected:", want)
            print("  reported:", found)
            return 1
        print("self-test: both planted includes were caught:")
        for p in found:
            print("  " + p)
        return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--self-test":
        sys.exit(self_test(args[1]))
    if len(args) == 1:
        sys.exit(check(args[0]))
    print(__doc__)
    sys.exit(2)
