"""resource.Quantity as kube-apiserver decodes it (apimachinery's ParseQuantity, the same grammar as hort's
src/kube/quantity.cc): a sign, digits with at most one '.', then a suffix of [eEinumkKMGTP] and an optional
signed run of digits, which must be a binary suffix (Ki … Ei), a decimal one (n u m "" k M G T P E) or e/E and
an int64. A PersistentVolumeClaim whose requests or limits do not decode is answered as kube answers a body it
cannot decode: 400 "… cannot be handled as a PersistentVolumeClaim: <ParseQuantity's error>". Only on POST and
PUT, and only these claim fields: the value checks after decoding (storage greater than zero, 422) are not
played."""

FORMAT_WRONG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
SUFFIX_WRONG = "unable to parse quantity's suffix"
_SUFFIX_CHARS = set("eEinumkKMGTP")
_KNOWN = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "", "k", "M", "G", "T", "P", "E"}


def _go_int64(s):
    """strconv.ParseInt(s, 10, 64) succeeds."""
    digits = s[1:] if s[:1] in ("+", "-") else s
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    return -2**63 <= int(s) < 2**63


def problem(text):
    """ParseQuantity's error for `text` (a JSON string, or a number's text), or None when it decodes."""
    if text == "":
        return FORMAT_WRONG
    pos, end = 0, len(text)
    if text[0] in "+-":
        pos += 1
    while pos < end and text[pos] in "0123456789":
        pos += 1
    if pos < end and text[pos] == ".":
        pos += 1
        while pos < end and text[pos] in "0123456789":
            pos += 1
    start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in "0123456789":
        pos += 1
    if pos != end:
        return FORMAT_WRONG
    suffix = text[start:]
    if suffix in _KNOWN or (len(suffix) > 1 and suffix[0] in "eE" and _go_int64(suffix[1:])):
        return None
    return SUFFIX_WRONG


def decode_problem(kind, obj):
    """The decoding error of a PersistentVolumeClaim's spec.resources requests and limits, or None."""
    if kind != "PersistentVolumeClaim":
        return None
    resources = ((obj.get("spec") or {}).get("resources")) or {}
    for key in ("limits", "requests"):
        for value in (resources.get(key) or {}).values():
            if value is None or isinstance(value, bool):
                continue
            p = problem(value if isinstance(value, str) else str(value))
            if p:
                return f'{kind} in version "v1" cannot be handled as a {kind}: {p}'
    return None
