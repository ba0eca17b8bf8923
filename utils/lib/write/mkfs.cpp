#include "write/mkfs.hpp"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>
#include <memory>
#include <optional>
#include <ctime>
#include <sys/random.h>

#include "base/crc32c.hpp"
#include "compress/early.hpp"
#include "base/error.hpp"
#include "write/fill.hpp"
#include "plan/layout.hpp"
#include "write/output.hpp"
#include "base/parallel.hpp"
#include "base/progress.hpp"
#include "write/spill.hpp"
#include "plan/xattr_plan.hpp"

namespace erofs {

namespace {

struct Build {
	const MkfsOptions &opt;
	int64_t epoch = 0;
	XattrPrefixes prefixes;
	std::optional<uint8_t> fp_id;
	uint64_t devt_off = 0;   // --tar=i: byte offset of the one device slot
	uint64_t tar_bytes = 0;  // --tar=i: size of the tar (device 1)
	Node *packed = nullptr;  // the packed inode (fragments)
};

void check_options(const MkfsOptions &o)
{
	if (o.blkbits < kMinBlkBits || o.blkbits > kMaxBlkBits)
		throw Error("block size must be a power of two from 512 to 4096", "-b");
	if (o.label.size() > 15)
		throw Error("volume label longer than 15 bytes", "-L " + o.label);
	const auto &c = o.compress;
	if (c.pcluster && !c.enabled())
		throw Error("a pcluster size needs compression", "-C " + std::to_string(c.pcluster));
	if (c.pcluster && (c.pcluster % (1u << o.blkbits) || c.pcluster > kMaxPclusterBytes))
		throw Error("pcluster size must be a multiple of the block size up to 1 MiB",
			    "-C " + std::to_string(c.pcluster));
	if (c.pcluster && (c.pcluster >> o.blkbits) >= kCblkcnt)
		throw Error("pcluster of 2048 or more blocks cannot be indexed", "-C " + std::to_string(c.pcluster));
	if (c.packed_pcluster) {
		std::string what = "-E fragments=" + std::to_string(c.packed_pcluster);
		if (!c.enabled())
			throw Error("fragments need compression", what);
		if (c.packed_pcluster % (1u << o.blkbits) || c.packed_pcluster > kMaxPclusterBytes)
			throw Error("pcluster size must be a multiple of the block size up to 1 MiB", what);
		if ((c.packed_pcluster >> o.blkbits) >= kCblkcnt)
			throw Error("pcluster of 2048 or more blocks cannot be indexed", what);
	}
}

void register_prefixes(Build &b)
{
	for (const auto &p : b.opt.xattr_prefixes) {
		std::string why = invalid_xattr_name_reason(p);
		if (!why.empty())
			throw Error(why, "--xattr-prefix=" + p);
		b.prefixes.add_long(p);
	}
	if (b.opt.ishare_key) {
		std::string why = invalid_xattr_name_reason(*b.opt.ishare_key);
		if (!why.empty())
			throw Error(why, "--ishare_key=" + *b.opt.ishare_key);
		b.fp_id = b.prefixes.add_long(*b.opt.ishare_key);
	}
	if (b.prefixes.longs().size() > 128)
		throw Error("more than 128 long xattr prefixes", "--xattr-prefix");
}

ScanOptions scan_options(const Build &b)
{
	const auto &o = b.opt;
	ScanOptions s;
	for (auto p : o.exclude_paths) {
		std::string root = o.source;
		while (root.size() > 1 && root.back() == '/')
			root.pop_back();
		if (p.rfind(root + "/", 0) == 0)
			p = p.substr(root.size() + 1);
		while (!p.empty() && p.front() == '/')
			p.erase(0, 1);
		while (!p.empty() && p.back() == '/')
			p.pop_back();
		s.exclude_paths.push_back(p);
	}
	for (const auto &r : o.exclude_regexes)
		s.exclude_regexes.push_back(std::make_shared<PathRegex>(r));
	s.all_root = o.all_root;
	s.force_uid = o.force_uid;
	s.force_gid = o.force_gid;
	s.time_mode = o.mkfs_time ? TimeMode::Source
		      : o.fixed_time ? TimeMode::Fixed
		      : o.source_date_epoch ? TimeMode::Clamp : TimeMode::Source;
	s.timestamp = b.epoch;
	s.xattrs = o.xattr_tolerance >= 0;
	s.warn = o.warn;
	s.threads = o.workers ? o.workers : default_workers();
	return s;
}

Superblock make_superblock(const Build &b, const Layout &l, const Tree &t)
{
	Superblock sb;
	if (l.any_device || b.devt_off) {
		sb.feature_incompat |= incompat::kDeviceTable;
		sb.extra_devices = 1;
		sb.devt_slotoff = uint16_t(b.devt_off / DeviceSlot::kSize);
	}
	sb.feature_compat = compat::kSbChksum | compat::kMtime;
	if (l.any_xattr_body)
		sb.feature_compat |= compat::kXattrFilter;
	if (!b.prefixes.longs().empty()) {
		if (!b.packed)  // (else the table is at the start of the packed inode)
			sb.feature_compat |= compat::kPlainXattrPfx;
		sb.feature_incompat |= incompat::kXattrPrefixes;
	}
	if (b.fp_id) {
		sb.feature_compat |= compat::kIshareXattrs;
		sb.ishare_xattr_prefix_id = *b.fp_id;
	}
	if (l.any_chunked)
		sb.feature_incompat |= incompat::kChunkedFile;
	const auto &c = b.opt.compress;
	if (c.enabled()) {
		sb.feature_incompat |= incompat::kZeroPadding;
		if (c.needs_cfgs(l.blkbits)) {
			sb.feature_incompat |= incompat::kComprCfgs;
			sb.u1 = c.alg_bitmap();
		} else {
			sb.u1 = 65535;  // LZ4 max distance
		}
		if (c.ztailpacking)
			sb.feature_incompat |= incompat::kZtailpacking;
		if (b.packed) {
			sb.feature_incompat |= incompat::kFragments;
			sb.packed_nid = b.packed->at.nid;
		}
	}
	sb.blkszbits = uint8_t(l.blkbits);
	sb.root_nid = uint16_t(t.root->at.nid);
	sb.inos = l.order.size();
	sb.epoch = uint64_t(b.epoch);
	sb.blocks = uint32_t(l.total_blocks);
	sb.meta_blkaddr = l.meta_blkaddr;
	sb.uuid = b.opt.uuid ? *b.opt.uuid : random_uuid();
	std::copy(b.opt.label.begin(), b.opt.label.end(), sb.volume_name.begin());
	sb.xattr_prefix_count = uint8_t(b.prefixes.longs().size());
	sb.xattr_prefix_start = b.packed ? 0 : uint32_t(l.prefix_off / 4);
	return sb;
}

// Superblock, shared xattrs and prefix table, then the crc32c over the
// rest of block 0 (which includes whatever inodes the workers put there).
void write_head(TempImage &out, const Layout &l, const XattrPlan &xp, const XattrPrefixes &pfx,
		Superblock sb, const std::vector<uint8_t> &cfgs, const Build &b)
{
	std::vector<uint8_t> head(l.inode_off - kSuperOffset, 0);
	std::span<uint8_t> h(head);
	sb.encode(h);
	std::copy(cfgs.begin(), cfgs.end(), head.begin() + Superblock::kSize);
	if (b.devt_off) {
		// the tar follows the image: [index][tar] reads as one flat device
		DeviceSlot d;
		d.blocks = (b.tar_bytes + l.blksz - 1) / l.blksz;
		d.mapped_blkaddr = l.total_blocks;
		d.encode(h.subspan(b.devt_off - kSuperOffset));
	}
	xp.encode_shared_area(h.subspan(l.shared_off - kSuperOffset));
	uint64_t pos = l.prefix_off - kSuperOffset;
	for (const auto &lp : pfx.longs()) {
		lp.encode(h.subspan(pos));
		pos += lp.record_size();
	}
	pwrite_full(out.fd(), head, kSuperOffset, out.path());

	uint64_t crc_len = l.blksz > kSuperOffset ? l.blksz - kSuperOffset : l.blksz;
	std::vector<uint8_t> blk(crc_len, 0);
	pread_full(out.fd(), blk, kSuperOffset, out.path());
	le::store<uint32_t>(blk, 4, 0);
	le::store<uint32_t>(blk, 4, crc32c_erofs(blk));
	pwrite_full(out.fd(), std::span<const uint8_t>(blk).first(Superblock::kSize), kSuperOffset,
		    out.path());
}

void fill(const MkfsOptions &o, const Layout &l, const XattrPlan &xp, TempImage &out)
{
	FillContext ctx{l, xp, out.fd(), o.image};
	unsigned workers = o.workers ? o.workers : default_workers();
	std::vector<std::vector<uint8_t>> bufs(workers);  // grown by write_node when data is read
	std::vector<SourceDirs> dirs(workers);
	Progress p(o.progress, ctx.files_done, l.order.size(), ctx.bytes_done, l.data_bytes);
	parallel_for(l.order.size(), workers,
		     [&](size_t i, unsigned w) { write_node(*l.order[i], ctx, bufs[w], &dirs[w]); });
}

// The compression step, with its own progress line.
uint64_t compress(const MkfsOptions &o, Tree &t, const XattrPlan &xp, Spill &spill, EarlyCompress *early)
{
	std::atomic<uint64_t> files{0}, bytes{0};
	uint64_t nfiles = 0, nbytes = 0;
	for (const auto &n : t.nodes)
		if (n->kind == Kind::Regular && !n->sparse && n->size)
			nfiles++, nbytes += n->size;
	Progress p(o.progress, files, nfiles, bytes, nbytes);
	return compress_files(t, o.source, o.compress, o.blkbits, xp, o.workers ? o.workers : default_workers(),
			      &spill, &files, &bytes, early);
}

// The tar source: one pass over the stream builds the tree; --tar=f
// parks file data in `spill` on the way and, when `zspill` (compression)
// is given, has `early` compress each file into it as soon as it is there.
Tree read_tar(const MkfsOptions &o, const Build &b, std::optional<Spill> &spill, Spill *zspill,
	      std::unique_ptr<EarlyCompress> &early, uint64_t &tar_bytes)
{
	bool stdin_src = o.source.empty() || o.source == "-";
	std::string name = stdin_src ? std::string("standard input") : o.source;
	UniqueFd fd;
	if (!stdin_src) {
		fd = UniqueFd(open(o.source.c_str(), O_RDONLY | O_CLOEXEC));
		if (!fd)
			throw_errno("cannot open the tar", o.source, errno);
	}
	auto raw = std::make_unique<FdSource>(stdin_src ? STDIN_FILENO : fd.get(), name);
	auto in = open_decompressed(std::move(raw), o.tar_compression, name);
	TarReader r(*in, name, {*o.tar == TarMode::Headerball});
	TarTreeOptions to;
	to.mode = *o.tar;
	to.aufs = o.aufs;
	to.ovlfs_strip = o.ovlfs_strip;
	to.fingerprints = b.fp_id.has_value();
	to.scan = scan_options(b);
	if (*o.tar == TarMode::Full)
		spill.emplace(o.image);
	if (spill && zspill && o.early_compress != MkfsOptions::Early::Off) {
		early = std::make_unique<EarlyCompress>(o.compress, o.blkbits, o.workers ? o.workers : default_workers(),
							spill->fd(), o.source, *zspill);
		to.stored = [e = early.get()](uint64_t off, uint64_t size, const std::string &path) {
			e->add(off, size, path);
		};
	}
	TarTree tt = read_tar_tree(r, to, spill ? &*spill : nullptr);
	if (early) {  // (compress_files() does what it has not begun, largest first)
		bool all = o.early_compress == MkfsOptions::Early::All;
		early->stop(all);
		if (all)
			early->join();
	}
	tar_bytes = tt.tar_bytes;
	return std::move(tt.tree);
}

}  // namespace

MkfsResult build_image(const MkfsOptions &o)
{
	check_options(o);
	if (!o.tar)
		check_output_outside(o.image, o.source);
	Build b{o, 0, {}, {}};
	b.epoch = o.fixed_time ? *o.fixed_time
		  : o.source_date_epoch ? *o.source_date_epoch : int64_t(std::time(nullptr));
	register_prefixes(b);
	const auto &c = o.compress;
	std::optional<Spill> tar_data;  // --tar=f: file data between the stream and the fill
	// compressed blocks wait here for the fill (it copies them in place)
	std::optional<Spill> spill;
	if (c.enabled())
		spill.emplace(o.image);
	std::unique_ptr<EarlyCompress> early;  // (uses both spills: declared after them)
	uint64_t early_files = 0, early_copies = 0;
	Tree t = o.tar ? read_tar(o, b, tar_data, spill ? &*spill : nullptr, early, b.tar_bytes)
		       : scan_tree(o.source, scan_options(b));
	TempImage out(o.image);
	if (!o.after_scan_hook.empty() && std::system(o.after_scan_hook.c_str()) != 0)
		throw Error("after-scan hook failed", o.after_scan_hook);
	XattrPlan xp(t, b.prefixes, {o.xattr_tolerance, b.fp_id, o.warn});
	if (c.enabled()) {
		early_files = compress(o, t, xp, *spill, early.get());
		early_copies = early ? early->copies() : 0;
		early.reset();
		if (c.any_fragments()) {
			// Linux 6.12 reads long xattr prefixes from the packed
			// inode when there is one (it ignores plain_xattr_pfx):
			// the table goes first there, xattr_prefix_start 0.
			std::vector<uint8_t> table;
			for (const auto &lp : b.prefixes.longs()) {
				size_t at = table.size();
				table.resize(at + lp.record_size(), 0);
				lp.encode(std::span<uint8_t>(table).subspan(at));
			}
			b.packed = build_packed_inode(t, c, o.blkbits, table, *spill);
		}
	}
	auto cfgs = c.cfg_records(o.blkbits);
	uint64_t head_extra = cfgs.size();
	if (o.tar == TarMode::Index) {
		b.devt_off = (kSuperOffset + Superblock::kSize + cfgs.size() + DeviceSlot::kSize - 1) /
			     DeviceSlot::kSize * DeviceSlot::kSize;
		head_extra = b.devt_off + DeviceSlot::kSize - kSuperOffset - Superblock::kSize;
	}
	LayoutInput li{o.blkbits, b.epoch, head_extra, !c.legacy_index, c.enabled() && c.dedupe,
		       o.inline_data, o.sort_none, c.enabled() && c.extent_dedupe, b.packed};
	Layout l = compute_layout(t, xp, b.prefixes, li);
	out.resize(l.image_size());
	fill(o, l, xp, out);
	write_head(out, l, xp, b.prefixes, make_superblock(b, l, t), cfgs, b);
	out.commit();
	return {l.order.size(), l.total_blocks, l.image_size(), l.shared_blocks, early_files, early_copies};
}

std::optional<std::array<uint8_t, 16>> parse_uuid(const std::string &s)
{
	std::array<uint8_t, 16> u{};
	size_t k = 0;
	for (size_t i = 0; i < s.size(); i++) {
		if (s[i] == '-' && (i == 8 || i == 13 || i == 18 || i == 23))
			continue;
		if (k >= 32 || !isxdigit(static_cast<unsigned char>(s[i])))
			return std::nullopt;
		int v = isdigit(static_cast<unsigned char>(s[i])) ? s[i] - '0' : (tolower(s[i]) - 'a' + 10);
		u[k / 2] = uint8_t(u[k / 2] | (k % 2 ? v : v << 4));
		k++;
	}
	if (k != 32 || s.size() != 36)
		return std::nullopt;
	return u;
}

std::array<uint8_t, 16> random_uuid()
{
	std::array<uint8_t, 16> u{};
	if (getrandom(u.data(), u.size(), 0) != ssize_t(u.size()))
		throw Error("cannot get random bytes for the UUID", "getrandom");
	u[6] = uint8_t((u[6] & 0x0F) | 0x40);
	u[8] = uint8_t((u[8] & 0x3F) | 0x80);
	return u;
}

}  // namespace erofs
