// for_each_extent(): maps a file's logical bytes to image bytes for the
// flat and chunk-based layouts, and decompresses compressed extents.
#include "compress/codec.hpp"
#include "base/error.hpp"
#include "read/inode_read.hpp"
#include "compress/zindex.hpp"

namespace erofs {

namespace {

void check_phys(const Image &img, Extent &e, const std::string &where)
{
	if (!e.hole && (e.phys > img.size() || e.len > img.size() - e.phys))
		throw Error("data extent beyond the end of the image", where);
	if (!e.hole)
		e.data = img.bytes(e.phys, e.len, "data");
}

void flat_extents(const Image &img, const InodeInfo &ino, const std::function<void(const Extent &)> &fn)
{
	uint64_t bs = img.blksz();
	std::string where = where_nid(ino.nid);
	uint64_t nblocks = (ino.size + bs - 1) / bs;
	bool tail_inline = ino.layout == unsigned(DataLayout::FlatInline) && ino.size;
	uint64_t head = tail_inline ? (nblocks - 1) * bs : ino.size;
	if (head) {
		Extent e{0, head, ino.i_u == kNullAddr, uint64_t(ino.i_u) * bs, {}};
		check_phys(img, e, where);
		fn(e);
	}
	if (tail_inline) {
		Extent e{head, ino.size - head, false, ino.inline_off, {}};
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
	// Linux masks device ids with roundup_pow_of_two(extra_devices + 1) - 1.
	unsigned mask = 1;
	while (mask < unsigned(img.devices().size()) + 1)
		mask <<= 1;
	mask -= 1;
	for (uint64_t c = 0; c < count; c++) {
		uint32_t addr;
		unsigned dev = 0;
		if (rec == 8) {
			dev = le::u16(map, c * 8 + 2) & mask;
			addr = le::u32(map, c * 8 + 4);
		} else {
			addr = le::u32(map, c * 4);
		}
		Extent e{c * csz, std::min(csz, ino.size - c * csz), addr == kNullAddr, uint64_t(addr) * bs, {}};
		std::string cw = where + " chunk " + std::to_string(c);
		if (dev && !e.hole) {
			e.data = img.device_bytes(dev, e.phys, e.len, "chunk data");
			e.phys += img.devices()[dev - 1].mapped_blkaddr * bs;
		} else {
			check_phys(img, e, cw);
		}
		fn(e);
	}
}

}  // namespace

void compressed_extents(const Image &img, const InodeInfo &ino, const std::function<void(const Extent &)> &fn)
{
	ZMap m = read_zmap(img, ino);
	uint64_t bs = img.blksz();
	DecodeParams dp;
	dp.lz4_exact = img.sb().feature_incompat & incompat::kZeroPadding;
	dp.lzma_dict = img.lzma_dict_size();
	if (img.zstd_windowlog() >= 0)
		dp.zstd_window = uint64_t(1) << img.zstd_windowlog();
	std::vector<uint8_t> buf;
	for (const auto &z : m.extents) {
		std::string where = where_nid(ino.nid) + " extent at " + std::to_string(z.start);
		auto in = img.bytes(z.phys, z.plen, "pcluster");
		Extent e{z.start, z.len, false, z.phys, {}};
		if (z.type == ltype::kPlain && (m.advise & zadv::kInterlaced) && !z.inline_tail) {
			buf.resize(z.len);
			for (uint64_t k = 0; k < z.len; k++)
				buf[k] = in[(z.start + k) % bs % in.size()];
			e.data = buf;
		} else if (z.type == ltype::kPlain) {
			e.data = in.first(z.len);
		} else {
			if (!(img.available_algs() & (1u << z.alg)))
				throw Error(std::string("algorithm ") + alg_name(z.alg) + " not enabled in the superblock", where);
			if (img.sb().feature_incompat & incompat::kZeroPadding) {
				size_t scan = size_t(std::min<uint64_t>(in.size(), bs - z.phys % bs));
				size_t skip = 0;
				while (skip < scan && in[skip] == 0)
					skip++;
				if (skip == scan)
					throw Error("pcluster without data (all zeros)", where);
				in = in.subspan(skip);
			}
			buf.resize(z.len);
			decompress(z.alg, in, buf, dp, where);
			e.data = buf;
		}
		fn(e);
	}
}

void for_each_extent(const Image &img, const InodeInfo &ino, const std::function<void(const Extent &)> &fn)
{
	if (ino.is_device() || !ino.size)
		return;
	if (ino.compressed()) {
		compressed_extents(img, ino, fn);
		return;
	}
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
			std::copy(e.data.begin(), e.data.end(), out.begin() + e.pos);
		}
	});
	return out;
}

}  // namespace erofs
