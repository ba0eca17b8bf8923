#include "zwrite.hpp"

#include <algorithm>
#include <memory>
#include <numeric>

#include "digest.hpp"
#include "error.hpp"
#include "fill.hpp"
#include "parallel.hpp"

namespace erofs {

namespace {
constexpr uint64_t kDefaultExtent = 4u << 20;
constexpr uint16_t kLz4MaxDistance = 65535;
}  // namespace

uint64_t CompressConfig::extent_limit(unsigned blkbits) const
{
	uint64_t lim = max_extent ? max_extent : kDefaultExtent;
	lim = std::min(lim, kMaxExtentBytes);
	return std::max<uint64_t>(lim, uint64_t(1) << blkbits);
}

// 8 pclusters of history, 32 KiB at least: what a pcluster's input
// usually spans, and modest kernel memory per decompression stream.
static unsigned history_log(uint64_t want, unsigned lo, unsigned hi)
{
	unsigned w = lo;
	while (w < hi && (uint64_t(1) << w) < want)
		w++;
	return w;
}

unsigned CompressConfig::zstd_window_log(unsigned blkbits) const
{
	return history_log(uint64_t(pcluster_bytes(blkbits)) * 8, 15, 20);  // kernel: at most 1 MiB
}

unsigned CompressConfig::lzma_dict_log(unsigned blkbits) const
{
	return history_log(uint64_t(pcluster_bytes(blkbits)) * 8, 15, 23);  // kernel: at most 8 MiB
}

unsigned CompressConfig::window_log(unsigned blkbits) const
{
	switch (algs.at(0).alg) {
	case Alg::Zstd: return zstd_window_log(blkbits);
	case Alg::Lzma: return lzma_dict_log(blkbits);
	case Alg::Deflate: return 15;
	default: return 16;
	}
}

bool CompressConfig::needs_cfgs(unsigned blkbits) const
{
	if (!enabled())
		return false;
	if (pcluster_bytes(blkbits) > (1u << blkbits))
		return true;
	for (const auto &a : algs)
		if (a.alg != Alg::Lz4)
			return true;
	return false;
}

uint16_t CompressConfig::alg_bitmap() const
{
	uint16_t m = 0;
	for (const auto &a : algs)
		m = uint16_t(m | 1u << unsigned(a.alg));
	return m;
}

std::vector<uint8_t> CompressConfig::cfg_records(unsigned blkbits) const
{
	std::vector<uint8_t> out;
	if (!needs_cfgs(blkbits))
		return out;
	uint16_t m = alg_bitmap();
	for (unsigned alg = 0; alg < kAlgCount; alg++) {
		if (!(m & (1u << alg)))
			continue;
		out.resize((out.size() + 3) & ~size_t(3), 0);
		size_t at = out.size();
		if (alg == unsigned(Alg::Lz4)) {
			out.resize(at + 2 + 14, 0);
			std::span<uint8_t> r(out);
			le::store<uint16_t>(r, at, 14);
			le::store<uint16_t>(r, at + 2, kLz4MaxDistance);
			le::store<uint16_t>(r, at + 4, uint16_t(pcluster_bytes(blkbits) >> blkbits));
		} else if (alg == unsigned(Alg::Lzma)) {
			out.resize(at + 2 + 14, 0);
			std::span<uint8_t> r(out);
			le::store<uint16_t>(r, at, 14);
			le::store<uint32_t>(r, at + 2, 1u << lzma_dict_log(blkbits));
			le::store<uint16_t>(r, at + 6, 0);  // format
		} else if (alg == unsigned(Alg::Deflate)) {
			out.resize(at + 2 + 6, 0);
			std::span<uint8_t> r(out);
			le::store<uint16_t>(r, at, 6);
			out[at + 2] = 15;  // windowbits
		} else if (alg == unsigned(Alg::Zstd)) {
			out.resize(at + 2 + 6, 0);
			std::span<uint8_t> r(out);
			le::store<uint16_t>(r, at, 6);
			out[at + 2] = 0;  // format
			out[at + 3] = uint8_t(zstd_window_log(blkbits) - 10);
		}
	}
	return out;
}

// Fixed-output compression, pcluster by pcluster (ONDISK c.10 rules):
// a pcluster stays compressed only when its block-rounded size is smaller
// than the input it covers (an inline tail counts unrounded); otherwise one
// block of raw bytes is stored.  With ztailpacking the last piece may stay
// for the inode's tail.  A file that does not shrink by more than its index
// is stored flat.
ZFile compress_content(std::vector<uint8_t> raw, const CompressConfig &c, unsigned blkbits, Compressor &comp)
{
	ZFile z;
	const uint64_t bs = uint64_t(1) << blkbits;
	const uint64_t size = raw.size();
	const uint64_t limit = c.extent_limit(blkbits);
	std::vector<uint8_t> dst(c.pcluster_bytes(blkbits));
	if (size <= bs && !c.ztailpacking) {
		z.flat = true;
		z.raw = std::move(raw);
		return z;
	}
	std::span<const uint8_t> src(raw);
	auto add_block_data = [&](std::span<const uint8_t> bytes, uint32_t blocks, bool right) {
		size_t at = z.data.size();
		z.data.resize(at + blocks * bs, 0);
		size_t pad = right ? blocks * bs - bytes.size() : 0;
		std::copy(bytes.begin(), bytes.end(), z.data.begin() + ptrdiff_t(at + pad));
		z.blocks += blocks;
	};
	for (uint64_t pos = 0; pos < size;) {
		uint64_t rem = size - pos;
		size_t consumed = 0;
		size_t csize = comp.destsize(src.subspan(pos, std::min(rem, limit)), consumed, dst);
		bool all = consumed == rem;
		bool inline_ok = c.ztailpacking && all && csize < bs;
		uint64_t cost = inline_ok ? csize : (csize + bs - 1) / bs * bs;
		if (csize > dst.size())  // unusable stream (see Compressor::destsize)
			cost = UINT64_MAX;
		if (cost >= consumed) {
			if (c.ztailpacking && rem < bs) {
				z.extents.push_back({pos, rem, false, true, 0, 0});
				z.tail.assign(src.begin() + ptrdiff_t(pos), src.end());
				break;
			}
			uint64_t cnt = std::min(bs, rem);
			z.extents.push_back({pos, cnt, false, false, z.blocks, 1});
			add_block_data(src.subspan(pos, cnt), 1, false);
			pos += cnt;
			continue;
		}
		if (inline_ok) {
			z.extents.push_back({pos, rem, true, true, 0, 0});
			z.tail.assign(dst.begin(), dst.begin() + ptrdiff_t(csize));
			z.tail_compressed = true;
			break;
		}
		uint32_t nb = uint32_t((csize + bs - 1) / bs);
		z.extents.push_back({pos, consumed, true, false, z.blocks, nb});
		add_block_data(std::span<const uint8_t>(dst).first(csize), nb, true);
		pos += consumed;
	}
	uint64_t lclusters = (size + bs - 1) / bs;
	if (uint64_t(z.blocks) * bs + z.tail.size() + 16 + 8 * lclusters >= size) {
		ZFile f;
		f.flat = true;
		f.raw = std::move(raw);
		return f;
	}
	return z;
}

void compress_files(Tree &t, const CompressConfig &c, unsigned blkbits, const XattrPlan &xp, unsigned workers)
{
	std::vector<Node *> files;
	for (auto &n : t.nodes)
		if (n->kind == Kind::Regular && !n->sparse && n->size)
			files.push_back(n.get());
	// Longest first: the big files start early and the workers end together.
	std::stable_sort(files.begin(), files.end(), [](const Node *a, const Node *b) { return a->size > b->size; });
	std::vector<std::unique_ptr<Compressor>> comps(std::max(1u, workers));
	parallel_for(files.size(), workers, [&](size_t i, unsigned w) {
		Node &n = *files[i];
		if (!comps[w])
			comps[w] = std::make_unique<Compressor>(c.algs[0], c.window_log(blkbits));
		UniqueFd fd = open_source(n);
		std::vector<uint8_t> raw(n.size);
		read_exact(fd.get(), raw, 0, n);
		std::string fp;
		if (xp.has_fingerprint(n))
			fp = fingerprint_value(sha256(raw));
		auto z = std::make_shared<ZFile>(compress_content(std::move(raw), c, blkbits, *comps[w]));
		z->fingerprint = std::move(fp);
		n.at.z = std::move(z);
	});
}

}  // namespace erofs
