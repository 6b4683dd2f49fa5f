"""A tiny, independent writer of restic repository objects (format v2,
uncompressed objects) for crafting repositories hort must survive: opens the
master key of a repository made by `hort init`, then writes packs, indexes and
snapshots exactly as given, including what a correct writer never would.
Crypto as in restic's design document: AES-256-CTR, then Poly1305-AES over the
ciphertext (key r, nonce encrypted with key k); the key file's KDF is scrypt."""
import base64, hashlib, json, os, struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.poly1305 import Poly1305

DIR_MODE = (1 << 31) | 0o755  # Go's os.ModeDir
LINK_MODE = (1 << 27) | 0o777  # Go's os.ModeSymlink
TIME = "2026-12-04T10:00:00Z"


def _aes_block(key, block):
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


class Keys:
    def __init__(self, enc, k, r):
        self.enc, self.k, self.r = enc, k, r

    def _mac(self, nonce, ct):
        return Poly1305.generate_tag(self.r + _aes_block(self.k, nonce), ct)

    def seal(self, plain):
        nonce = os.urandom(16)
        enc = Cipher(algorithms.AES(self.enc), modes.CTR(nonce)).encryptor()
        ct = enc.update(plain) + enc.finalize()
        return nonce + ct + self._mac(nonce, ct)

    def open(self, blob):
        nonce, ct, tag = blob[:16], blob[16:-16], blob[-16:]
        if self._mac(nonce, ct) != tag:
            raise ValueError("MAC mismatch: wrong key")
        dec = Cipher(algorithms.AES(self.enc), modes.CTR(nonce)).decryptor()
        return dec.update(ct) + dec.finalize()


_MASTERS = {}  # (key file, password) -> Keys: scrypt once for every copy of one repository


def open_master(repo, password):
    kdir = os.path.join(repo, "keys")
    raw_kf = open(os.path.join(kdir, sorted(os.listdir(kdir))[0]), "rb").read()
    if (raw_kf, password) not in _MASTERS:
        _MASTERS[(raw_kf, password)] = _open_master(json.loads(raw_kf), password)
    return _MASTERS[(raw_kf, password)]


def _open_master(kf, password):
    raw = hashlib.scrypt(password.encode(), salt=base64.b64decode(kf["salt"]), n=kf["N"], r=kf["r"],
                         p=kf["p"], maxmem=1 << 30, dklen=64)
    master = json.loads(Keys(raw[:32], raw[32:48], raw[48:]).open(base64.b64decode(kf["data"])))
    b = lambda s: base64.b64decode(s)
    return Keys(b(master["encrypt"]), b(master["mac"]["k"]), b(master["mac"]["r"]))


def sha(b):
    return hashlib.sha256(b).hexdigest()


def node_file(name, content_ids=(), size=0, **extra):
    n = {"name": name, "type": "file", "mode": 0o644, "mtime": TIME, "atime": TIME, "ctime": TIME,
         "uid": 0, "gid": 0, "user": "root", "group": "root", "size": size, "links": 1,
         "content": list(content_ids)}
    n.update(extra)
    return n


def node_dir(name, subtree, **extra):
    n = {"name": name, "type": "dir", "mode": DIR_MODE, "mtime": TIME, "atime": TIME, "ctime": TIME,
         "uid": 0, "gid": 0, "user": "root", "group": "root", "subtree": subtree}
    n.update(extra)
    return n


def node_link(name, target, **extra):
    n = {"name": name, "type": "symlink", "mode": LINK_MODE, "mtime": TIME, "atime": TIME, "ctime": TIME,
         "uid": 0, "gid": 0, "user": "root", "group": "root", "linktarget": target, "links": 1}
    n.update(extra)
    return n


def tree_bytes(nodes):
    return (json.dumps({"nodes": nodes}, separators=(",", ":")) + "\n").encode()


class Writer:
    """Collects blobs into packs and writes the index and snapshots at the end."""

    def __init__(self, repo, password):
        self.repo, self.keys = repo, open_master(repo, password)
        self.pending = {"data": [], "tree": []}  # one pack per kind, as restic writes them
        self.index = []

    def blob(self, kind, plain, claimed_id=None):
        """Adds a blob (kind "data" or "tree"); claimed_id stores it under
        another ID than its hash. Returns the ID."""
        bid = claimed_id or sha(plain)
        self.pending[kind].append((kind, bid, self.keys.seal(plain)))
        if len(self.pending[kind]) >= 2000:
            self.flush_pack(kind)
        return bid

    def tree(self, nodes, claimed_id=None):
        return self.blob("tree", tree_bytes(nodes), claimed_id)

    def flush_pack(self, kind, header_hook=None, pack_hook=None, index_hook=None):
        """Writes kind's pending blobs as one pack. header_hook may rewrite
        the plaintext header, pack_hook the whole file (before it is named by
        its hash), index_hook the index entries."""
        if not self.pending[kind]:
            return None
        body, header, entries, off = [], b"", [], 0
        for _, bid, enc in self.pending[kind]:
            body.append(enc)
            header += struct.pack("<BI", 0 if kind == "data" else 1, len(enc)) + bytes.fromhex(bid)
            entries.append({"id": bid, "type": kind, "offset": off, "length": len(enc)})
            off += len(enc)
        if header_hook:
            header = header_hook(header)
        sealed = self.keys.seal(header)
        pack = b"".join(body) + sealed + struct.pack("<I", len(sealed))
        if pack_hook:
            pack = pack_hook(pack)
        pid = sha(pack)
        os.makedirs(os.path.join(self.repo, "data", pid[:2]), exist_ok=True)
        with open(os.path.join(self.repo, "data", pid[:2], pid), "wb") as f:
            f.write(pack)
        if index_hook:
            entries = index_hook(entries)
        self.index.append({"id": pid, "blobs": entries})
        self.pending[kind] = []
        return pid

    def unpacked(self, kind, obj):
        data = self.keys.seal(obj if isinstance(obj, bytes) else json.dumps(obj).encode())
        oid = sha(data)
        with open(os.path.join(self.repo, kind, oid), "wb") as f:
            f.write(data)
        return oid

    def finish(self, tree_id, paths=("/crafted",)):
        """Writes the pending pack, the index and one snapshot of tree_id."""
        self.flush_pack("data")
        self.flush_pack("tree")
        if self.index:
            self.unpacked("index", {"packs": self.index})
            self.index = []
        return self.unpacked("snapshots", {"time": TIME, "tree": tree_id, "paths": list(paths),
                                           "hostname": "crafted", "username": "root"})
