#include "layout.hpp"

#include <deque>

#include "dirblocks.hpp"
#include "error.hpp"

namespace erofs {

namespace {

constexpr uint64_t kSlot = uint64_t(1) << kSlotBits;
constexpr uint64_t kMaxChunks = 65536;

uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

std::vector<Node *> placement_order(Tree &t)
{
	std::vector<Node *> order{t.root};
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

class Placer {
public:
	Placer(Layout &l, uint64_t start) : l_(l), cur_(start) {}
	void place(Node &n, int64_t epoch);

private:
	uint64_t inline_pos(uint64_t meta, uint64_t tail) const;
	Layout &l_;
	uint64_t cur_;

public:
	uint64_t end() const { return cur_; }
};

uint64_t Placer::inline_pos(uint64_t meta, uint64_t tail) const
{
	uint64_t bs = l_.blksz;
	if ((cur_ + meta) % bs + tail <= bs)
		return cur_;
	uint64_t next_block = round_up(cur_ + meta, bs);
	uint64_t pos = round_up(next_block - meta, kSlot);
	if ((pos + meta) % bs + tail > bs)
		return UINT64_MAX;
	return pos;
}

void Placer::place(Node &n, int64_t epoch)
{
	auto &at = n.at;
	uint64_t bs = l_.blksz;
	at.extended = needs_extended(n, epoch);
	uint64_t meta = (at.extended ? InodeExtended::kSize : InodeCompact::kSize) + at.xattr_size;
	uint64_t tail = n.size % bs;
	at.layout = DataLayout::FlatPlain;
	at.tail_size = 0;
	at.nblocks = n.size / bs;
	uint64_t pos = cur_;
	if (n.kind == Kind::Regular && n.sparse) {
		plan_chunks(n, bs);
		meta += 4 * at.chunk_addrs.size();
		at.nblocks = 0;
		l_.any_chunked = true;
	} else if (tail) {
		uint64_t p = inline_pos(meta, tail);
		if (p != UINT64_MAX && p - cur_ <= bs - tail) {
			pos = p;
			at.layout = DataLayout::FlatInline;
			at.tail_size = uint32_t(tail);
			meta += tail;
		} else {
			at.nblocks++;
		}
	}
	at.meta_off = pos;
	at.nid = (pos - uint64_t(l_.meta_blkaddr) * bs) >> kSlotBits;
	cur_ = round_up(pos + meta, kSlot);
}

void assign_data(Layout &l)
{
	uint64_t next = l.data_blkaddr;
	for (Node *n : l.order) {
		auto &at = n->at;
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
	l.shared_off = kSuperOffset + Superblock::kSize;
	l.prefix_off = round_up(l.shared_off + xp.shared_area_size(), 4);
	uint64_t pend = l.prefix_off;
	for (const auto &lp : pfx.longs())
		pend += lp.record_size();
	l.inode_off = round_up(pend, kSlot);
	if (l.inode_off / kSlot > 0xFFFF)
		l.meta_blkaddr = uint32_t(l.inode_off / l.blksz);
	Placer placer(l, l.inode_off);
	for (size_t i = 0; i < l.order.size(); i++) {
		Node *n = l.order[i];
		if (n->kind == Kind::Directory)
			n->size = dir_size(*n, unsigned(l.blksz));
		xp.assign(*n, l.shared_off);
		l.any_xattr_body |= n->at.xattr_size != 0;
		placer.place(*n, in.epoch);
		n->at.ino = uint32_t(i + 1);
		if (n->kind == Kind::Regular)
			l.data_bytes += n->size;
	}
	l.meta_end = placer.end();
	l.data_blkaddr = round_up(l.meta_end, l.blksz) / l.blksz;
	assign_data(l);
	if (t.root->at.nid > 0xFFFF)
		throw Error("root inode number does not fit 16 bits", t.root->path);
	return l;
}

}  // namespace erofs
