#!/usr/bin/env python3
# Seeded generator of hostile EROFS images for the hostile VM suite.
#
# It parses honest images (made by mkfs.erofs++) far enough to find their
# structures: superblock, long-prefix table, every inode reachable from the
# root (format, size, xattr body and its entries, shared ids), directory
# blocks and their dirents, and the map header and index area of compressed
# files.  Image I of a run with seed S is base I % len(bases), changed by 1
# to 3 mutations drawn by random.Random("S:I") from these classes:
#
#   sb        feature bits, blkszbits, root nid, meta/xattr block address,
#             prefix table start and count, ishare prefix id (byte 105),
#             packed nid, block count, sb_extslots, lz4 distance / algorithms
#   inode     i_format (version, layout, flag bits), i_xattr_icount, i_mode,
#             i_size, i_u (start block / block count), nlink
#   xattr     shared count, shared ids, entry name index (short, long prefix
#             ids in and out of range), name length, value length (the
#             fingerprint's: 0, odd, one block and more), fingerprint bytes,
#             another file's fingerprint
#   prefix    prefix record length and base index
#   dirent    nameoff, nid (other inodes, the parent, garbage), file type,
#             name bytes
#   zindex    compressed map header (advise, algorithm, clusterbits, inline
#             size), full index records (type, clusterofs, blkaddr, deltas),
#             compact index bytes and pack base addresses
#   data      bytes of a data block (compressed streams, inline tails)
#
# When a mutation touches block 0 the superblock checksum is recomputed,
# except in one image out of ten (then the manifest says "crc=stale").
# Everything depends only on the seed and the bases, so an image can be
# rewritten for a reproducer with --only I --write DIR.
#
# Output: a manifest line per image ("I seed=S:I base=NAME m1; m2") and a
# patch line per image for the guest helper ("I BASEIDX OFF:HEX ...": the
# runs of bytes that differ from the base image).
#
# usage: mutate.py --seed S --count N [--only I] [--manifest FILE]
#                  [--patches FILE] [--write DIR] NAME=IMAGE...
import random
import struct
import sys

SB = 1024
S_IFMT, S_IFREG, S_IFDIR, S_IFLNK = 0o170000, 0o100000, 0o040000, 0o120000


def crc32c_table():
    tab = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        tab.append(c)
    return tab


CRC_TAB = crc32c_table()


def erofs_crc(data):
    """crc32c, seed ~0, no final inversion (the EROFS sb checksum)."""
    c = 0xFFFFFFFF
    for b in data:
        c = CRC_TAB[(c ^ b) & 0xFF] ^ (c >> 8)
    return c


def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def u64(b, o):
    return struct.unpack_from("<Q", b, o)[0]


class Inode:
    pass


class Base:
    """What the generator knows about one honest image."""

    def __init__(self, name, data):
        self.name, self.data = name, bytes(data)
        d = self.data
        if u32(d, SB) != 0xE0F5E1E2:
            sys.exit("mutate: %s: not an EROFS image" % name)
        self.compat = u32(d, SB + 8)
        self.blkbits = d[SB + 12]
        self.bs = 1 << self.blkbits
        self.root = u16(d, SB + 14)
        self.meta = u32(d, SB + 40)
        self.xattr_blk = u32(d, SB + 44)
        self.incompat = u32(d, SB + 80)
        self.pfx_count = d[SB + 91]
        self.pfx_start = u32(d, SB + 92)
        self.ishare_id = d[SB + 105]
        self.prefixes = []          # (offset of the record, length)
        p = self.pfx_start * 4
        for _ in range(self.pfx_count):
            ln = u16(d, p)
            self.prefixes.append((p, ln))
            p += (2 + ln + 3) // 4 * 4
        self.inodes, self.dirents, self.shared = [], [], set()
        self.walk(self.root, self.root, 0)
        self.fps = [(i, e) for i in self.inodes for e in i.entries
                    if e[2] == 0x80 | self.ishare_id and e[1] == 0]

    def iloc(self, nid):
        return self.meta * self.bs + nid * 32

    def inode(self, nid):
        d, o = self.data, self.iloc(nid)
        i = Inode()
        i.nid, i.off = nid, o
        i.fmt = u16(d, o)
        i.ext = i.fmt & 1
        i.layout = (i.fmt >> 1) & 7
        i.icount = u16(d, o + 2)
        i.mode = u16(d, o + 4)
        i.isize = 64 if i.ext else 32
        i.size = u64(d, o + 8) if i.ext else u32(d, o + 8)
        i.iu = u32(d, o + 16)
        i.xsize = 12 + 4 * (i.icount - 1) if i.icount else 0
        x = o + i.isize
        i.entries, i.shared_ids = [], []
        if i.xsize:
            sc = d[x + 4]
            i.shared_ids = [x + 12 + 4 * k for k in range(sc)]
            for so in i.shared_ids:
                self.shared.add(self.xattr_blk * self.bs + u32(d, so) * 4)
            p, end = x + 12 + 4 * sc, x + i.xsize
            while p + 4 <= end:
                nl, ni, vs = d[p], d[p + 1], u16(d, p + 2)
                i.entries.append((p, nl, ni, vs))
                p += (4 + nl + vs + 3) // 4 * 4
        i.tail = x + i.xsize        # FLAT_INLINE tail / z map header base
        i.zhdr = i.zidx = i.zlen = None
        if i.layout in (1, 3) and i.size:
            i.zhdr = (i.tail + 7) // 8 * 8
            nl = (i.size + self.bs - 1) // self.bs
            if i.layout == 1:
                i.zidx, i.zlen = i.zhdr + 16, 8 * nl
            else:
                eb = i.zhdr + 8
                init = min(((32 - eb % 32) // 4) & 7, nl)
                n2 = 0
                if u16(d, i.zhdr + 4) & 1 and init < nl:
                    n2 = (nl - init) // 16 * 16
                rest = nl - init - n2
                i.zidx = eb
                i.zlen = 4 * init + 2 * n2 + 4 * (rest + rest % 2)
        return i

    def data_at(self, i, pos):
        """Image offset of byte pos of a flat inode's data."""
        full = i.size // self.bs * self.bs if i.layout == 2 else i.size
        if pos < full:
            return i.iu * self.bs + pos
        return i.tail + pos - full

    def walk(self, nid, parent, depth):
        i = self.inode(nid)
        i.parent = parent
        self.inodes.append(i)
        if i.mode & S_IFMT != S_IFDIR or depth > 16:
            return
        d, bs = self.data, self.bs
        for b in range(0, i.size, bs):
            blk = self.data_at(i, b)
            n = u16(d, blk + 8) // 12
            for k in range(n):
                de = blk + 12 * k
                nameoff = u16(d, de + 8)
                nxt = u16(d, de + 20) if k + 1 < n else min(bs, i.size - b)
                name = d[blk + nameoff:blk + nxt].rstrip(b"\0")
                self.dirents.append((de, nid, name, blk))
                if name not in (b".", b".."):
                    self.walk(u64(d, de), nid, depth + 1)


def pick_int(rng, cur, width):
    top = (1 << (8 * width)) - 1
    return rng.choice([0, 1, cur + 1, max(cur - 1, 0), cur ^ (1 << rng.randrange(8 * width)),
                       top, top >> 1, rng.randrange(top + 1),
                       cur * 2]) & top


class Mutator:
    def __init__(self, base, rng):
        self.b, self.rng, self.buf = base, rng, bytearray(base.data)
        self.touched = []

    def put(self, off, width, val):
        if off + width > len(self.buf):
            return
        self.buf[off:off + width] = (val & ((1 << (8 * width)) - 1)).to_bytes(width, "little")
        self.touched.append((off, width))

    def put_bytes(self, off, data):
        data = data[:len(self.buf) - off]
        self.buf[off:off + len(data)] = data
        self.touched.append((off, len(data)))

    def field(self, off, width, name, val=None):
        cur = int.from_bytes(self.buf[off:off + width], "little")
        val = pick_int(self.rng, cur, width) if val is None else val
        if val & ((1 << (8 * width)) - 1) == cur:     # never a no-op
            val = cur ^ (1 << self.rng.randrange(8 * width))
        self.put(off, width, val)
        return "%s %#x->%#x" % (name, cur, val & ((1 << (8 * width)) - 1))

    def ino(self, filt=None):
        cand = [i for i in self.b.inodes if filt is None or filt(i)]
        return self.rng.choice(cand) if cand else None

    def nid_value(self):
        r = self.rng
        return r.choice([r.choice(self.b.inodes).nid, r.choice(self.b.inodes).nid + 1,
                         0, 1, 0xFFFF, r.randrange(1 << 16), r.randrange(1 << 40)])

    # --- classes ---------------------------------------------------------
    def sb(self):
        r, b = self.rng, self.b
        k = r.randrange(12)
        if k == 9:
            return self.field(SB + 84, 2, "sb.lz4_max_distance/compr_algs",
                              r.choice([0, 1, 0xFFFF, 0x8000, None]))
        if k == 10:
            return self.field(SB + 13, 1, "sb.sb_extslots", r.choice([1, 2, 0x7F, 0xFF]))
        if k == 11:
            return self.field(SB + 36, 4, "sb.blocks",
                              r.choice([0, 1, len(self.buf) // b.bs - 1, 0xFFFFFFFF]))
        if k == 0:
            o = r.choice([8, 80])
            bit = r.choice(range(32) if o == 80 else range(8))
            cur = u32(self.buf, SB + o)
            return self.field(SB + o, 4, "sb.%s^bit%d" % ("incompat" if o == 80 else "compat", bit),
                              cur ^ (1 << bit))
        if k == 1:
            return self.field(SB + 12, 1, "sb.blkszbits",
                              r.choice([0, 8, 9, 10, 11, 12, 13, 16, 255, b.blkbits ^ 1]))
        if k == 2:
            return self.field(SB + 14, 2, "sb.root_nid", self.nid_value() & 0xFFFF)
        if k == 3:
            return self.field(SB + 40, 4, "sb.meta_blkaddr")
        if k == 4:
            return self.field(SB + 44, 4, "sb.xattr_blkaddr")
        if k == 5:
            return self.field(SB + 92, 4, "sb.xattr_prefix_start",
                              r.choice([None, b.pfx_start + 1, b.pfx_start - 1, 0,
                                        (len(self.buf) - 2) // 4, 0x3FFFFFFF]))
        if k == 6:
            return self.field(SB + 91, 1, "sb.xattr_prefix_count",
                              r.choice([0, 1, b.pfx_count + 1, 127, 128, 255,
                                        max(b.pfx_count - 1, 0)]))
        if k == 7:
            return self.field(SB + 105, 1, "sb.ishare_prefix_id",
                              r.choice([0, 1, 2, b.pfx_count, 0x7F, 0x80,
                                        0x80 | b.ishare_id, 255, r.randrange(256)]))
        return self.field(SB + 96, 8, "sb.packed_nid", self.nid_value())

    def inode(self):
        r = self.rng
        i = self.ino(lambda i: i.mode & S_IFMT == S_IFREG) if r.random() < 0.7 else self.ino()
        o, k = i.off, r.randrange(7)
        tag = "nid%d." % i.nid
        if k == 0:
            layout = r.randrange(8)
            val = (i.fmt & ~0xE) | layout << 1
            if r.random() < 0.3:
                val ^= r.choice([1, 0x10, 0x20, 0x8000])
            return self.field(o, 2, tag + "i_format", val)
        if k == 1:
            return self.field(o + 2, 2, tag + "i_xattr_icount",
                              r.choice([None, 0, 1, 2, i.icount + 1, i.icount - 1,
                                        i.icount + 1000, 0xFFFF]))
        if k == 2:
            t = r.choice([S_IFDIR, S_IFLNK, S_IFREG, 0o020000, 0o060000, 0o010000,
                          0o140000, 0, 0o170000])
            return self.field(o + 4, 2, tag + "i_mode", (i.mode & 0o7777) | t)
        if k == 3:
            w = 8 if i.ext else 4
            return self.field(o + 8, w, tag + "i_size",
                              r.choice([None, 0, 1, i.size + 1, i.size - 1, i.size + 4096,
                                        i.size * 3, (1 << 32) - 1, (1 << 8 * w) - 1]))
        if k == 4:
            return self.field(o + 16, 4, tag + "i_u",
                              r.choice([None, 0, 0xFFFFFFFF, i.iu + 1,
                                        len(self.buf) // self.b.bs, i.iu - 1]))
        if k == 5:
            return self.field(o + (44 if i.ext else 6), 4 if i.ext else 2,
                              tag + "nlink", r.choice([0, 1, 0xFFFF]))
        return self.field(o + 2 * r.randrange(i.isize // 2), 2, tag + "word")

    def xattr(self):
        r, b = self.rng, self.b
        i = self.ino(lambda i: i.xsize)
        if i is None:
            return None
        x, tag = i.off + i.isize, "nid%d." % i.nid
        k = r.randrange(8)
        if k == 0:
            return self.field(x + 4, 1, tag + "h_shared_count",
                              r.choice([None, 1, 2, 255, len(i.shared_ids) + 1]))
        if k == 1 and i.shared_ids:
            so = r.choice(i.shared_ids)
            return self.field(so, 4, tag + "shared_id")
        if k == 7:
            return self.field(x, 4, tag + "h_name_filter",
                              r.choice([0, 0xFFFFFFFF, None]))
        if not i.entries:
            return self.field(x + 4, 1, tag + "h_shared_count", 1)
        p, nl, ni, vs = r.choice(i.entries)
        if k == 2:
            return self.field(p + 1, 1, tag + "e_name_index",
                              r.choice([0, 1, 2, 3, 4, 5, 6, 7, 0x7F, 0x80 | b.pfx_count,
                                        0x80 | (b.pfx_count + 1), 0xFF,
                                        0x80 | r.randrange(max(b.pfx_count, 1)),
                                        0x80 | b.ishare_id]))
        if k == 3:
            return self.field(p, 1, tag + "e_name_len",
                              r.choice([0, 1, nl + 1, nl + 4, 255, None]))
        if k == 4:
            return self.field(p + 2, 2, tag + "e_value_size",
                              r.choice([0, 1, 3, vs - 1, vs + 1, vs + 4, b.bs, b.bs + 1,
                                        0x7FFF, 0xFFFF]))
        if k == 5 and vs:
            q = p + 4 + nl + r.randrange(vs)
            return self.field(q, 1, tag + "value_byte", self.buf[q] ^ (1 << r.randrange(8)))
        # another file's fingerprint over this entry's value (same length)
        if b.fps:
            j, e = r.choice(b.fps)
            src = e[0] + 4
            if vs == e[3] and j is not i:
                self.put_bytes(p + 4 + nl, b.data[src:src + vs])
                return tag + "fingerprint:=nid%d's" % j.nid
        return self.field(p + 2, 2, tag + "e_value_size", r.choice([0, b.bs + 1]))

    def prefix(self):
        r, b = self.rng, self.b
        if not b.prefixes:
            return None
        p, ln = r.choice(b.prefixes)
        if r.random() < 0.6:
            return self.field(p, 2, "prefix@%d.len" % p, r.choice([0, 1, ln + 1, ln - 1, 255, 0xFFFF]))
        return self.field(p + 2, 1, "prefix@%d.base_index" % p,
                          r.choice([0, 1, 4, 6, 7, 0x80, 255]))

    def dirent(self):
        r, b = self.rng, self.b
        de, dnid, name, blk = r.choice(b.dirents)
        tag = "dirent(nid%d,%s)." % (dnid, name.decode(errors="replace"))
        k = r.randrange(5)
        if k == 0:
            cur = u16(self.buf, de + 8)
            return self.field(de + 8, 2, tag + "nameoff",
                              r.choice([0, 1, cur + 1, cur - 1, b.bs, b.bs - 1, 0xFFFF, 12]))
        if k == 1:
            parents = [i.parent for i in b.inodes if i.nid == dnid] + [dnid, b.root]
            return self.field(de, 8, tag + "nid",
                              r.choice([self.nid_value(), r.choice(parents)]))
        if k == 2:
            return self.field(de + 10, 1, tag + "file_type", r.choice([0, 1, 2, 7, 8, 255]))
        if k == 3:
            return self.field(de + 11, 1, tag + "reserved", 0xFF)
        q = blk + u16(self.buf, de + 8)
        if q >= len(self.buf) or not name:
            return self.field(de + 8, 2, tag + "nameoff", 0)
        q += r.randrange(len(name))
        return self.field(q, 1, tag + "name_byte", r.choice([0, ord("/"), ord("."), 0xFF,
                                                              self.buf[q] + 1]))

    def zindex(self):
        r = self.rng
        i = self.ino(lambda i: i.zhdr is not None)
        if i is None:
            return None
        h, tag = i.zhdr, "nid%d.z." % i.nid
        k = r.randrange(6)
        if k == 0:
            return self.field(h + 4, 2, tag + "h_advise",
                              u16(self.buf, h + 4) ^ (1 << r.randrange(16)))
        if k == 1:
            return self.field(h + 6, 1, tag + "h_algorithmtype",
                              r.choice([0x10, 0x01, 0x02, 0x03, 0x04, 0x0F, 0xFF, 0x33]))
        if k == 2:
            return self.field(h + 7, 1, tag + "h_clusterbits",
                              r.choice([1, 2, 3, 0x0F, 0x80, 0x81, 0xFF]))
        if k == 3:
            return self.field(h + r.choice([0, 2]), 2, tag + "h_word0")
        if i.layout == 1 and i.zlen:
            rec = i.zidx + 8 * r.randrange(i.zlen // 8)
            f = r.choice(["type", "clusterofs", "blkaddr", "delta0", "delta1"])
            if f == "type":
                return self.field(rec, 2, tag + "full.type",
                                  (u16(self.buf, rec) & ~3) | r.randrange(4))
            if f == "clusterofs":
                return self.field(rec + 2, 2, tag + "full.clusterofs",
                                  r.choice([None, 0, self.b.bs - 1, self.b.bs, 0xFFFF]))
            if f == "blkaddr":
                return self.field(rec + 4, 4, tag + "full.blkaddr")
            return self.field(rec + (4 if f == "delta0" else 6), 2, tag + "full." + f,
                              r.choice([0, 1, 2, 0x7FF, 0x800, 0x801, 0x8FF, 0xFFFF]))
        if not i.zlen:
            return self.field(h + 4, 2, tag + "h_advise", 0xFFFF)
        if k == 4:
            q = i.zidx + r.randrange(i.zlen)
            return self.field(q, 1, tag + "compact.byte", self.buf[q] ^ (1 << r.randrange(8)))
        packs = [q for q in range(i.zidx + 4, i.zidx + i.zlen + 1, 4)
                 if (q - 4) % 8 == 4 or (q - i.zidx) % 32 == 28]
        q = r.choice(packs) if packs else i.zidx
        return self.field(q, 4, tag + "compact.word")

    def data(self):
        r, b = self.rng, self.b
        i = self.ino(lambda i: i.mode & S_IFMT == S_IFREG and i.size)
        if i is None:
            return None
        if i.layout in (0, 2) and r.random() < 0.5:
            q = b.data_at(i, r.randrange(i.size))
        elif i.layout in (1, 3) and i.iu:
            # somewhere in the data area past the metadata
            lo = (b.meta + 1) * b.bs
            q = r.randrange(min(lo, len(self.buf) - 1), len(self.buf))
        else:
            q = r.randrange(b.bs, len(self.buf))
        if q >= len(self.buf):
            return None
        n = r.choice([1, 1, 4, 16])
        self.put_bytes(q, bytes(r.randrange(256) for _ in range(n)))
        return "data@%d+%d" % (q, n)

    CLASSES = ["sb", "sb", "inode", "inode", "xattr", "xattr", "prefix", "dirent",
               "dirent", "zindex", "zindex", "data"]

    def run(self, n):
        done = []
        while len(done) < n:
            c = self.rng.choice(self.CLASSES)
            d = getattr(self, c)()
            if d:
                done.append(d)
        b = self.b
        # the kernel hashes with the (possibly mutated) block size
        bs = 1 << self.buf[SB + 12] if 9 <= self.buf[SB + 12] <= 12 else b.bs
        end = bs if bs > SB else SB + bs
        if u32(self.buf, SB + 8) & 1 and any(o < end for o, _ in self.touched):
            if self.rng.random() < 0.9:
                self.put(SB + 4, 4, 0)
                self.put(SB + 4, 4, erofs_crc(self.buf[SB:end]))
            else:
                done.append("crc=stale")
        return done


def patches(buf, touched):
    """The touched byte runs of buf, merged, as OFF:HEX."""
    out, cur = [], None
    for off, n in sorted(touched):
        if cur and off <= cur[1]:
            cur[1] = max(cur[1], off + n)
            continue
        if cur:
            out.append(cur)
        cur = [off, off + n]
    if cur:
        out.append(cur)
    return ["%d:%s" % (s, bytes(buf[s:e]).hex()) for s, e in out]


def main(argv):
    seed, count, only, manifest, patchf, write, bases = "1", 600, None, None, None, None, []
    it = iter(argv)
    for a in it:
        if a == "--seed":
            seed = next(it)
        elif a == "--count":
            count = int(next(it))
        elif a == "--only":
            only = int(next(it))
        elif a == "--manifest":
            manifest = next(it)
        elif a == "--patches":
            patchf = next(it)
        elif a == "--write":
            write = next(it)
        elif "=" in a and not a.startswith("-"):
            name, path = a.split("=", 1)
            with open(path, "rb") as f:
                bases.append(Base(name, f.read()))
        else:
            sys.exit("usage: mutate.py --seed S --count N [--only I] [--manifest FILE] "
                     "[--patches FILE] [--write DIR] NAME=IMAGE...")
    if not bases:
        sys.exit("mutate: no base images")
    mf = open(manifest, "w") if manifest else sys.stdout
    pf = open(patchf, "w") if patchf else None
    for idx in range(count) if only is None else [only]:
        s = "%s:%d" % (seed, idx)
        rng = random.Random(s)
        base = bases[idx % len(bases)]
        m = Mutator(base, rng)
        muts = m.run(rng.choice([1, 1, 2, 3]))
        mf.write("%d seed=%s base=%s %s\n" % (idx, s, base.name, "; ".join(muts)))
        if pf:
            pf.write("%d %d %s\n" % (idx, idx % len(bases), " ".join(patches(m.buf, m.touched))))
        if write:
            with open("%s/%s-%d.img" % (write, base.name, idx), "wb") as f:
                f.write(m.buf)
    if pf:
        pf.close()
    if manifest:
        mf.close()


if __name__ == "__main__":
    main(sys.argv[1:])
