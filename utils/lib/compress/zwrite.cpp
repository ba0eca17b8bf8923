#include "compress/zwrite.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <cstring>
#include <fstream>
#include <sstream>
#include <numeric>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "base/cli.hpp"
#include "base/digest.hpp"
#include "base/error.hpp"
#include "base/fsutil.hpp"
#include "write/fill.hpp"
#include "base/parallel.hpp"
#include "compress/early.hpp"

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
	return history_log(uint64_t(max_pcluster_bytes(blkbits)) * 8, 15, 20);  // kernel: at most 1 MiB
}

unsigned CompressConfig::lzma_dict_log(unsigned blkbits) const
{
	return history_log(uint64_t(max_pcluster_bytes(blkbits)) * 8, 15, 23);  // kernel: at most 8 MiB
}

unsigned CompressConfig::window_log(unsigned blkbits, unsigned idx) const
{
	switch (algs.at(idx).alg) {
	case Alg::Zstd: return zstd_window_log(blkbits);
	case Alg::Lzma: return lzma_dict_log(blkbits);
	case Alg::Deflate: return 15;
	default: return 16;
	}
}

uint32_t CompressConfig::packed_pcluster_bytes(unsigned blkbits) const
{
	if (packed_pcluster)
		return packed_pcluster;
	return std::max(pcluster_bytes(blkbits), kDefaultPackedPcluster);
}

uint32_t CompressConfig::max_pcluster_bytes(unsigned blkbits) const
{
	uint32_t m = pcluster_bytes(blkbits);
	for (const auto &h : hints)
		m = std::max(m, h.pcluster);
	if (any_fragments())
		m = std::max(m, packed_pcluster_bytes(blkbits));
	return m;
}

bool CompressConfig::needs_cfgs(unsigned blkbits) const
{
	if (!enabled())
		return false;
	if (max_pcluster_bytes(blkbits) > (1u << blkbits))
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
			le::store<uint16_t>(r, at + 4, uint16_t(max_pcluster_bytes(blkbits) >> blkbits));
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

namespace {

using Getter = std::function<std::span<const uint8_t>(uint64_t pos, uint64_t len)>;

// Moves the blocks held in memory to the spill file.
void park(ZFile &z, Spill &spill)
{
	if (z.data.empty())
		return;
	z.spilled.push_back(spill.append(z.data));
	z.spill = &spill;
	std::vector<uint8_t>().swap(z.data);  // clear() would keep the memory
}

// Fixed-output compression, pcluster by pcluster (ONDISK c.10 rules):
// a pcluster stays compressed only when its block-rounded size is smaller
// than the input it covers (an inline tail counts unrounded); otherwise one
// block of raw bytes is stored.  With ztailpacking the last piece may stay
// for the inode's tail.  Returns false when the file does not shrink by
// more than its index (then it is stored flat).
// Logical [pos, size) becomes the file's fragment: its raw bytes are
// parked for build_packed_inode().
void take_fragment(const Getter &get, uint64_t pos, uint64_t size, uint64_t limit, ZFile &z, Spill *spill)
{
	z.extents.push_back({pos, size - pos, false, false, true, 0, 0});
	z.frag_len = size - pos;
	for (uint64_t at = pos; at < size;) {
		auto src = get(at, std::min(size - at, limit));
		if (spill)
			z.frag_spill.push_back(spill->append(src));
		else
			z.frag_data.insert(z.frag_data.end(), src.begin(), src.end());
		at += src.size();
	}
}

// Order-0 entropy of `b` in bits per byte (8 for uniform random bytes).
double byte_entropy(std::span<const uint8_t> b)
{
	uint32_t count[256] = {};
	for (uint8_t x : b)
		count[x]++;
	double h = 0, n = double(b.size());
	for (uint32_t c : count)
		if (c)
			h -= double(c) / n * std::log2(double(c) / n);
	return h;
}

// Above this, a block is taken for incompressible (4096 random bytes
// measure about 7.95).
constexpr double kRandomBits = 7.5;

bool compress_stream(const Getter &get, uint64_t size, const CompressConfig &c, unsigned blkbits,
		     Compressor &comp, ZFile &z, uint32_t pcluster, Spill *spill, bool frags)
{
	const uint64_t bs = uint64_t(1) << blkbits;
	const uint64_t limit = c.extent_limit(blkbits);
	// Whole files: with -Eall-fragments all of them, with -Efragments
	// those that fit one pcluster of the packed inode (where their
	// neighbours help them compress, and no block is padded for them).
	if (frags && (c.all_fragments || size <= c.packed_pcluster_bytes(blkbits))) {
		take_fragment(get, 0, size, limit, z, spill);
		return true;
	}
	if (size <= bs && !c.ztailpacking && !frags)
		return false;  // a block or an inline tail either way
	uint64_t frag_cost = 0;  // what the fragment costs, compressed on its own
	std::vector<uint8_t> dst(pcluster);
	auto add_block_data = [&](std::span<const uint8_t> bytes, uint32_t blocks, bool right) {
		size_t at = z.data.size();
		z.data.resize(at + blocks * bs, 0);
		size_t pad = right ? blocks * bs - bytes.size() : 0;
		std::copy(bytes.begin(), bytes.end(), z.data.begin() + ptrdiff_t(at + pad));
		z.blocks += blocks;
		if (c.extent_dedupe) {  // (called right after the extent's push_back)
			z.pcl_hash.resize(z.extents.size());
			z.pcl_hash.back() = sha256(std::span<const uint8_t>(z.data).subspan(at, blocks * bs));
		}
		if (spill && z.data.size() >= kSpillPiece)
			park(z, *spill);
	};
	double ratio = 4.0;  // what the previous pcluster achieved (a search hint)
	// A file that starts like random bytes (compressed images, archives)
	// starts with the searching encoders' one-try probe.
	if (comp.searches() && pcluster == bs && size > bs + 1 && byte_entropy(get(0, bs)) > kRandomBits)
		ratio = 1.0;
	for (uint64_t pos = 0; pos < size;) {
		uint64_t rem = size - pos;
		auto src = get(pos, std::min(rem, limit));
		if (rem <= bs && !c.ztailpacking && !frags) {  // one block either way: no need to try
			z.extents.push_back({pos, rem, false, false, false, z.blocks, 1});
			add_block_data(src, 1, false);
			break;
		}
		size_t consumed = 0;
		// (with one-block pclusters, input of a block or less is stored
		// raw whatever it compresses to: see `cost` below)
		size_t csize = comp.destsize(src, consumed, dst, ratio, pcluster == bs ? size_t(bs) : 0);
		ratio = csize && csize <= dst.size() ? double(consumed) / double(csize) * 1.05 : 1.0;
		bool all = consumed == rem;
		if (frags && all) {
			// the rest goes to the packed inode (where its neighbours
			// usually help it compress better than alone)
			frag_cost = csize && csize <= dst.size() ? std::min<uint64_t>(csize, rem) : rem;
			take_fragment(get, pos, size, limit, z, spill);
			break;
		}
		bool inline_ok = c.ztailpacking && all && csize < bs;
		uint64_t cost = inline_ok ? csize : (csize + bs - 1) / bs * bs;
		if (csize > dst.size())  // unusable stream (see Compressor::destsize)
			cost = UINT64_MAX;
		if (cost >= consumed) {
			if (c.ztailpacking && rem < bs) {
				z.extents.push_back({pos, rem, false, true, false, 0, 0});
				z.tail.assign(src.begin(), src.end());
				break;
			}
			uint64_t cnt = std::min(bs, rem);
			z.extents.push_back({pos, cnt, false, false, false, z.blocks, 1});
			add_block_data(src.first(cnt), 1, false);
			pos += cnt;
			continue;
		}
		if (inline_ok) {
			z.extents.push_back({pos, rem, true, true, false, 0, 0});
			z.tail.assign(dst.begin(), dst.begin() + ptrdiff_t(csize));
			z.tail_compressed = true;
			break;
		}
		uint32_t nb = uint32_t((csize + bs - 1) / bs);
		z.extents.push_back({pos, consumed, true, false, false, z.blocks, nb});
		add_block_data(std::span<const uint8_t>(dst).first(csize), nb, true);
		pos += consumed;
	}
	if (c.extent_dedupe)
		z.pcl_hash.resize(z.extents.size());
	uint64_t lclusters = (size + bs - 1) / bs;
	uint64_t index = whole_fragment(z.extents) ? 8 : 16 + 8 * lclusters;
	// Stored flat instead, the file's tail would take up to a block more:
	// a block of its own, the space it leaves unused in the metadata, or
	// a copy per identical file (inline tails are never shared), while an
	// incompressible fragment costs its bytes once.
	uint64_t flat_tail = z.has_fragment() ? bs : 0;
	return uint64_t(z.blocks) * bs + z.tail.size() + frag_cost + index < size + flat_tail;
}

// Sequential reads of one source file through a buffer of two extents,
// hashing every byte once as it arrives.
class Window {
public:
	Window(const Node &n, int fd, uint64_t extent, Sha256 *h)
		: n_(n), fd_(fd), buf_(2 * extent), h_(h) {}

	std::span<const uint8_t> get(uint64_t pos, uint64_t len)
	{
		if (pos + len > base_ + filled_) {
			size_t keep = size_t(base_ + filled_ - pos);
			std::memmove(buf_.data(), buf_.data() + (pos - base_), keep);
			base_ = pos;
			filled_ = keep;
			size_t want = size_t(std::min<uint64_t>(buf_.size() - keep, n_.size - (base_ + keep)));
			std::span<uint8_t> more(buf_.data() + keep, want);
			read_exact(fd_, more, base_ + keep, n_);
			if (h_)
				h_->update(more);
			filled_ += want;
		}
		return {buf_.data() + (pos - base_), size_t(len)};
	}

private:
	const Node &n_;
	int fd_;
	std::vector<uint8_t> buf_;
	Sha256 *h_;
	uint64_t base_ = 0;
	size_t filled_ = 0;
};

}  // namespace

std::vector<CompressHint> load_compress_hints(const std::string &path, const CompressConfig &c, unsigned blkbits)
{
	std::ifstream f(path);
	if (!f)
		throw Error("cannot read the compress hints file", path);
	std::vector<CompressHint> out;
	std::string line;
	for (unsigned no = 1; std::getline(f, line); no++) {
		std::istringstream in(line);
		std::string size, re, alg;
		if (!(in >> size) || size[0] == '#')
			continue;
		std::string where = path + ":" + std::to_string(no);
		if (!(in >> re))
			throw Error("hint without a path pattern", where);
		in >> alg;
		std::string extra;
		if (in >> extra)
			throw Error("hint with more than three fields", where);
		auto n = parse_int(size, 1u << blkbits, kMaxPclusterBytes);
		if (!n || *n % (1 << blkbits) || (*n >> blkbits) >= kCblkcnt)
			throw Error("pcluster size must be a multiple of the block size up to 1 MiB", where);
		CompressHint h;
		h.pcluster = uint32_t(*n);
		if (!alg.empty()) {
			auto a = parse_int(alg, 0, int64_t(c.algs.size()) - 1);
			if (!a)
				throw Error("algorithm index " + alg + " not given with -z", where);
			h.alg = unsigned(*a);
		}
		h.re = std::make_shared<PathRegex>(re);
		out.push_back(std::move(h));
	}
	return out;
}

namespace {

// A file that did not shrink keeps nothing; the blocks still in memory
// join the others in the spill file.
std::shared_ptr<ZFile> finish_z(std::shared_ptr<ZFile> z, bool shrunk, Spill *spill)
{
	if (!shrunk) {
		*z = ZFile();  // (blocks already parked stay unused)
		z->flat = true;
	}
	// A flat file keeps nothing: the fill step reads (and fingerprints) it
	// again, rather than mkfs holding all incompressible content.
	if (spill)
		park(*z, *spill);
	return z;
}

std::shared_ptr<ZFile> compress_bytes(std::span<const uint8_t> all, const CompressConfig &c, unsigned blkbits,
				      Compressor &comp, uint32_t pcluster, bool frags, Spill *spill)
{
	auto z = std::make_shared<ZFile>();
	bool shrunk = compress_stream([&](uint64_t pos, uint64_t len) { return all.subspan(pos, len); }, all.size(),
				      c, blkbits, comp, *z, pcluster, spill, frags);
	return finish_z(std::move(z), shrunk, spill);
}

// A file too big to hold whole, read through a window (and hashed into
// `h` on the way).
std::shared_ptr<ZFile> compress_window(const Node &n, int fd, const CompressConfig &c, unsigned blkbits,
				       Compressor &comp, uint32_t pcluster, Sha256 *h, bool frags, Spill *spill)
{
	auto z = std::make_shared<ZFile>();
	Window win(n, fd, c.extent_limit(blkbits), h);
	bool shrunk = compress_stream([&](uint64_t pos, uint64_t len) { return win.get(pos, len); }, n.size, c,
				      blkbits, comp, *z, pcluster, spill, frags);
	return finish_z(std::move(z), shrunk, spill);
}

// A worker keeps a read buffer up to this size for the next file (files
// come largest first, so it is rarely grown again).
constexpr size_t kKeepRaw = 2u << 20;

// Files of the same content, pcluster size and algorithm compress to the
// same ZFile: the first one compresses, the others copy its result.  Only
// files whose size another file has are hashed for this.
struct SameContent {
	std::mutex mu;
	std::unordered_map<std::string, std::shared_ptr<const ZFile>> done;  // null: being compressed
	struct Later {
		size_t file;
		std::string key;
		Sha256Digest digest;
	};
	std::vector<Later> later;  // copies of a result still being made
};

}  // namespace

std::string same_key(const Sha256Digest &d, uint32_t pcluster, unsigned ai)
{
	std::string key(reinterpret_cast<const char *>(d.data()), d.size());
	key.append(reinterpret_cast<const char *>(&pcluster), sizeof(pcluster));
	key += char(ai);
	return key;
}

Compressor &ZWorker::compressor(const CompressConfig &c, unsigned blkbits, unsigned ai)
{
	if (comps.size() < c.algs.size())
		comps.resize(c.algs.size());
	auto &comp = comps[ai];
	if (!comp)
		comp = std::make_unique<Compressor>(c.algs[ai], c.window_log(blkbits, ai));
	return *comp;
}

std::span<const uint8_t> ZWorker::read_whole(const Node &n)
{
	UniqueFd fd = open_source(n);
	if (raw.size() < n.size)
		raw.resize(n.size);
	read_exact(fd.get(), std::span<uint8_t>(raw.data(), n.size), 0, n);
	return {raw.data(), n.size};
}

void ZWorker::trim()
{
	if (raw.size() > kKeepRaw)
		std::vector<uint8_t>().swap(raw);
}

std::pair<uint32_t, unsigned> compress_choice(const CompressConfig &c, unsigned blkbits, const std::string &root,
					      const std::string &path)
{
	uint32_t pcluster = c.pcluster_bytes(blkbits);
	unsigned ai = 0;
	if (c.hints.empty())
		return {pcluster, ai};
	std::string r = root;
	while (r.size() > 1 && r.back() == '/')
		r.pop_back();
	std::string rel = path.rfind(r + "/", 0) == 0 ? path.substr(r.size() + 1) : path;
	for (const auto &h : c.hints)
		if (h.re->matches(rel))
			return {h.pcluster, h.alg};
	return {pcluster, ai};
}

std::shared_ptr<ZFile> compress_whole(std::span<const uint8_t> all, const CompressConfig &c, unsigned blkbits,
				      ZWorker &w, uint32_t pcluster, unsigned ai, Spill *spill)
{
	return compress_bytes(all, c, blkbits, w.compressor(c, blkbits, ai), pcluster,
			      c.any_fragments(), spill);
}

std::shared_ptr<ZFile> compress_file(const Node &n, const CompressConfig &c, unsigned blkbits, ZWorker &w,
				     uint32_t pcluster, unsigned ai, std::optional<Sha256Digest> *digest,
				     Spill *spill)
{
	if (n.size > kWholeFileLimit) {
		UniqueFd fd = open_source(n);
		std::optional<Sha256> h;
		if (digest)
			h.emplace();
		auto z = compress_window(n, fd.get(), c, blkbits, w.compressor(c, blkbits, ai), pcluster,
					 h ? &*h : nullptr, c.any_fragments(), spill);
		if (h)
			*digest = h->finish();
		return z;
	}
	auto all = w.read_whole(n);
	if (digest)
		*digest = sha256(all);
	auto z = compress_whole(all, c, blkbits, w, pcluster, ai, spill);
	w.trim();
	return z;
}

uint64_t compress_files(Tree &t, const std::string &source, const CompressConfig &c, unsigned blkbits,
		    const XattrPlan &xp, unsigned workers, Spill *spill, std::atomic<uint64_t> *files_done,
		    std::atomic<uint64_t> *bytes_done, EarlyCompress *early)
{
	std::vector<Node *> files;
	for (auto &n : t.nodes)
		if (n->kind == Kind::Regular && !n->sparse && n->size)
			files.push_back(n.get());
	// Longest first: the big files start early and the workers end together.
	std::stable_sort(files.begin(), files.end(), [](const Node *a, const Node *b) { return a->size > b->size; });
	bool frags = c.any_fragments();
	// (a block or less is not compressed at all without these)
	uint64_t tiny = c.ztailpacking || frags ? 0 : uint64_t(1) << blkbits;
	std::unordered_set<uint64_t> shared_sizes;
	for (size_t i = 1; i < files.size(); i++)
		if (files[i]->size == files[i - 1]->size && files[i]->size <= kWholeFileLimit && files[i]->size > tiny)
			shared_sizes.insert(files[i]->size);
	std::vector<ZWorker> wk(std::max(1u, workers));
	bool want_hash = frags || c.extent_dedupe;  // whole-file dedupe by content
	SameContent same;
	std::atomic<uint64_t> early_used{0};
	std::vector<size_t> pending;  // files early's workers still held (under same.mu)
	// The per-node part of a result (also of a copied one).
	auto settle = [&](Node &n, std::shared_ptr<ZFile> z, const std::optional<Sha256Digest> &d, unsigned ai,
			  uint32_t pcluster) {
		z->fingerprint.clear();
		z->content_hash.reset();
		if (want_hash)
			z->content_hash = d;
		if (d && !z->flat && xp.has_fingerprint(n) && n.fingerprint.empty())
			z->fingerprint = fingerprint_value(*d);
		else if (!z->flat && xp.has_fingerprint(n))
			z->fingerprint = n.fingerprint;  // hashed while the tar passed
		z->alg = uint8_t(c.algs[ai].alg);
		z->big = pcluster > (1u << blkbits);
		n.at.z = std::move(z);
		if (bytes_done)
			*bytes_done += n.size;
		if (files_done)
			++*files_done;
	};
	auto choice = [&](const Node &n) { return compress_choice(c, blkbits, source, n.path); };
	// n compressed here, or its result taken from `early`.
	auto own = [&](Node &n, ZWorker &me, uint32_t pcluster, unsigned ai) {
		bool want_digest = (xp.has_fingerprint(n) && n.fingerprint.empty()) || want_hash;
		std::optional<Sha256Digest> d;
		auto z = compress_file(n, c, blkbits, me, pcluster, ai, want_digest ? &d : nullptr, spill);
		settle(n, std::move(z), d, ai, pcluster);
	};
	auto adopt = [&](Node &n, EarlyCompress::Result &r, uint32_t pcluster, unsigned ai) {
		++early_used;
		settle(n, std::move(r.z), r.digest, ai, pcluster);
	};
	parallel_for(files.size(), workers, [&](size_t i, unsigned w) {
		Node &n = *files[i];
		auto [pcluster, ai] = choice(n);
		ZWorker &me = wk[w];
		bool maybe_same = shared_sizes.count(n.size) != 0;
		std::shared_ptr<ZFile> z;
		std::optional<Sha256Digest> d;
		if (early) {  // compressed while the tar passed?
			EarlyCompress::Result r;
			auto has = early->take(n, pcluster, ai, r);
			if (has == EarlyCompress::Has::Pending) {
				std::lock_guard<std::mutex> g(same.mu);
				pending.push_back(i);
				return;
			}
			if (has == EarlyCompress::Has::Done) {
				if (maybe_same) {  // its twins may copy it
					std::string key = same_key(r.digest, pcluster, ai);
					std::lock_guard<std::mutex> g(same.mu);
					same.done.try_emplace(key, std::make_shared<const ZFile>(*r.z));
				}
				adopt(n, r, pcluster, ai);
				return;
			}
		}
		if (!maybe_same) {
			own(n, me, pcluster, ai);
			return;
		}
		// (by full path: files come by size, seldom two of one directory in a row)
		auto all = me.read_whole(n);
		d = sha256(all);
		std::string key = same_key(*d, pcluster, ai);
		{
			std::lock_guard<std::mutex> g(same.mu);
			auto [it, fresh] = same.done.try_emplace(key);
			if (!fresh && !it->second) {  // another worker is at it: copy at the end
				same.later.push_back({i, std::move(key), *d});
				return;
			}
			if (!fresh)
				z = std::make_shared<ZFile>(*it->second);
		}
		if (!z) {
			z = compress_whole(all, c, blkbits, me, pcluster, ai, spill);
			std::lock_guard<std::mutex> g(same.mu);
			same.done[key] = std::make_shared<const ZFile>(*z);
		}
		me.trim();
		settle(n, std::move(z), d, ai, pcluster);
	});
	if (early)
		early->join();
	for (size_t i : pending) {  // (few: at most one per early worker)
		Node &n = *files[i];
		auto [pcluster, ai] = choice(n);
		EarlyCompress::Result r;
		if (early->take(n, pcluster, ai, r) == EarlyCompress::Has::Done)
			adopt(n, r, pcluster, ai);
		else
			own(n, wk[0], pcluster, ai);
	}
	for (auto &l : same.later) {
		Node &n = *files[l.file];
		auto [pcluster, ai] = choice(n);
		const auto &src = same.done.at(l.key);
		if (!src)
			throw Error("internal: compressed twin missing", n.path);
		settle(n, std::make_shared<ZFile>(*src), l.digest, ai, pcluster);
	}
	return early_used.load();
}

Node *build_packed_inode(Tree &t, const CompressConfig &c, unsigned blkbits, std::span<const uint8_t> head,
			 Spill &spill)
{
	// Identical fragments are stored once: key = SHA-256 of the bytes.
	std::map<Sha256Digest, uint64_t> seen;
	uint64_t start = spill.size(), len = 0;
	std::vector<Spill::Extent> pieces;
	std::vector<uint8_t> buf;
	bool any = false;
	if (!head.empty()) {
		pieces.push_back(spill.append(head));
		len += head.size();
	}
	for (auto &np : t.nodes) {
		Node &n = *np;
		if (n.kind != Kind::Regular || !n.at.z || n.at.z->flat || !n.at.z->has_fragment())
			continue;
		// (the ZFile is shared with nothing yet: compress_files made it)
		auto &z = const_cast<ZFile &>(*n.at.z);
		buf.resize(z.frag_len);
		if (z.frag_spill.empty()) {
			buf = std::move(z.frag_data);
		} else {
			size_t at = 0;
			for (const auto &e : z.frag_spill) {
				std::span<uint8_t> part(buf.data() + at, e.len);
				pread_full(spill.fd(), part, e.off, "temporary file");
				at += e.len;
			}
		}
		any = true;
		auto [it, fresh] = seen.try_emplace(sha256(buf), len);
		if (fresh) {
			pieces.push_back(spill.append(buf));
			len += buf.size();
		}
		z.fragmentoff = it->second;
		z.frag_spill.clear();
		std::vector<uint8_t>().swap(z.frag_data);
	}
	if (!any)
		return nullptr;
	// The pieces went to the spill back to back (this loop is the only
	// writer now): the packed content is one range of it.
	for (size_t i = 0; i < pieces.size(); i++)
		if (pieces[i].off != (i ? pieces[i - 1].off + pieces[i - 1].len : pieces[0].off))
			throw Error("packed inode content is not contiguous", "temporary file");
	start = pieces[0].off;
	auto node = std::make_unique<Node>();
	Node &p = *node;
	p.id = uint32_t(t.nodes.size());
	p.kind = Kind::Regular;
	p.mode = 0100000 | 0600;
	p.nlink = 1;
	p.size = len;
	p.mtime = t.root ? t.root->mtime : 0;
	p.path = "(packed inode)";
	p.blob_fd = spill.fd();
	p.blob_off = start;
	// Its compressor has the window of the whole configuration; the
	// content itself is compressed without fragments or a tail.
	ZWorker w;
	w.comps.push_back(std::make_unique<Compressor>(c.algs[0], c.window_log(blkbits, 0)));
	CompressConfig pc = c;
	pc.ztailpacking = pc.fragments = pc.all_fragments = false;
	uint32_t pcl = c.packed_pcluster_bytes(blkbits);
	auto z = compress_file(p, pc, blkbits, w, pcl, 0, nullptr, &spill);
	z->alg = uint8_t(c.algs[0].alg);
	z->big = pcl > (1u << blkbits);
	p.at.z = std::move(z);
	t.nodes.push_back(std::move(node));
	return &p;
}

}  // namespace erofs
