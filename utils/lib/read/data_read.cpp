// for_each_extent(): maps a file's logical bytes to image bytes for the
// flat and chunk-based layouts, and decompresses compressed extents.
#include <algorithm>

#include "compress/codec.hpp"
#include "base/error.hpp"
#include "read/inode_read.hpp"
#include "compress/zindex.hpp"

namespace erofs {

namespace {

void check_phys(const Image &img, Extent &e, const std::string &where)
{
	if (e.hole)
		return;
	if (img.devices().empty() && (e.phys > img.size() || e.len > img.size() - e.phys))
		throw Error("data extent beyond the end of the image", where);
	e.data = img.unified_bytes(e.phys, e.len, "data");
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

namespace {

DecodeParams decode_params(const Image &img)
{
	DecodeParams dp;
	dp.lz4_exact = img.sb().feature_incompat & incompat::kZeroPadding;
	dp.lzma_dict = img.lzma_dict_size();
	if (img.zstd_windowlog() >= 0)
		dp.zstd_window = uint64_t(1) << img.zstd_windowlog();
	return dp;
}

// The content of one non-fragment extent, decoded into buf if needed.
std::span<const uint8_t> decode_zextent(const Image &img, const ZMap &m, const ZMapExtent &z, DecodeParams dp,
					std::vector<uint8_t> &buf, const std::string &where)
{
	uint64_t bs = img.blksz();
	auto in = img.bytes(z.phys, z.plen, "pcluster");
	if (z.type == ltype::kPlain && (m.advise & zadv::kInterlaced) && !z.inline_tail) {
		buf.resize(z.len);
		for (uint64_t k = 0; k < z.len; k++)
			buf[k] = in[(z.start + k) % bs % in.size()];
		return buf;
	}
	if (z.type == ltype::kPlain)
		return in.first(z.len);
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
	// A PARTIAL_REF extent (erofs-utils -Ededupe) takes the first z.len
	// bytes of a pcluster that decodes to more.
	dp.partial = z.partial;
	decompress(z.alg, in, buf, dp, where);
	return buf;
}

}  // namespace

struct PackedInode {
	InodeInfo ino;
	ZMap map;  // when compressed
};

std::shared_ptr<const PackedInode> Image::packed_inode() const
{
	std::lock_guard<std::mutex> lock(packed_mu_);
	if (packed_)
		return packed_;
	if (!sb().packed_nid)
		throw Error("fragment data, but the image has no packed inode", "superblock");
	auto p = std::make_shared<PackedInode>();
	p->ino = read_inode(*this, sb().packed_nid);
	std::string where = "packed inode (" + where_nid(p->ino.nid) + ")";
	if (!p->ino.is_reg())
		throw Error("the packed inode is not a regular file", where);
	if (!p->ino.compressed() && p->ino.size > size() + blksz())
		throw Error("the packed inode is larger than the image", where);
	if (p->ino.compressed()) {
		p->map = read_zmap(*this, p->ino);
		for (const auto &z : p->map.extents)
			if (z.fragment)
				throw Error("the packed inode has a fragment itself", where);
	}
	packed_ = std::move(p);
	return packed_;
}

namespace {

// Bytes [off, off + out.size()) of the packed inode's content.  The last
// decoded extent is kept per thread: neighbouring fragments share it.
void read_packed(const Image &img, uint64_t off, std::span<uint8_t> out, const std::string &where)
{
	auto p = img.packed_inode();
	const InodeInfo &pi = p->ino;
	if (off > pi.size || out.size() > pi.size - off)
		throw Error("fragment beyond the end of the packed inode (offset " + std::to_string(off) + ", " +
				    std::to_string(out.size()) + " bytes)",
			    where);
	if (out.empty())
		return;
	if (!pi.compressed()) {
		for_each_extent(img, pi, [&](const Extent &e) {
			uint64_t lo = std::max(e.pos, off), hi = std::min(e.pos + e.len, off + out.size());
			if (lo >= hi)
				return;
			if (e.hole)
				std::fill_n(out.begin() + (lo - off), hi - lo, uint8_t(0));
			else
				std::copy_n(e.data.begin() + (lo - e.pos), hi - lo, out.begin() + (lo - off));
		});
		return;
	}
	struct Cache {
		uint64_t serial = 0;
		size_t index = SIZE_MAX;
		std::vector<uint8_t> data;
	};
	thread_local Cache cache;
	const auto &ex = p->map.extents;
	auto it = std::upper_bound(ex.begin(), ex.end(), off,
				   [](uint64_t v, const ZMapExtent &z) { return v < z.start; });
	size_t k = size_t(it - ex.begin()) - 1;  // extents start at 0 and cover the file
	DecodeParams dp = decode_params(img);
	std::vector<uint8_t> buf;
	for (uint64_t pos = off; pos < off + out.size(); k++) {
		if (k >= ex.size())
			throw Error("packed inode map ends early", where);
		const ZMapExtent &z = ex[k];
		if (cache.serial != img.serial() || cache.index != k) {
			auto d = decode_zextent(img, p->map, z, dp, buf, "packed inode extent at " + std::to_string(z.start));
			cache.data.assign(d.begin(), d.end());
			cache.serial = img.serial();
			cache.index = k;
		}
		uint64_t hi = std::min(z.start + z.len, off + out.size());
		std::copy_n(cache.data.begin() + (pos - z.start), hi - pos, out.begin() + (pos - off));
		pos = hi;
	}
}

}  // namespace

void Image::read_packed(uint64_t off, std::span<uint8_t> out, const std::string &where) const
{
	erofs::read_packed(*this, off, out, where);
}

void compressed_extents(const Image &img, const InodeInfo &ino, const std::function<void(const Extent &)> &fn)
{
	ZMap m = read_zmap(img, ino);
	DecodeParams dp = decode_params(img);
	std::vector<uint8_t> buf;
	for (const auto &z : m.extents) {
		std::string where = where_nid(ino.nid) + " extent at " + std::to_string(z.start);
		if (z.fragment) {
			// The tail (or the whole file) in the packed inode, in
			// pieces of at most 1 MiB (memory stays bounded).
			constexpr uint64_t kPiece = 1u << 20;
			uint64_t psize = img.packed_inode()->ino.size;
			if (m.fragmentoff > psize || z.len > psize - m.fragmentoff)
				throw Error("fragment beyond the end of the packed inode (offset " +
						    std::to_string(m.fragmentoff) + ", " + std::to_string(z.len) + " bytes)",
					    where);
			for (uint64_t done = 0; done < z.len; done += kPiece) {
				uint64_t n = std::min(kPiece, z.len - done);
				buf.resize(n);
				read_packed(img, m.fragmentoff + done, buf, where);
				fn(Extent{z.start + done, n, false, 0, buf});
			}
			continue;
		}
		Extent e{z.start, z.len, false, z.phys, {}};
		e.data = decode_zextent(img, m, z, dp, buf, where);
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
		if (!e.hole)
			img.copy_out(e.data, std::span<uint8_t>(out).subspan(e.pos, e.data.size()));
	});
	return out;
}

}  // namespace erofs
