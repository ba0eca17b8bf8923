#!/usr/bin/env python3
# Deterministic source tree for the hostile-image suite: a few dozen files of
# varied sizes (empty, inline tails, block-aligned, multi-block, more than one
# 16 KiB pcluster when compressed), compressible and random contents, nested
# directories, a directory of many names, a symlink, a duplicate, user
# xattrs (some on three or more files, so mkfs may share them) and two
# modification times (compact and extended inodes with -T 1000000).
#
# usage: tree.py DIR
import os
import random
import sys

WORDS = (b"erofs page cache share fingerprint domain inode block cluster "
         b"lz4 index dirent xattr prefix superblock hostile honest mount "
         b"read mmap folio").split()


def text(rng, n):
    out = bytearray()
    while len(out) < n:
        out += rng.choice(WORDS) + (b"\n" if rng.random() < 0.1 else b" ")
    return bytes(out[:n])


def noise(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def main(argv):
    if len(argv) != 1:
        sys.exit("usage: tree.py DIR")
    root = argv[0]
    rng = random.Random("hostile-tree-1")
    files = {}
    sizes = [0, 1, 7, 100, 1000, 3000, 4095, 4096, 4097, 5000, 8191, 8192,
             12000, 20000]
    for i, n in enumerate(sizes):
        files["t%02d_%d" % (i, n)] = text(rng, n)
    for i, n in enumerate([33, 4096, 6000, 9000]):
        files["r%02d_%d" % (i, n)] = noise(rng, n)
    files["big/text60k"] = text(rng, 60000)
    files["big/mixed40k"] = b"".join(
        text(rng, 2048) if k % 2 else noise(rng, 2048) for k in range(20))
    files["big/dup_of_t12"] = files["t12_12000"]
    files["a/b/c/deep"] = text(rng, 2500)
    files["a/b/side"] = noise(rng, 700)
    for k in range(24):
        files["many/entry_with_a_longer_name_%03d" % k] = text(rng, 16 + k)
    for rel, data in sorted(files.items()):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    os.symlink("../t05_3000", os.path.join(root, "a", "link"))
    xa = {"t03_100": [("user.hostile.tag", b"x"), ("user.shared", b"same")],
          "t06_4095": [("user.shared", b"same")],
          "t08_4097": [("user.shared", b"same"), ("user.long", b"v" * 300)],
          "big/text60k": [("user.shared", b"same"),
                          ("user.hostile.n", b"1234")],
          "a/b/c/deep": [("user.one", b"")]}
    for rel, lst in xa.items():
        for name, val in lst:
            os.setxattr(os.path.join(root, rel), name, val)
    # A quarter of the files get an older mtime than the build time
    # (extended inodes); everything else the build time.
    for rel in sorted(files):
        old = rng.random() < 0.25
        os.utime(os.path.join(root, rel), (1000000, 500000 if old else 1000000))
    for dirpath, _, _ in sorted(os.walk(root), reverse=True):
        os.utime(dirpath, (1000000, 1000000))

if __name__ == "__main__":
    main(sys.argv[1:])
