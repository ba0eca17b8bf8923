#!/usr/bin/env python3
# Fingerprints whose ishare keys all collide under xxh32 with seed 0, the
# hash a fixed-seed module would put shared inodes in the global inode hash
# with (tests/vm/ishare t86).  The key is
#   le32 fplen | fp | le64 i_size | u8 blkbits | le32 dlen | domain
# and xxh32 runs four invertible lane rounds per 16-byte stripe, so choosing
# bytes 16..31 of the key (fingerprint bytes 12..27) drives the state after
# the second stripe to one fixed value whatever came before; the bytes after
# it are equal for every file, hence so is the hash.  Fingerprints differ
# in bytes 7..11, so the keys differ.
#
# usage: xxh32coll.py TREE FPLIST N SIZE DOMAIN [--random]
#   writes N files of SIZE bytes under TREE (f00000...) and FPLIST, a
#   mkishare.py --fp-list; --random gives random fingerprints instead.
import os
import struct
import sys

M = 0xFFFFFFFF
P1, P2, P3, P4, P5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393


def rotl(x, r):
    return ((x << r) | (x >> (32 - r))) & M


def lane(acc, word):
    return rotl((acc + word * P2) & M, 13) * P1 & M


def unlane(acc, out):
    """the word that takes lane state acc to out"""
    t = rotl(out * pow(P1, -1, 1 << 32) & M, 32 - 13)
    return (t - acc) * pow(P2, -1, 1 << 32) & M


def xxh32(data, seed=0):
    n, i = len(data), 0
    if n >= 16:
        v = [(seed + P1 + P2) & M, (seed + P2) & M, seed, (seed - P1) & M]
        while i + 16 <= n:
            for k in range(4):
                v[k] = lane(v[k], struct.unpack_from("<I", data, i + 4 * k)[0])
            i += 16
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M
    else:
        h = (seed + P5) & M
    h = (h + n) & M
    while i + 4 <= n:
        h = rotl((h + struct.unpack_from("<I", data, i)[0] * P3) & M, 17) * P4 & M
        i += 4
    while i < n:
        h = rotl((h + data[i] * P5) & M, 11) * P1 & M
        i += 1
    h ^= h >> 15
    h = h * P2 & M
    h ^= h >> 13
    h = h * P3 & M
    return h ^ (h >> 16)


def key(fp, size, domain):
    d = domain.encode()
    return (struct.pack("<I", len(fp)) + fp + struct.pack("<QB", size, 12) +
            struct.pack("<I", len(d)) + d)


def colliding_fp(i, target):
    head = b"sha256:" + struct.pack(">I", i) + b"\x5a"         # 12 bytes
    v = [(P1 + P2) & M, P2, 0, (-P1) & M]
    s0 = struct.pack("<I", 39) + head                            # stripe 0
    v = [lane(v[k], struct.unpack_from("<I", s0, 4 * k)[0]) for k in range(4)]
    mid = b"".join(struct.pack("<I", unlane(v[k], target[k])) for k in range(4))
    return head + mid + b"\xc3" * 11                              # 39 bytes


def main(argv):
    tree, fplist, n, size, domain = argv[:5]
    n, size, rnd = int(n), int(size), "--random" in argv[5:]
    os.makedirs(tree, exist_ok=True)
    target = (0x01234567, 0x89abcdef, 0x02468ace, 0x13579bdf)
    hashes = set()
    with open(fplist, "w") as out:
        for i in range(n):
            name = "f%05d" % i
            with open(os.path.join(tree, name), "wb") as f:
                f.write(os.urandom(size))
            fp = (b"sha256:" + os.urandom(32)) if rnd else colliding_fp(i, target)
            hashes.add(xxh32(key(fp, size, domain)))
            out.write("%s=hex:%s\n" % (name, fp.hex()))
    print("%d files, %d distinct xxh32 key hashes" % (n, len(hashes)))


if __name__ == "__main__":
    main(sys.argv[1:])
