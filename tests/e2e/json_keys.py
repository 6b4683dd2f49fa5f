"""The golden key test's checker: the key set of each JSON message hort prints
against the ```keys block of docs/json-output.md.

  json_keys.py DOC check NAME EXPR FILE [RESTIC_FILE]
      FILE holds one JSON document (d) or JSON lines (lines, a list); EXPR, a Python expression over d, is the object that is message
      NAME or yields those objects. Each must have every documented key not marked `?` and no
      key the block does not list. With RESTIC_FILE (the same message from
      restic 0.14 on the same data), restic's keys must all be documented and
      every key restic printed must be in hort's too.
  json_keys.py DOC all-checked CHECKED
      every message of the block was checked (CHECKED lists the names done).
"""
import json
import re
import sys


def doc_keys(doc):
    text = open(doc, encoding="utf-8").read()
    blocks = re.findall(r"^```keys\n(.*?)^```", text, re.S | re.M)
    if not blocks:
        sys.exit(f"{doc}: no ```keys block")
    out = {}
    for line in "\n".join(blocks).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, keys = line.partition(":")
        if name in out:
            sys.exit(f"{doc}: {name} listed twice")
        words = keys.split()
        out[name.strip()] = ({w for w in words if not w.endswith("?")}, {w.rstrip("?") for w in words})
    return out


def load(path):
    """(d, lines): the file as one JSON document (None when it is not one) and
    as JSON lines (each line that starts with "{")."""
    text = open(path, encoding="utf-8").read()
    try:
        d = json.loads(text)
    except json.JSONDecodeError:
        d = None
    return d, [json.loads(l) for l in text.splitlines() if l.strip().startswith("{")]


def objects(expr, path):
    d, lines = load(path)
    v = eval(expr, {"d": d, "lines": lines})
    if v is None:
        sys.exit(f"{path}: `{expr}`: not JSON")
    objs = [v] if isinstance(v, dict) else list(v)
    if not objs:
        sys.exit(f"{path}: `{expr}` found no object")
    for o in objs:
        if not isinstance(o, dict):
            sys.exit(f"{path}: `{expr}` yielded {o!r}, not an object")
    return objs


def main():
    doc, mode = sys.argv[1], sys.argv[2]
    keys = doc_keys(doc)
    if mode == "all-checked":
        done = set(open(sys.argv[3]).read().split())
        missing = sorted(set(keys) - done)
        if missing:
            sys.exit("documented but not checked: " + " ".join(missing))
        return
    name, expr, path = sys.argv[3], sys.argv[4], sys.argv[5]
    if name not in keys:
        sys.exit(f"{name}: not in the ```keys block of {doc}")
    required, allowed = keys[name]
    seen = set()
    for o in objects(expr, path):
        have = set(o)
        seen |= have
        if required - have:
            sys.exit(f"{name}: missing {sorted(required - have)} in {json.dumps(o)[:300]}")
        if have - allowed:
            sys.exit(f"{name}: undocumented {sorted(have - allowed)} in {json.dumps(o)[:300]}")
    if len(sys.argv) > 6:
        restic = set().union(*(set(o) for o in objects(expr, sys.argv[6])))
        if restic - allowed:
            sys.exit(f"{name}: restic prints {sorted(restic - allowed)}, not documented")
        if restic - seen:
            sys.exit(f"{name}: restic prints {sorted(restic - seen)}, hort does not")


if __name__ == "__main__":
    main()
