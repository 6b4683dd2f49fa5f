#!/usr/bin/python3
"""Writes a Longhorn backupstore the way longhorn/backupstore does, independently
of hort (from /work/shared/reference/longhorn-and-csi.md and formats.md §2): Go's
field order and compact JSON, `,string` int64s, Volume's doubly quoted strings,
blocks named by the first 64 hex of SHA-512, lz4 frames and gzip members.

Usage: gen_longhorn_store.py STORE_DIR IMAGES_DIR
Writes, under STORE_DIR/backupstore/volumes/…, four volumes with two backups each:
  lh-gzip   gzip blocks (legacy volume: empty CompressionMethod means gzip)
  lh-lz4    lz4 blocks
  lh-mixed  volume.cfg says lz4, but half of the blocks are gzip (longhorn#7687)
  lh-large  16 MiB blocks ("backup-block-size": "16Mi", the quantity form)
and IMAGES_DIR/<volume>_<backup>.img, the image each backup must restore to,
and IMAGES_DIR/manifest.json: {volume: [backup names, oldest first]}.
"""
import gzip
import hashlib
import json
import os
import random
import sys

import lz4.frame

MIB = 1 << 20


def go_json(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def checksum(data):
    return hashlib.sha512(data).hexdigest()[:64]


def volume_folder(store, name):
    h = hashlib.sha512(name.encode()).hexdigest()
    return os.path.join(store, "backupstore", "volumes", h[0:2], h[2:4], name)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def compress(codec, data):
    if codec == "gzip":
        return gzip.compress(data, compresslevel=6, mtime=0)
    return lz4.frame.compress(data, block_size=lz4.frame.BLOCKSIZE_MAX4MB, content_checksum=True,
                              block_linked=False, store_size=False)


def make_volume(store, images, rng, name, cfg_codec, block_codecs, block_size, size_param, size, zero_written=()):
    folder = volume_folder(store, name)
    nblocks = size // block_size
    image = bytearray(size)
    # Data in two thirds of the blocks; the rest stay holes (never written).
    for i in range(nblocks):
        if i % 3 != 2:
            image[i * block_size:(i + 1) * block_size] = rng.randbytes(block_size)
    backups = []
    last = None
    for round_ in range(2):
        if round_ == 1:  # change one block, fill one hole
            image[0:block_size] = rng.randbytes(block_size)
            image[2 * block_size:3 * block_size] = rng.randbytes(block_size)
        name_b = "backup-%016x" % rng.getrandbits(64)
        blocks = []
        new = 0
        for i in range(nblocks):
            chunk = bytes(image[i * block_size:(i + 1) * block_size])
            # A hole is left out; a block written with zeros (zero_written) is
            # stored like any other, as Longhorn does (name 731859…).
            if chunk == bytes(block_size) and i not in zero_written:
                continue
            c = checksum(chunk)
            path = os.path.join(folder, "blocks", c[0:2], c[2:4], c + ".blk")
            if not os.path.exists(path):
                codec = block_codecs[i % len(block_codecs)]
                stored = compress(codec, chunk)
                write(path, stored)
                new += len(stored)
            blocks.append({"Offset": i * block_size, "BlockChecksum": c})
        t = "2026-11-%02dT03:00:00Z" % (10 + round_)
        backup = {
            "Name": name_b, "VolumeName": name, "SnapshotName": "snap-%d" % round_, "SnapshotCreatedAt": t,
            "CreatedTime": t, "Size": str(len(blocks) * block_size),
            "Labels": {"longhorn.io/volume-access-mode": "rwo"},
            "Parameters": {"backup-mode": "incremental", "backup-block-size": size_param},
            "IsIncremental": last is not None, "CompressionMethod": cfg_codec or "gzip",
            "NewlyUploadedDataSize": str(new), "ReUploadedDataSize": "0",
            "ProcessingBlocks": {} if last is None else None,
            "Blocks": blocks, "SingleFile": {"FilePath": ""},
        }
        write(os.path.join(folder, "backups", "backup_%s.cfg" % name_b), go_json(backup).encode())
        write(os.path.join(images, "%s_%s.img" % (name, name_b)), bytes(image))
        backups.append(name_b)
        last = name_b
    q = json.dumps
    volume = {
        "Name": name, "Size": str(size), "Labels": {"longhorn.io/volume-access-mode": "rwo"},
        "CreatedTime": "2026-11-10T02:59:00Z", "LastBackupName": last, "LastBackupAt": "2026-11-11T03:00:00Z",
        "BlockCount": str(nblocks), "BackingImageName": q(""), "BackingImageChecksum": q(""),
        "CompressionMethod": q(cfg_codec), "StorageClassName": q("longhorn"), "DataEngine": q("v1"),
        "LinkedCloneSourceVolume": q(""),  # a newer Longhorn's key, which hort must keep
    }
    write(os.path.join(folder, "volume.cfg"), go_json(volume).encode())
    return backups


def main():
    store, images = sys.argv[1], sys.argv[2]
    os.makedirs(images, exist_ok=True)
    rng = random.Random(21)
    manifest = {
        "lh-gzip": make_volume(store, images, rng, "lh-gzip", "", ["gzip"], 2 * MIB, "2097152", 12 * MIB),
        "lh-lz4": make_volume(store, images, rng, "lh-lz4", "lz4", ["lz4"], 2 * MIB, "2097152", 12 * MIB,
                              zero_written=(5,)),
        "lh-mixed": make_volume(store, images, rng, "lh-mixed", "lz4", ["lz4", "gzip"], 2 * MIB, "2Mi", 12 * MIB,
                                zero_written=(5,)),
        "lh-large": make_volume(store, images, rng, "lh-large", "lz4", ["lz4"], 16 * MIB, "16Mi", 48 * MIB),
    }
    with open(os.path.join(images, "manifest.json"), "w") as f:
        json.dump(manifest, f)


if __name__ == "__main__":
    main()
