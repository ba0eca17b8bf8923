#include "plan/layout.hpp"

#include <algorithm>
#include <deque>
#include <string>
#include <unordered_map>

#include "plan/dirblocks.hpp"
#include "plan/meta_alloc.hpp"
#include "base/error.hpp"
#include "compress/zwrite.hpp"

namespace erofs {

namespace {

constexpr uint64_t kSlot = uint64_t(1) << kSlotBits;
constexpr uint64_t kMaxChunks = 65536;

uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

std::vector<Node *> placement_order(Tree &t)
{
	std::vector<Node *> order{t.root};
	order.reserve(t.nodes.size() + 1);
	std::vector<bool> seen(t.nodes.size(), false);
	seen[t.root->id] = true;
	std::deque<Node *> dirs{t.root};
	while (!dirs.empty()) {
		Node *d = dirs.front();
		dirs.pop_front();
		for (auto &e : d->children) {
			if (seen[e.node->id])
				continue;
			seen[e.node->id] = true;
			order.push_back(e.node);
			if (e.node->kind == Kind::Directory)
				dirs.push_back(e.node);
		}
	}
	return order;
}

// Chunk-based layout for sparse files: the chunk map replaces holes.
void plan_chunks(Node &n, uint64_t blksz)
{
	auto &at = n.at;
	at.layout = DataLayout::ChunkBased;
	at.chunk_extra_bits = 0;
	while ((n.size + (blksz << at.chunk_extra_bits) - 1) / (blksz << at.chunk_extra_bits) > kMaxChunks)
		at.chunk_extra_bits++;
	uint64_t csz = blksz << at.chunk_extra_bits;
	uint64_t count = (n.size + csz - 1) / csz;
	at.chunk_addrs.assign(count, kNullAddr);
	for (const auto &r : n.data) {
		if (!r.len)
			continue;
		uint64_t end = std::min(r.off + r.len, n.size);
		for (uint64_t c = r.off / csz; c * csz < end; c++)
			at.chunk_addrs[c] = 0;  // marks a data chunk; real address later
	}
}

// Chunk indexes into device 1 (the tar of --tar=i): the stored data of a
// file is contiguous there, so one chunk covers it (chunk size the next
// power of two); a sparse file needs chunks that are each all data or all
// hole, so its chunk size divides every segment boundary.
void plan_device_chunks(Node &n, const Layout &l)
{
	auto &at = n.at;
	at.layout = DataLayout::ChunkBased;
	at.chunk_indexes = true;
	at.chunk_device = 1;
	uint64_t bs = l.blksz;
	if (n.device_off % bs)
		throw Error("tar data not aligned to the block size", n.path);
	unsigned bits = l.blkbits;
	if (!n.sparse) {
		while (bits < l.blkbits + 31 && (uint64_t(1) << bits) < n.size)
			bits++;
	} else {
		uint64_t g = 0;  // OR of every boundary: its lowest bit bounds the chunk size
		for (const auto &r : n.data) {
			g |= r.off;
			if (r.off + r.len != n.size)
				g |= r.len;
		}
		if (g % bs)
			throw Error("sparse file whose holes are not aligned to 512 bytes cannot be indexed", n.path);
		while (bits < l.blkbits + 31 && !(g & (uint64_t(1) << bits)) && (uint64_t(1) << bits) < n.size)
			bits++;
	}
	at.chunk_extra_bits = uint8_t(bits - l.blkbits);
	uint64_t csz = uint64_t(1) << bits;
	uint64_t count = (n.size + csz - 1) / csz;
	if (count > (uint64_t(1) << 22))
		throw Error("sparse file with too many chunks to index", n.path);
	at.chunk_addrs.assign(count, kNullAddr);
	auto addr = [&](uint64_t dev_off) {
		uint64_t b = dev_off / bs;
		if (b >= kNullAddr)
			throw Error("tar larger than 2^32 blocks cannot be indexed", n.path);
		return uint32_t(b);
	};
	if (!n.sparse) {
		for (uint64_t c = 0; c < count; c++)
			at.chunk_addrs[c] = addr(n.device_off + c * csz);
		return;
	}
	uint64_t stored = 0;
	for (const auto &r : n.data) {
		for (uint64_t c = r.off / csz; c * csz < r.off + r.len; c++)
			at.chunk_addrs[c] = addr(n.device_off + stored + (c * csz - r.off));
		stored += r.len;
	}
}

// Metadata bytes of one node before placement: inode + xattr body (the
// head, kept in one block) (+ compressed index or chunk map), and the tail
// it would like to keep inline.
struct Record {
	Node *n;
	uint64_t meta;
	uint64_t tail;
	uint64_t head;
};

Record plan_record(Node &n, const LayoutInput &in, Layout &l)
{
	int64_t epoch = in.epoch;
	auto &at = n.at;
	uint64_t bs = l.blksz;
	at.extended = needs_extended(n, epoch);
	at.layout = DataLayout::FlatPlain;
	at.tail_size = 0;
	at.nblocks = n.size / bs;
	uint64_t head = (at.extended ? InodeExtended::kSize : InodeCompact::kSize) + at.xattr_size;
	Record r{&n, head, 0, head};
	if (n.kind == Kind::Regular && at.z && !at.z->flat) {  // (flat ones are planned as usual)
		bool compact = in.compact_index;
		auto dd = l.zdedupe.find(&n);
		bool refs = dd != l.zdedupe.end() && !dd->second.whole_owner;
		if (refs)
			compact = false;
		if (at.z->has_fragment() && at.z->fragmentoff >> 32)
			compact = false;  // compact indexes hold 32 bits of fragment offset
		at.layout = compact ? DataLayout::CompressedCompact : DataLayout::CompressedFull;
		at.nblocks = at.z->blocks;
		if (refs) {
			at.nblocks = 0;
			for (size_t i = 0; i < at.z->extents.size(); i++)
				if (!dd->second.ref[i].first)
					at.nblocks += at.z->extents[i].blocks;
		}
		uint64_t ihead = round_up(r.meta, 8);  // records start 32-aligned
		r.meta = ihead + zindex_bytes(compact, n.size, l.blkbits, ihead, whole_fragment(at.z->extents));
		r.tail = at.z->tail.size();
	} else if (n.kind == Kind::Regular && n.on_device) {
		plan_device_chunks(n, l);
		r.meta = round_up(r.meta, 8) + 8 * at.chunk_addrs.size();
		at.nblocks = 0;
		l.any_chunked = l.any_device = true;
	} else if (n.kind == Kind::Regular && n.sparse) {
		plan_chunks(n, bs);
		r.meta += 4 * at.chunk_addrs.size();
		at.nblocks = 0;
		l.any_chunked = true;
	} else if (n.kind == Kind::Regular && !in.inline_data) {
		at.nblocks = (n.size + bs - 1) / bs;  // -E noinline_data: the tail gets a block
	} else {
		r.tail = n.size % bs;
	}
	return r;
}

void place_record(const Record &r, MetaAllocator &alloc, const Layout &l)
{
	auto &at = r.n->at;
	bool z = at.layout == DataLayout::CompressedCompact || at.layout == DataLayout::CompressedFull;
	std::optional<uint64_t> pos;
	// An uncompressed tail may start the block after its inode's end (the
	// kernel only wants the tail itself inside one block), so any tail can
	// stay inline; a compressed one keeps to its inode's block.
	bool try_inline = r.tail && (z ? r.meta + r.tail <= l.blksz : r.tail < l.blksz);
	if (try_inline && (pos = alloc.place(r.meta, r.tail, r.head, r.n->at.xattr_size != 0))) {
		if (!z)
			at.layout = DataLayout::FlatInline;
		at.tail_size = uint32_t(r.tail);
	} else if (r.tail) {
		at.nblocks++;  // the tail gets a zero-padded block of its own
		at.ztail_block = z;
	}
	if (!pos)
		pos = alloc.place(r.meta, 0, r.head, r.n->at.xattr_size != 0);
	at.meta_off = *pos;
	at.nid = (*pos - uint64_t(l.meta_blkaddr) * l.blksz) >> kSlotBits;
}

// Root first (its nid must fit 16 bits), then records larger than half a
// block, then the smaller ones with an inline tail, each group in placement
// order: big records first leave gaps that the small ones fill (close to
// first-fit decreasing).  Records without a tail (most compressed inodes)
// come last: their indexes may cross block boundaries, so they fill what
// is left.
uint64_t place_all(std::vector<Record> &recs, Layout &l)
{
	MetaAllocator alloc(l.blksz, l.inode_off);
	place_record(recs[0], alloc, l);
	auto group = [&](const Record &r) {
		if (r.meta + r.tail > l.blksz / 2)
			return 0;
		return r.tail ? 1 : 2;
	};
	for (int g = 0; g < 3; g++)
		for (size_t i = 1; i < recs.size(); i++)
			if (group(recs[i]) == g)
				place_record(recs[i], alloc, l);
	return alloc.end();
}

// Two compressed files whose blocks would be the same bytes: equal content
// (fingerprint and size) cut the same way, with the same tail placement.
bool same_blocks(const Node &a, const Node &b)
{
	const ZFile &x = *a.at.z, &y = *b.at.z;
	if (x.flat || y.flat)  // flat: the same content in the same layout
		return x.flat && y.flat && a.size == b.size && x.content_hash == y.content_hash &&
		       a.at.layout == b.at.layout && a.at.nblocks == b.at.nblocks && a.at.tail_size == b.at.tail_size;
	return a.size == b.size && x.fingerprint == y.fingerprint && x.content_hash == y.content_hash &&
	       a.at.nblocks == b.at.nblocks &&
	       a.at.ztail_block == b.at.ztail_block && x.alg == y.alg && x.big == y.big &&
	       x.blocks == y.blocks && x.extents == y.extents && x.tail == y.tail &&
	       x.tail_compressed == y.tail_compressed;
}

// -Ededupe, before the records are planned: in placement order, each
// pcluster of a compressed file is looked up among those placed before
// (key: SHA-256 of its blocks, algorithm, compressed or plain).  Identical
// bytes decode to identical content, so the later extent may point at the
// earlier pcluster; a plain block read by a shorter extent still gives the
// right prefix.  A file whose every pcluster repeats one earlier file's, in
// the same order, simply shares that file's blocks.  (Files with a tail
// pcluster left for the inode keep their own blocks.)
void plan_extent_dedupe(Layout &l)
{
	std::unordered_map<std::string, std::pair<const Node *, uint32_t>> table;
	for (Node *n : l.order) {
		const auto &at = n->at;
		if (n->kind != Kind::Regular || !at.z || at.z->flat || !at.z->tail.empty() ||
		    at.z->pcl_hash.size() != at.z->extents.size())
			continue;
		const ZFile &z = *at.z;
		ZDedupe d;
		d.ref.assign(z.extents.size(), {nullptr, 0});
		size_t hits = 0, with_blocks = 0;
		for (uint32_t i = 0; i < z.extents.size(); i++) {
			const auto &e = z.extents[i];
			if (!e.blocks || e.inline_tail || e.fragment)
				continue;
			with_blocks++;
			std::string key(reinterpret_cast<const char *>(z.pcl_hash[i].data()), z.pcl_hash[i].size());
			key += char(z.alg);
			key += char(e.compressed);
			auto [it, fresh] = table.try_emplace(key, n, i);
			if (!fresh) {
				d.ref[i] = it->second;
				hits++;
			}
		}
		if (!hits)
			continue;
		const Node *o = nullptr;
		bool whole = hits == with_blocks;
		for (uint32_t i = 0; whole && i < z.extents.size(); i++) {
			if (!z.extents[i].blocks)
				continue;
			if (!o)
				o = d.ref[i].first;
			whole = d.ref[i].first == o && d.ref[i].second == i;
		}
		if (whole && o != n && !l.zdedupe.count(o) && o->at.z->extents == z.extents)
			d.whole_owner = o;
		l.zdedupe.emplace(n, std::move(d));
	}
}

// After assign_data: the shared blocks' addresses (owners come first in
// placement order, whatever order the blocks went in).
void resolve_extent_dedupe(Layout &l)
{
	auto abs_blk = [&](const Node *o, uint32_t i) {
		auto it = l.zdedupe.find(o);
		if (it != l.zdedupe.end() && !it->second.whole_owner)
			return it->second.ext.at(i).blk;
		return o->at.startblk + o->at.z->extents[i].blk;
	};
	for (Node *n : l.order) {
		auto it = l.zdedupe.find(n);
		if (it == l.zdedupe.end())
			continue;
		auto &d = it->second;
		auto &at = n->at;
		if (d.whole_owner) {
			at.startblk = d.whole_owner->at.startblk;
			continue;
		}
		d.ext = at.z->extents;
		uint32_t own = at.startblk;
		for (size_t i = 0; i < d.ext.size(); i++) {
			auto &e = d.ext[i];
			if (!e.blocks || e.inline_tail || e.fragment)
				continue;
			if (d.ref[i].first) {
				e.blk = abs_blk(d.ref[i].first, d.ref[i].second);
			} else {
				e.blk = own;
				own += e.blocks;
			}
		}
	}
}

// Data blocks in placement order.  With `dedupe`, a compressed file whose
// content (fingerprint) and blocks equal those of an earlier one points at
// that file's blocks instead of getting its own (EROFS readers only follow
// addresses; Linux keys compressed clusters by physical address).
void assign_data(Layout &l, bool dedupe, bool source_order)
{
	uint64_t next = l.data_blkaddr;
	std::unordered_map<std::string, const Node *> first;  // fingerprint -> owner of the blocks
	std::vector<Node *> order = l.order;
	if (source_order)
		std::sort(order.begin(), order.end(), [](const Node *a, const Node *b) { return a->id < b->id; });
	for (Node *n : order) {
		auto &at = n->at;
		if (at.chunk_device)
			continue;  // addresses on device 1 are final
		bool z = at.layout == DataLayout::CompressedCompact || at.layout == DataLayout::CompressedFull;
		auto dd = l.zdedupe.find(n);
		if (dd != l.zdedupe.end() && dd->second.whole_owner) {
			at.data_shared = true;  // startblk: resolve_extent_dedupe()
			l.shared_blocks += at.nblocks;
			continue;
		}
		if (dd != l.zdedupe.end())
			l.shared_blocks += at.z->blocks - at.nblocks;
		bool flat_hashed = n->kind == Kind::Regular && at.z && at.z->flat && at.z->content_hash &&
				   (at.layout == DataLayout::FlatPlain || at.layout == DataLayout::FlatInline);
		std::string key;
		if (at.z && at.z->content_hash)
			key.assign(reinterpret_cast<const char *>(at.z->content_hash->data()), at.z->content_hash->size());
		else if (at.z)
			key = at.z->fingerprint;
		if (dedupe && (z || flat_hashed) && at.nblocks && !key.empty() && dd == l.zdedupe.end()) {
			auto [it, fresh] = first.try_emplace(key, n);
			if (!fresh && same_blocks(*it->second, *n)) {
				at.startblk = it->second->at.startblk;
				at.data_shared = true;
				l.shared_blocks += at.nblocks;
				continue;
			}
		}
		if (at.layout == DataLayout::ChunkBased) {
			uint64_t csz = l.blksz << at.chunk_extra_bits;
			for (size_t c = 0; c < at.chunk_addrs.size(); c++) {
				if (at.chunk_addrs[c] == kNullAddr)
					continue;
				uint64_t len = std::min(csz, n->size - c * csz);
				at.chunk_addrs[c] = uint32_t(next);
				next += (len + l.blksz - 1) / l.blksz;
				at.nblocks += (len + l.blksz - 1) / l.blksz;
			}
		} else if (at.nblocks) {
			at.startblk = uint32_t(next);
			next += at.nblocks;
		} else {
			at.startblk = kNullAddr;
		}
		if (next >= kNullAddr)
			throw Error("image larger than 2^32 blocks", n->path);
	}
	l.total_blocks = next;
}

}  // namespace

bool needs_extended(const Node &n, int64_t epoch)
{
	return n.size > 0xFFFFFFFFull || n.uid > 0xFFFF || n.gid > 0xFFFF ||
	       n.nlink > 0xFFFF || n.mtime != epoch || n.mtime_nsec != 0;
}

Layout compute_layout(Tree &t, const XattrPlan &xp, const XattrPrefixes &pfx,
		      const LayoutInput &in)
{
	Layout l;
	l.blkbits = in.blkbits;
	l.blksz = uint64_t(1) << in.blkbits;
	l.order = placement_order(t);
	if (in.packed)
		l.order.push_back(in.packed);  // unlinked: after every reachable inode
	l.shared_off = round_up(kSuperOffset + Superblock::kSize + in.head_extra, 4);
	l.prefix_off = round_up(l.shared_off + xp.shared_area_size(), 4);
	uint64_t pend = l.prefix_off;
	for (const auto &lp : pfx.longs())
		pend += lp.record_size();
	l.inode_off = round_up(pend, kSlot);
	if (l.inode_off / kSlot > 0xFFFF)
		l.meta_blkaddr = uint32_t(l.inode_off / l.blksz);
	if (in.extent_dedupe)
		plan_extent_dedupe(l);
	std::vector<Record> recs;
	recs.reserve(l.order.size());
	for (size_t i = 0; i < l.order.size(); i++) {
		Node *n = l.order[i];
		if (n->kind == Kind::Directory)
			n->size = dir_size(*n, unsigned(l.blksz));
		if (n != in.packed)  // (no xattrs, no fingerprint)
			xp.assign(*n, l.shared_off);
		l.any_xattr_body |= n->at.xattr_size != 0;
		n->at.ino = uint32_t(i + 1);
		if (n->kind == Kind::Regular)
			l.data_bytes += n->size;
		recs.push_back(plan_record(*n, in, l));
	}
	l.meta_end = place_all(recs, l);
	l.data_blkaddr = round_up(l.meta_end, l.blksz) / l.blksz;
	assign_data(l, in.dedupe, in.source_order);
	resolve_extent_dedupe(l);
	if (t.root->at.nid > 0xFFFF)
		throw Error("root inode number does not fit 16 bits", t.root->path);
	return l;
}

}  // namespace erofs
