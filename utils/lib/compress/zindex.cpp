#include "compress/zindex.hpp"

#include <algorithm>

#include "compress/codec.hpp"
#include "base/error.hpp"

namespace erofs {

namespace {

uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// Where the compact index puts each lcluster (z_erofs_load_compact_lcluster).
struct PackGeom {
	uint64_t ebase = 0;
	uint64_t n = 0;
	uint64_t init = 0;  // lclusters in the leading 4B packs
	uint64_t c2b = 0;   // lclusters in 2B packs

	PackGeom(uint64_t eb, uint64_t count, bool twob) : ebase(eb), n(count)
	{
		init = ((32 - ebase % 32) / 4) & 7;
		if (twob && init < n)
			c2b = (n - init) / 16 * 16;
	}
	struct Slot {
		uint64_t pack = 0;  // byte offset of the pack
		unsigned vcnt = 2;
		unsigned slot = 0;
		unsigned size() const { return vcnt == 2 ? 8 : 32; }
		unsigned encodebits() const { return (size() - 4) * 8 / vcnt; }
	};
	Slot at(uint64_t lcn) const
	{
		uint64_t pos = ebase;
		unsigned shift = 2;
		if (lcn >= init) {
			pos += init * 4;
			lcn -= init;
			if (lcn < c2b) {
				shift = 1;
			} else {
				pos += c2b * 2;
				lcn -= c2b;
			}
		}
		pos += lcn << shift;
		Slot s;
		s.vcnt = shift == 2 ? 2 : 16;
		s.pack = pos / s.size() * s.size();
		s.slot = unsigned((pos - s.pack) >> shift);
		return s;
	}
	uint64_t bytes() const
	{
		if (n <= init)
			return round_up(n, 2) * 4;
		return init * 4 + c2b * 2 + round_up(n - init - c2b, 2) * 4;
	}
};

constexpr unsigned kLobits = 12;  // max(lclusterbits, 12) for lclusterbits <= 12

unsigned slot_value(std::span<const uint8_t> pack, unsigned encodebits, unsigned i, uint8_t &type)
{
	unsigned bit = encodebits * i;
	uint32_t v = le::u32(pack, bit / 8) >> (bit & 7);
	type = uint8_t((v >> kLobits) & 3);
	return v & ((1u << kLobits) - 1);
}

void put_slot(std::span<uint8_t> pack, unsigned encodebits, unsigned i, unsigned lo, uint8_t type)
{
	uint32_t v = lo | uint32_t(type) << kLobits;
	unsigned bit = encodebits * i;
	for (unsigned b = 0; b < kLobits + 2; b++)
		if (v >> b & 1)
			pack[(bit + b) / 8] = uint8_t(pack[(bit + b) / 8] | 1u << ((bit + b) & 7));
}

// Blocks of the pack accounted before slot i (the kernel's pblk walk);
// -1 when the pack is inconsistent.
int64_t pack_nblk(std::span<const uint8_t> pack, unsigned vcnt, unsigned encodebits, int i, bool big)
{
	uint8_t type;
	int64_t nblk = big ? 0 : 1;
	while (i > 0) {
		--i;
		unsigned lo = slot_value(pack, encodebits, unsigned(i), type);
		if (!big) {
			if (type == ltype::kNonhead)
				i -= int(lo);
			if (i >= 0)
				++nblk;
			continue;
		}
		if (type == ltype::kNonhead) {
			if (lo & kCblkcnt) {
				--i;
				nblk += lo & ~kCblkcnt;
				continue;
			}
			if (lo <= 1)
				return -1;
			i -= int(lo) - 2;
			continue;
		}
		++nblk;
	}
	(void)vcnt;
	return nblk;
}

// One lcluster in the writer's "full" form.
struct LRec {
	uint8_t type = ltype::kNonhead;
	uint16_t ofs = 0;
	int64_t pblk = 0;  // heads
	uint32_t blocks = 1;
	bool real = false; // head of a pcluster in the data area
	bool frag = false; // head of the fragment extent
	uint16_t d0 = 0, d1 = 0;
	bool cblk = false;
};

std::vector<LRec> build_records(std::span<const ZExtent> ext, const ZIndexSpec &s)
{
	uint64_t lsz = uint64_t(1) << s.blkbits;
	uint64_t n = (s.size + lsz - 1) / lsz;
	std::vector<LRec> r(n);
	int64_t virt = int64_t(s.startblk) + s.total_blocks;
	for (const auto &e : ext) {
		auto &x = r[e.start >> s.blkbits];
		// Linux 6.12 maps a fragment with m_plen 0: its head must not
		// be PLAIN (a plain extent longer than its pcluster is corrupt).
		x.type = e.compressed || e.fragment ? ltype::kHead1 : ltype::kPlain;
		x.ofs = uint16_t(e.start & (lsz - 1));
		bool virt_head = e.inline_tail || e.fragment;
		x.real = !virt_head;
		x.frag = e.fragment;
		x.pblk = virt_head ? virt : int64_t(s.startblk) + e.blk;
		x.blocks = virt_head ? 1 : e.blocks;
	}
	if (n && s.size % lsz && r[n - 1].type == ltype::kNonhead) {  // EOF sentinel
		r[n - 1].type = ltype::kPlain;
		r[n - 1].ofs = uint16_t(s.size % lsz);
		r[n - 1].pblk = virt;
	}
	int64_t head = -1;
	for (uint64_t l = 0; l < n; l++) {
		if (r[l].type != ltype::kNonhead) {
			head = int64_t(l);
			continue;
		}
		uint64_t d0 = l - uint64_t(head);
		r[l].d0 = uint16_t(std::min<uint64_t>(d0, kCblkcnt - 1));
		if (s.big && d0 == 1) {
			r[l].cblk = true;
			r[l].d0 = uint16_t(kCblkcnt | r[head].blocks);
		}
	}
	uint64_t next = n;
	for (uint64_t l = n; l-- > 0;) {
		if (r[l].type != ltype::kNonhead)
			next = l;
		else
			r[l].d1 = uint16_t(std::min<uint64_t>(next - l, kCblkcnt - 1));
	}
	return r;
}

void encode_header(const ZIndexSpec &s, std::span<uint8_t> out)
{
	std::fill(out.begin(), out.begin() + 8, uint8_t(0));
	uint16_t adv = 0;
	if (s.compact)
		adv |= zadv::kCompacted2B;
	if (s.big)
		adv |= zadv::kBigPcluster1 | zadv::kBigPcluster2;
	if (s.idata_size && !s.fragment)
		adv |= zadv::kInlinePcluster;
	if (s.fragment) {
		adv |= zadv::kFragment;  // h_fragmentoff replaces h_idata_size
		le::store<uint32_t>(out, 0, uint32_t(s.fragmentoff));
	} else {
		le::store<uint16_t>(out, 2, s.idata_size);
	}
	le::store<uint16_t>(out, 4, adv);
	out[6] = s.alg & 15;
	out[7] = 0;  // lclusterbits == blkbits
}

void encode_full(const std::vector<LRec> &r, const ZIndexSpec &s, std::span<uint8_t> out)
{
	for (size_t l = 0; l < r.size(); l++) {
		auto rec = out.subspan(16 + 8 * l, 8);
		le::store<uint16_t>(rec, 0, r[l].type);
		if (r[l].type == ltype::kNonhead) {
			le::store<uint16_t>(rec, 2, 0);
			le::store<uint16_t>(rec, 4, r[l].d0);
			le::store<uint16_t>(rec, 6, r[l].d1);
		} else {
			le::store<uint16_t>(rec, 2, r[l].ofs);
			// full indexes keep fragmentoff bits 32..63 in the
			// fragment head's block address
			uint32_t blk = r[l].real ? uint32_t(r[l].pblk) : r[l].frag ? uint32_t(s.fragmentoff >> 32) : 0;
			le::store<uint32_t>(rec, 4, blk);
		}
	}
}

void encode_compact(const std::vector<LRec> &r, const ZIndexSpec &s, uint64_t hdr_pos, std::span<uint8_t> out)
{
	PackGeom g(hdr_pos + 8, r.size(), true);
	for (uint64_t l = 0; l < r.size();) {
		auto at = g.at(l);  // packs are aligned: every pack starts at slot 0
		auto pack = out.subspan(at.pack - hdr_pos, at.size());
		std::fill(pack.begin(), pack.end(), uint8_t(0));
		unsigned eb = at.encodebits();
		uint64_t first = l;
		int first_head = -1;
		for (unsigned i = 0; i < at.vcnt && l < r.size(); i++, l++) {
			const auto &x = r[l];
			unsigned lo;
			if (x.type != ltype::kNonhead) {
				lo = x.ofs;
				if (first_head < 0)
					first_head = int(i);
			} else if (x.cblk || i + 1 < at.vcnt) {
				lo = x.d0;  // (a CBLKCNT value when cblk)
			} else {
				lo = x.d1;  // the last slot of a pack holds delta[1]
			}
			put_slot(pack, eb, i, lo, x.type);
		}
		// base + (blocks accounted before a head in this pack) = its block
		int64_t base = 0;
		if (first_head >= 0)
			base = r[first + unsigned(first_head)].pblk - pack_nblk(pack, at.vcnt, eb, first_head, s.big);
		le::store<uint32_t>(pack, at.size() - 4, uint32_t(base));
	}
}

}  // namespace

bool whole_fragment(std::span<const ZExtent> ext)
{
	return ext.size() == 1 && ext[0].fragment;
}

uint64_t zindex_bytes(bool compact, uint64_t size, unsigned blkbits, uint64_t hdr_pos, bool whole_frag)
{
	if (whole_frag)
		return 8;
	uint64_t n = (size + (uint64_t(1) << blkbits) - 1) >> blkbits;
	if (!compact)
		return 16 + 8 * n;
	return 8 + PackGeom(hdr_pos + 8, n, true).bytes();
}

void encode_zindex(std::span<const ZExtent> ext, const ZIndexSpec &s, uint64_t hdr_pos, std::span<uint8_t> out)
{
	if (whole_fragment(ext)) {
		le::store<uint64_t>(out, 0, s.fragmentoff | uint64_t(1) << 63);
		return;
	}
	auto r = build_records(ext, s);
	encode_header(s, out);
	if (!s.compact) {
		std::fill(out.begin() + 8, out.begin() + 16, uint8_t(0));
		encode_full(r, s, out);
	} else {
		encode_compact(r, s, hdr_pos, out);
	}
}

namespace {

// One decoded lcluster, as the kernel sees it.
struct DRec {
	uint8_t type = 0;
	bool partial = false;  // full index: Z_EROFS_LI_PARTIAL_REF
	uint16_t ofs = 0;
	uint16_t d0 = 0;
	bool cblk = false;
	uint32_t cnt = 0;
	uint32_t pblk = 0;
	uint64_t nextpackoff = 0;
};

struct Decoder {
	const Image &img;
	const InodeInfo &ino;
	std::string where;
	bool compact = false;
	bool big = false;
	uint64_t start = 0;  // full: first record
	PackGeom geom{0, 0, true};

	[[noreturn]] void corrupt(const std::string &what, uint64_t lcn) const
	{
		throw Error(what, where + " lcluster " + std::to_string(lcn));
	}

	DRec full(uint64_t lcn) const
	{
		DRec d;
		uint64_t pos = start + 8 * lcn;
		auto b = img.bytes(pos, 8, "compressed index");
		d.nextpackoff = pos + 8;
		d.type = uint8_t(le::u16(b, 0) & 3);
		d.partial = le::u16(b, 0) & 0x8000;
		if (d.type == ltype::kNonhead) {
			d.d0 = le::u16(b, 4);
			if (d.d0 & kCblkcnt) {
				if (!big)
					corrupt("CBLKCNT without big pcluster", lcn);
				d.cblk = true;
				d.cnt = d.d0 & ~kCblkcnt;
				d.d0 = 1;
			}
		} else {
			d.ofs = le::u16(b, 2);
			d.pblk = le::u32(b, 4);
		}
		return d;
	}

	DRec packed(uint64_t lcn) const
	{
		DRec d;
		auto at = geom.at(lcn);
		auto pack = img.bytes(at.pack, at.size(), "compressed index");
		d.nextpackoff = at.pack + at.size();
		unsigned eb = at.encodebits();
		unsigned lo = slot_value(pack, eb, at.slot, d.type);
		if (d.type == ltype::kNonhead) {
			if (lo & kCblkcnt) {
				if (!big)
					corrupt("CBLKCNT without big pcluster", lcn);
				d.cblk = true;
				d.cnt = lo & ~kCblkcnt;
				d.d0 = 1;
			} else if (at.slot + 1 != at.vcnt) {
				d.d0 = uint16_t(lo);
			} else {
				uint8_t t;
				unsigned prev = slot_value(pack, eb, at.slot - 1, t);
				if (t != ltype::kNonhead)
					prev = 0;
				else if (prev & kCblkcnt)
					prev = 1;
				d.d0 = uint16_t(prev + 1);
			}
			return d;
		}
		d.ofs = uint16_t(lo);
		int64_t nblk = pack_nblk(pack, at.vcnt, eb, int(at.slot), big);
		if (nblk < 0)
			corrupt("plain delta[0] <= 1 in a big-pcluster pack", lcn);
		d.pblk = uint32_t(le::u32(pack, at.size() - 4) + uint32_t(nblk));
		return d;
	}

	DRec load(uint64_t lcn) const { return compact ? packed(lcn) : full(lcn); }
};

}  // namespace

ZMap read_zmap(const Image &img, const InodeInfo &ino)
{
	ZMap m;
	Decoder d{img, ino, where_nid(ino.nid)};
	auto bad = [&](const std::string &what) { throw Error(what, d.where); };
	m.compact = ino.layout == unsigned(DataLayout::CompressedCompact);
	m.hdr_pos = round_up(ino.inline_off, 8);
	auto h = img.bytes(m.hdr_pos, 8, "compressed map header");
	bool has_packed = img.sb().packed_nid != 0;
	if (h[7] & 0x80) {
		// The whole file is in the packed inode; the other 63 bits of
		// the header are its offset there.
		if (!has_packed)
			bad("file stored in the packed inode, but the image has none");
		m.advise = zadv::kFragment;
		m.fragmentoff = le::u64(h, 0) & ~(uint64_t(1) << 63);
		if (ino.size) {
			ZMapExtent e;
			e.len = ino.size;
			e.fragment = true;
			m.extents.push_back(e);
		}
		return m;
	}
	m.advise = le::u16(h, 4);
	bool fragment = m.advise & zadv::kFragment;
	if (fragment && !has_packed)
		bad("fragment pcluster, but the image has no packed inode");
	m.algs[0] = h[6] & 15;
	m.algs[1] = h[6] >> 4;
	for (unsigned a : m.algs)
		if (a >= kAlgCount)
			bad("unknown compression algorithm " + std::to_string(a));
	m.lclusterbits = img.sb().blkszbits + (h[7] & 15);
	if (m.compact && m.lclusterbits > 14)
		bad("compact index with lclusterbits " + std::to_string(m.lclusterbits) + " > 14");
	if (m.compact && (m.advise & zadv::kCompacted2B) && m.lclusterbits > 12)
		bad("2-byte compact packs with lclusterbits " + std::to_string(m.lclusterbits) + " > 12");
	if (m.lclusterbits > 30)
		bad("lclusterbits " + std::to_string(m.lclusterbits) + " out of range");
	d.big = m.advise & zadv::kBigPcluster1;
	bool big2 = m.advise & zadv::kBigPcluster2;
	if ((d.big || big2) && !(img.sb().feature_incompat & incompat::kComprCfgs))
		bad("big pcluster without the superblock feature");
	if (m.compact && d.big != big2)
		bad("compact index with inconsistent big pcluster advise");
	if (m.advise & zadv::kInlinePcluster)
		m.idata_size = le::u16(h, 2);
	if (fragment)
		m.fragmentoff = le::u32(h, 0);
	d.compact = m.compact;
	uint64_t lsz = uint64_t(1) << m.lclusterbits;
	uint64_t n = (ino.size + lsz - 1) >> m.lclusterbits;
	m.lclusters = n;
	if (!n)
		return m;
	uint64_t bs = img.blksz();
	if (m.compact) {
		d.geom = PackGeom(m.hdr_pos + 8, n, m.advise & zadv::kCompacted2B);
		if (d.geom.bytes() > img.size())
			bad("compressed index beyond the end of the image");
		img.bytes(m.hdr_pos + 8, d.geom.bytes(), "compressed index");
	} else {
		d.start = m.hdr_pos + 16;
		if (n > img.size() / 8)
			bad("compressed index beyond the end of the image");
		img.bytes(d.start, 8 * n, "compressed index");
	}
	std::vector<DRec> r(n);
	for (uint64_t l = 0; l < n; l++)
		r[l] = d.load(l);
	// Heads and lookback distances.
	std::vector<uint64_t> heads;
	for (uint64_t l = 0; l < n; l++) {
		if (r[l].type == ltype::kNonhead) {
			if (heads.empty())
				d.corrupt("no head lcluster before this one", l);
			if (r[l].d0 == 0 || r[l].d0 > l || l - r[l].d0 < heads.back())
				d.corrupt("bogus lookback distance " + std::to_string(r[l].d0), l);
			continue;
		}
		if (r[l].ofs >= lsz)
			d.corrupt("cluster offset " + std::to_string(r[l].ofs) + " beyond the lcluster", l);
		if (l == 0 && r[l].ofs != 0)
			d.corrupt("first extent does not start at 0", l);
		uint64_t st = (l << m.lclusterbits) + r[l].ofs;
		if (st >= ino.size) {
			if (l + 1 != n)
				d.corrupt("extent starts beyond the end of the file", l);
			continue;  // EOF sentinel
		}
		heads.push_back(l);
	}
	for (size_t k = 0; k < heads.size(); k++) {
		uint64_t l = heads[k];
		ZMapExtent e;
		e.lcn = l;
		e.type = r[l].type;
		e.start = (l << m.lclusterbits) + r[l].ofs;
		uint64_t end = k + 1 < heads.size() ? (heads[k + 1] << m.lclusterbits) + r[heads[k + 1]].ofs : ino.size;
		e.len = end - e.start;
		if (e.type != ltype::kPlain)
			e.alg = m.algs[e.type == ltype::kHead2 ? 1 : 0];
		e.partial = r[l].partial;
		e.inline_tail = m.idata_size && k + 1 == heads.size();
		// Linux: the tail extent whose head is lcluster 0 makes the whole
		// file a fragment; full indexes keep fragmentoff bits 32..63 in
		// the tail head's block address.
		e.fragment = !e.inline_tail && fragment && k + 1 == heads.size();
		if (e.fragment) {
			if (!m.compact)
				m.fragmentoff |= uint64_t(r[l].pblk) << 32;
			if (l == 0) {
				e.start = 0;
				e.len = ino.size;
				m.extents.clear();
			}
			e.type = ltype::kPlain;
			m.extents.push_back(e);
			continue;
		}
		if (e.len > kMaxExtentBytes)
			d.corrupt("extent of " + std::to_string(e.len) + " bytes exceeds 12 MiB", l);
		if (e.inline_tail) {
			e.phys = r[n - 1].nextpackoff;
			e.plen = m.idata_size;
			if (e.phys % bs + e.plen > bs)
				d.corrupt("inline pcluster of " + std::to_string(e.plen) + " bytes crosses a block", l);
		} else {
			bool bigh = e.type == ltype::kHead1 ? d.big : big2;
			uint64_t blocks = 1;
			if (bigh && ((l + 1) << m.lclusterbits) < ino.size) {
				const DRec &x = r[l + 1];
				if (x.type == ltype::kNonhead && !x.cblk && x.d0 != 1)
					d.corrupt("bogus CBLKCNT", l + 1);
				if (x.type == ltype::kNonhead && x.cblk && x.cnt)
					blocks = x.cnt;
			}
			e.plen = blocks * bs;
			e.phys = uint64_t(r[l].pblk) * bs;
			if (e.plen > kMaxPclusterBytes)
				d.corrupt("pcluster of " + std::to_string(e.plen) + " bytes exceeds 1 MiB", l);
		}
		if (e.type == ltype::kPlain && e.len > e.plen)
			d.corrupt("plain extent longer than its pcluster", l);
		img.bytes(e.phys, e.plen, "pcluster");
		m.extents.push_back(e);
	}
	return m;
}

ZLcluster zmap_lcluster(const Image &img, const InodeInfo &ino, const ZMap &m, uint64_t lcn, bool lookahead)
{
	if (lcn >= m.lclusters)
		throw Error("lcluster beyond the file", where_nid(ino.nid));
	Decoder d{img, ino, where_nid(ino.nid)};
	d.compact = m.compact;
	d.big = m.advise & zadv::kBigPcluster1;
	d.start = m.hdr_pos + 16;
	if (m.compact)
		d.geom = PackGeom(m.hdr_pos + 8, m.lclusters, m.advise & zadv::kCompacted2B);
	DRec r = d.load(lcn);
	ZLcluster z;
	z.type = r.type;
	z.nextpackoff = r.nextpackoff;
	if (r.type != ltype::kNonhead) {
		z.clusterofs = r.ofs;
		z.pblk = r.pblk;
		return z;
	}
	z.clusterofs = uint16_t(1u << m.lclusterbits);
	z.delta[0] = r.d0;
	if (r.cblk)
		z.compressedblks = r.cnt;
	if (!m.compact) {
		z.delta[1] = le::u16(img.bytes(m.hdr_pos + 16 + 8 * lcn + 6, 2, "index"), 0);
	} else if (lookahead) {  // get_compacted_la_distance()
		auto at = d.geom.at(lcn);
		auto pack = img.bytes(at.pack, at.size(), "index");
		unsigned eb = at.encodebits(), lo = 0, d1 = 0, i = at.slot;
		uint8_t type = 0;
		bool ended = false;
		do {
			lo = slot_value(pack, eb, i, type);
			if (type != ltype::kNonhead) {
				ended = true;
				break;
			}
			++d1;
		} while (++i < at.vcnt);
		if (!ended && !(lo & kCblkcnt))
			d1 += lo - 1;
		z.delta[1] = uint16_t(d1);
	}
	return z;
}

}  // namespace erofs
