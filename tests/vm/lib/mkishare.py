#!/usr/bin/env python3
# Minimal EROFS image writer for the ishare VM tests (uncompressed, 4 KiB
# blocks, compact inodes), with fingerprint xattrs stored the merged way:
# COMPAT_ISHARE_XATTRS, a long xattr prefix naming the fingerprint and sb
# byte 105 pointing at it.  It exists so the kernel tests can craft bad
# input (empty/oversized values, prefix id out of range, forged
# fingerprints) that a real mkfs refuses to make; the sharing tests use
# mkfs.erofs++ images when that tool is available.
#
# usage: mkishare.py OUT.img SRCDIR [options]
#   --name NAME        fingerprint xattr name (trusted.erofs.fingerprint)
#   --prefix-id N      value of sb byte 105 (0)
#   --no-ishare        no COMPAT_ISHARE_XATTRS bit (files keep the xattr)
#   --inline           store file tails inline (FLAT_INLINE)
#   --files-name NAME  files carry their fingerprint under NAME (a second
#                      long prefix), not under the name sb byte 105 gives
#   --fp PATH=SPEC     fingerprint of file PATH (relative to SRCDIR):
#                      none | empty | big | hex:HEX | like:OTHERPATH |
#                      of:HOSTFILE (fingerprint of another file's bytes) |
#                      len:N (the default one, repeated to N bytes) |
#                      overrun (the default one, in an entry whose value
#                      size claims more bytes than the xattr body has)
#                      default: "sha256:" + sha256(content)
#   --cross PATH       place PATH's inode 64 bytes before a block ends, so
#                      its xattr body runs into the next block
#   --lead PATH        an xattr user.lead=x before PATH's fingerprint
#   --fp-list FILE     more --fp specs, one "PATH=SPEC" per line
import hashlib
import os
import stat
import struct
import sys

BLK = 4096
PREFIXES = [("user.", 1), ("trusted.", 4), ("security.", 6)]


def fp_default(data):
    return b"sha256:" + hashlib.sha256(data).digest()


class Node:
    def __init__(self, rel, st):
        self.rel, self.st = rel, st
        self.children = []          # (name, Node) for directories
        self.data = b""
        self.fp = None
        self.nid = self.blk = 0
        self.inline = b""
        self.overrun = False


def scan(root):
    nodes = []

    def walk(rel):
        path = os.path.join(root, rel) if rel else root
        n = Node(rel, os.lstat(path))
        nodes.append(n)
        if stat.S_ISDIR(n.st.st_mode):
            for name in sorted(os.listdir(path)):
                n.children.append((name, walk(os.path.join(rel, name))))
        elif stat.S_ISREG(n.st.st_mode):
            with open(path, "rb") as f:
                n.data = f.read()
        else:
            sys.exit("mkishare: only files and directories: " + rel)
        return n

    walk("")
    return nodes


def xattr_entry(name_index, name, value, size=None):
    size = len(value) if size is None else size
    ent = struct.pack("<BBH", len(name), name_index, size) + name + value
    return ent + b"\0" * (-len(ent) % 4)


def xattr_body(value, pfx_index, lead, overrun):
    ents = [xattr_entry(1, b"lead", b"x")] if lead else []
    if value is not None:
        ents.append(xattr_entry(0x80 | pfx_index, b"", value,
                                0xFFFF if overrun else None))
    if not ents:
        return b""
    return struct.pack("<IB7x", 0, 0) + b"".join(ents)


def dir_blocks(n, parent_nid):
    ents = [(b".", n.nid, 2), (b"..", parent_nid, 2)]
    for name, c in n.children:
        ents.append((name.encode(), c.nid, 2 if c.children or
                     stat.S_ISDIR(c.st.st_mode) else 1))
    ents.sort(key=lambda e: e[0])
    blocks, cur = [], []
    for e in ents:
        size = sum(12 + len(x[0]) for x in cur) + 12 + len(e[0])
        if cur and size > BLK:
            blocks.append(cur)
            cur = []
        cur.append(e)
    blocks.append(cur)
    out = b""
    for i, b in enumerate(blocks):
        off = 12 * len(b)
        de, names = b"", b""
        for name, nid, ft in b:
            de += struct.pack("<QHBB", nid, off + len(names), ft, 0)
            names += name
        blk = de + names
        if i + 1 < len(blocks):
            blk += b"\0" * (BLK - len(blk))
        out += blk
    return out


def main(argv):
    out, root = argv[0], argv[1]
    name, pid, ishare, inline, fps = "trusted.erofs.fingerprint", 0, True, False, {}
    fname, cross, lead = None, set(), set()
    it = iter(argv[2:])
    for a in it:
        if a == "--name":
            name = next(it)
        elif a == "--prefix-id":
            pid = int(next(it))
        elif a == "--no-ishare":
            ishare = False
        elif a == "--files-name":
            fname = next(it)
        elif a == "--cross":
            cross.add(next(it))
        elif a == "--lead":
            lead.add(next(it))
        elif a == "--inline":
            inline = True
        elif a == "--fp":
            k, v = next(it).split("=", 1)
            fps[k] = v
        elif a == "--fp-list":
            with open(next(it)) as f:
                fps.update(line.rstrip("\n").split("=", 1) for line in f if line.strip())
        else:
            sys.exit("mkishare: bad option " + a)

    names = [name] + ([fname] if fname else [])
    epfx = len(names) - 1       # the prefix the files' entries use
    nodes = scan(root)
    byrel = {n.rel: n for n in nodes}
    for n in nodes:
        if not stat.S_ISREG(n.st.st_mode) or not n.data:
            continue
        spec = fps.get(n.rel, "auto")
        n.overrun = spec == "overrun"
        if n.overrun:
            spec = "auto"
        n.fp = {"auto": lambda: fp_default(n.data), "none": lambda: None,
                "empty": lambda: b"", "big": lambda: b"x" * (BLK + 1)}.get(
            spec, lambda: None)()
        if spec.startswith("hex:"):
            n.fp = bytes.fromhex(spec[4:])
        elif spec.startswith("len:"):
            n.fp = (fp_default(n.data) * BLK)[:int(spec[4:])]
        elif spec.startswith("like:"):
            n.fp = fp_default(byrel[spec[5:]].data)
        elif spec.startswith("of:"):
            with open(spec[3:], "rb") as f:
                n.fp = fp_default(f.read())

    # metadata: inodes from block 1 on, 32-byte slots
    meta, pos = 1, 0
    for n in nodes:
        xb = xattr_body(n.fp, epfx, n.rel in lead, n.overrun)
        n.xattr = xb
        if n.rel in cross:
            pos = (pos // BLK + (pos % BLK > BLK - 64) + 1) * BLK - 64
        if stat.S_ISREG(n.st.st_mode) and inline and len(n.data) % BLK:
            n.inline = n.data[len(n.data) // BLK * BLK:]
        need = 32 + len(xb) + len(n.inline)
        if n.inline and pos // BLK != (pos + need - 1) // BLK:
            pos = (pos + BLK - 1) // BLK * BLK
        n.nid = pos // 32
        pos += (need + 31) // 32 * 32
    nblk = meta + (pos + BLK - 1) // BLK
    parent = {id(c): n for n in nodes for _, c in n.children}
    for n in nodes:
        if stat.S_ISDIR(n.st.st_mode):
            n.data = dir_blocks(n, parent.get(id(n), n).nid)
        full = len(n.data) - len(n.inline)
        n.blk = nblk if full else 0xFFFFFFFF
        nblk += (full + BLK - 1) // BLK
    img = bytearray(nblk * BLK + BLK)   # + one block for the prefix table

    for n in nodes:
        layout = 2 if n.inline else 0
        mode = n.st.st_mode
        nlink = 2 + sum(1 for _, c in n.children
                        if stat.S_ISDIR(c.st.st_mode)) if stat.S_ISDIR(mode) else 1
        icount = (len(n.xattr) - 12) // 4 + 1 if n.xattr else 0
        ino = struct.pack("<HHHHIIIIHHI", layout << 1, icount, mode, nlink,
                          len(n.data), 0, n.blk, n.nid, 0, 0, 0)
        off = meta * BLK + n.nid * 32
        body = ino + n.xattr + n.inline
        img[off:off + len(body)] = body
        full = len(n.data) - len(n.inline)
        if full:
            img[n.blk * BLK:n.blk * BLK + full] = n.data[:full]

    ptab, p = nblk * BLK, nblk * BLK
    for nm in names:
        base, infix = 0, nm
        for pf, idx in PREFIXES:
            if nm.startswith(pf):
                base, infix = idx, nm[len(pf):]
        rec = struct.pack("<HB", 1 + len(infix), base) + infix.encode()
        img[p:p + len(rec)] = rec
        p += (len(rec) + 3) // 4 * 4
    compat = 0x10 | (0x20 if ishare else 0)
    sb = struct.pack("<IIIBBHQQIIII16s16sIHHHBBIQBB", 0xE0F5E1E2, 0, compat,
                     12, 0, nodes[0].nid, len(nodes), 0, 0, nblk + 1, meta, 0,
                     os.urandom(16), b"ishare-test", 0x40, 0, 0, 0, 0, len(names),
                     ptab // 4, 0, 0, pid)
    img[1024:1024 + len(sb)] = sb
    with open(out, "wb") as f:
        f.write(img)


if __name__ == "__main__":
    main(sys.argv[1:])
