// for_each_extent(): maps a file's logical bytes to image bytes for the
// flat and chunk-based layouts.
#include "error.hpp"
#include "inode_read.hpp"

namespace erofs {

namespace {

void check_phys(const Image &img, const Extent &e, const std::string &where)
{
	if (!e.hole && (e.phys > img.size() || e.len > img.size() - e.phys))
		throw Error("data extent beyond the end of the image", where);
}

void flat_extents(const Image &img, const InodeInfo &ino, const std::function<void(const Extent &)> &fn)
{
	uint64_t bs = img.blksz();
	std::string where = where_nid(ino.nid);
	uint64_t nblocks = (ino.size + bs - 1) / bs;
	bool tail_inline = ino.layout == unsigned(DataLayout::FlatInline) && ino.size;
	uint64_t head = tail_inline ? (nblocks - 1) * bs : ino.size;
	if (head) {
		Extent e{0, head, ino.i_u == kNullAddr, uint64_t(ino.i_u) * bs};
		check_phys(img, e, where);
		fn(e);
	}
	if (tail_inline) {
		Extent e{head, ino.size - head, false, ino.inline_off};
		if (e.phys % bs + e.len > bs)
			throw Error("inline data crosses a block boundary", where);
		check_phys(img, e, where);
		fn(e);
	}
}

void chunk_extents(const Image &img, const InodeInfo &ino, const std::function<void(const Extent &)> &fn)
{
	uint64_t bs = img.blksz();
	std::string where = where_nid(ino.nid);
	uint32_t fmt = ino.i_u & 0xFFFF;
	if (fmt & ~uint32_t(kChunkBlkbitsMask | kChunkIndexes))
		throw Error("unknown chunk format bits", where);
	unsigned bits = img.sb().blkszbits + (fmt & kChunkBlkbitsMask);
	if (bits > 42)
		throw Error("chunk size out of range", where);
	uint64_t csz = uint64_t(1) << bits;
	uint64_t rec = (fmt & kChunkIndexes) ? 8 : 4;
	uint64_t count = (ino.size + csz - 1) / csz;
	uint64_t base = (ino.inline_off + rec - 1) / rec * rec;
	auto map = img.bytes(base, count * rec, "chunk map");
	for (uint64_t c = 0; c < count; c++) {
		uint32_t addr;
		if (rec == 8) {
			if (le::u16(map, c * 8 + 2) != 0)
				throw Error("chunk on an extra device is not supported", where);
			addr = le::u32(map, c * 8 + 4);
		} else {
			addr = le::u32(map, c * 4);
		}
		Extent e{c * csz, std::min(csz, ino.size - c * csz), addr == kNullAddr, uint64_t(addr) * bs};
		check_phys(img, e, where + " chunk " + std::to_string(c));
		fn(e);
	}
}

}  // namespace

void for_each_extent(const Image &img, const InodeInfo &ino, const std::function<void(const Extent &)> &fn)
{
	if (ino.is_device() || !ino.size)
		return;
	if (ino.compressed())
		throw Error("compressed data is not supported", where_nid(ino.nid));
	if (ino.layout == unsigned(DataLayout::ChunkBased))
		chunk_extents(img, ino, fn);
	else
		flat_extents(img, ino, fn);
}

std::vector<uint8_t> read_all(const Image &img, const InodeInfo &ino)
{
	if (ino.size > img.size() + img.blksz())
		throw Error("size larger than the image", where_nid(ino.nid));
	std::vector<uint8_t> out(ino.size, 0);
	for_each_extent(img, ino, [&](const Extent &e) {
		if (!e.hole) {
			auto b = img.bytes(e.phys, e.len, "data");
			std::copy(b.begin(), b.end(), out.begin() + e.pos);
		}
	});
	return out;
}

}  // namespace erofs
