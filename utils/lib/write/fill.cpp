#include "write/fill.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/digest.hpp"
#include "plan/dirblocks.hpp"
#include "base/error.hpp"
#include "base/fsutil.hpp"
#include "compress/zwrite.hpp"

namespace erofs {

namespace {

bool is_compressed(DataLayout l)
{
	return l == DataLayout::CompressedFull || l == DataLayout::CompressedCompact;
}

uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

uint32_t i_u_of(const Node &n)
{
	const auto &at = n.at;
	if (n.kind == Kind::CharDev || n.kind == Kind::BlockDev)
		return n.rdev;
	if (n.kind == Kind::Fifo || n.kind == Kind::Socket)
		return 0;
	if (at.layout == DataLayout::ChunkBased)
		return at.chunk_extra_bits | (at.chunk_indexes ? kChunkIndexes : 0);
	if (is_compressed(at.layout))
		return uint32_t(at.nblocks);  // blocks_lo: physical blocks of the pclusters
	return at.startblk;
}

// What a worker produced for one node before its metadata is written.
struct Content {
	std::vector<uint8_t> tail;
	std::string fingerprint;
};

// Flat file: full blocks go to the data area, the tail to `c.tail` when
// it is inline, the hash covers everything.  One read per buffer-full.
void stream_flat(const Node &n, FillContext &ctx, std::vector<uint8_t> &buf, Content &c, Sha256 *h,
		 SourceDirs *dirs)
{
	UniqueFd fd = open_source(n, dirs);
	uint64_t body = n.size - n.at.tail_size;
	uint64_t data_off = uint64_t(n.at.startblk) * ctx.layout.blksz;
	c.tail.resize(n.at.tail_size);
	uint64_t done = 0;
	if (!h && !n.sparse && body) {
		// Nothing to hash: the kernel moves the full blocks (no copy
		// through this process); only the inline tail is read below.
		uint64_t src_off = n.blob_fd >= 0 ? n.blob_off : 0;
		auto copied = copy_range(fd.get(), src_off, ctx.out_fd, data_off, body, n.path);
		if (copied && *copied != body)
			throw Error("file changed during build (shorter than " + std::to_string(n.size) + ")",
				    n.path);
		if (copied) {
			done = body;
			ctx.bytes_done += body;
		}
	}
	for (; done < n.size;) {
		size_t len = size_t(std::min<uint64_t>(buf.size(), n.size - done));
		std::span<uint8_t> b(buf.data(), len);
		read_exact(fd.get(), b, done, n);
		if (h)
			h->update(b);
		size_t to_data = size_t(std::min<uint64_t>(len, body > done ? body - done : 0));
		if (to_data && !n.at.data_shared)  // (else an identical file writes them)
			pwrite_full(ctx.out_fd, b.first(to_data), data_off + done, ctx.out_path);
		if (to_data < len)  // (the tail index is negative before the tail)
			std::copy(b.begin() + to_data, b.end(), c.tail.begin() + ptrdiff_t(done + to_data - body));
		done += len;
		ctx.bytes_done += len;
	}
}

void stream_chunked(const Node &n, FillContext &ctx, std::vector<uint8_t> &buf, Sha256 *h, SourceDirs *dirs)
{
	UniqueFd fd;
	bool any = std::any_of(n.at.chunk_addrs.begin(), n.at.chunk_addrs.end(),
			       [](uint32_t a) { return a != kNullAddr; });
	if (any)
		fd = open_source(n, dirs);
	uint64_t csz = ctx.layout.blksz << n.at.chunk_extra_bits;
	for (size_t ci = 0; ci < n.at.chunk_addrs.size(); ci++) {
		uint64_t start = ci * csz;
		uint64_t len = std::min(csz, n.size - start);
		uint32_t addr = n.at.chunk_addrs[ci];
		if (addr == kNullAddr) {
			if (h)
				h->update_zeros(len);
			ctx.bytes_done += len;
			continue;
		}
		for (uint64_t done = 0; done < len;) {
			size_t part = size_t(std::min<uint64_t>(buf.size(), len - done));
			std::span<uint8_t> b(buf.data(), part);
			read_exact(fd.get(), b, start + done, n);
			if (h)
				h->update(b);
			pwrite_full(ctx.out_fd, b, uint64_t(addr) * ctx.layout.blksz + done, ctx.out_path);
			done += part;
			ctx.bytes_done += part;
		}
	}
}

// Directory and symlink content is generated in memory.
void write_generated(const Node &n, FillContext &ctx, std::span<const uint8_t> bytes, Content &c)
{
	uint64_t body = bytes.size() - n.at.tail_size;
	if (body)
		pwrite_full(ctx.out_fd, bytes.first(body), uint64_t(n.at.startblk) * ctx.layout.blksz,
			    ctx.out_path);
	c.tail.assign(bytes.begin() + body, bytes.end());
}

// Pclusters of a compressed file, plus the tail pcluster when it could
// not stay inline (then it gets the block after them).
void write_compressed(const Node &n, FillContext &ctx, const ZFile &z)
{
	uint64_t bs = ctx.layout.blksz;
	uint64_t base = uint64_t(n.at.startblk) * bs;
	uint64_t at = base;
	for (const auto &e : z.spilled) {
		z.spill->copy_to(e, ctx.out_fd, at, ctx.out_path);
		at += e.len;
	}
	if (!z.data.empty())
		pwrite_full(ctx.out_fd, z.data, at, ctx.out_path);
	if (n.at.ztail_block) {
		std::vector<uint8_t> blk(bs, 0);
		size_t pad = z.tail_compressed ? bs - z.tail.size() : 0;  // 0-padding: stream at the end
		std::copy(z.tail.begin(), z.tail.end(), blk.begin() + ptrdiff_t(pad));
		pwrite_full(ctx.out_fd, blk, base + uint64_t(z.blocks) * bs, ctx.out_path);
	}
}

// -Ededupe with shared pclusters: only the file's own pclusters are
// written, each where the layout put it (relative blocks of the file's
// compressed data -> absolute blocks).
void write_own_pclusters(const ZFile &z, const ZDedupe &d, FillContext &ctx)
{
	uint64_t bs = ctx.layout.blksz;
	for (size_t i = 0; i < z.extents.size(); i++) {
		const auto &e = z.extents[i];
		if (!e.blocks || e.inline_tail || e.fragment || d.ref[i].first)
			continue;
		uint64_t from = uint64_t(e.blk) * bs, len = uint64_t(e.blocks) * bs;
		uint64_t to = uint64_t(d.ext[i].blk) * bs;
		uint64_t piece = 0;  // start of the current spilled piece in the file's data
		for (const auto &sp : z.spilled) {
			uint64_t lo = std::max(from, piece), hi = std::min(from + len, piece + sp.len);
			if (lo < hi)
				z.spill->copy_to({sp.off + (lo - piece), hi - lo}, ctx.out_fd, to + (lo - from), ctx.out_path);
			piece += sp.len;
		}
		uint64_t lo = std::max(from, piece), hi = from + len;
		if (lo < hi)
			pwrite_full(ctx.out_fd, std::span<const uint8_t>(z.data).subspan(lo - piece, hi - lo),
				    to + (lo - from), ctx.out_path);
	}
}

void produce_content(const Node &n, FillContext &ctx, std::vector<uint8_t> &buf, Content &c, SourceDirs *dirs)
{
	if (n.kind == Kind::Regular && n.at.z && !n.at.z->flat) {
		const ZFile &z = *n.at.z;
		auto dd = ctx.layout.zdedupe.find(&n);
		if (dd != ctx.layout.zdedupe.end() && !dd->second.whole_owner)
			write_own_pclusters(z, dd->second, ctx);
		else if (!n.at.data_shared)  // else an identical file writes them
			write_compressed(n, ctx, z);
		c.fingerprint = z.fingerprint;
		ctx.bytes_done += n.size;
	} else if (n.kind == Kind::Directory) {
		auto d = encode_dir(n, unsigned(ctx.layout.blksz));
		write_generated(n, ctx, d, c);
	} else if (n.kind == Kind::Symlink) {
		std::span<const uint8_t> t(reinterpret_cast<const uint8_t *>(n.target.data()), n.target.size());
		write_generated(n, ctx, t, c);
	} else if (n.kind == Kind::Regular && n.on_device) {
		c.fingerprint = n.fingerprint;  // the data stays in the tar
		ctx.bytes_done += n.size;
	} else if (n.kind == Kind::Regular && n.size) {
		std::optional<Sha256> h;
		if (ctx.xattrs.has_fingerprint(n) && n.fingerprint.empty())
			h.emplace();
		c.fingerprint = n.fingerprint;
		Sha256 *hp = h ? &*h : nullptr;
		// The worker's buffer, 1 MiB at most, grown on first use: index-only
		// (--tar=i) and small-file builds never touch a large one.
		size_t want = size_t(std::min<uint64_t>(uint64_t(1) << 20, round_up(n.size, 4096)));
		if (buf.size() < want)
			buf.resize(want);
		if (n.at.layout == DataLayout::ChunkBased)
			stream_chunked(n, ctx, buf, hp, dirs);
		else
			stream_flat(n, ctx, buf, c, hp, dirs);
		if (h)
			c.fingerprint = fingerprint_value(h->finish());
	}
}

}  // namespace

int SourceDirs::fd_of(const Node &dir)
{
	if (dir_ != &dir) {
		dir_ = &dir;
		fd_ = UniqueFd(open(dir.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	}
	return fd_.get();
}

UniqueFd open_source(const Node &n, SourceDirs *dirs)
{
	if (n.blob_fd >= 0) {
		UniqueFd fd(fcntl(n.blob_fd, F_DUPFD_CLOEXEC, 0));
		if (!fd)
			throw_errno("cannot duplicate the data file descriptor", n.path, errno);
		return fd;
	}
	constexpr int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
	UniqueFd fd;
	int dfd = dirs && n.parent && n.parent != &n ? dirs->fd_of(*n.parent) : -1;
	if (dfd >= 0)
		fd = UniqueFd(openat(dfd, base_name(n.path).c_str(), flags));
	else
		fd = UniqueFd(open(n.path.c_str(), flags));
	if (!fd && errno == ENOENT)
		throw Error("file vanished during build", n.path);
	if (!fd)
		throw_errno("cannot read file", n.path, errno);
	struct stat st;
	if (fstat(fd.get(), &st) != 0)
		throw_errno("cannot stat", n.path, errno);
	if (!S_ISREG(st.st_mode) || uint64_t(st.st_size) != n.size)
		throw Error("file changed during build (size " + std::to_string(n.size) + " -> " +
				    std::to_string(st.st_size) + ")",
			    n.path);
	return fd;
}

// Reads exactly buf.size() bytes at off, or throws "file changed".
void read_exact(int fd, std::span<uint8_t> buf, uint64_t off, const Node &n)
{
	if (n.blob_fd >= 0) {
		// tar data file: the stored ranges lie back to back from blob_off
		if (!n.sparse) {
			if (pread_full(fd, buf, n.blob_off + off, n.path) != buf.size())
				throw Error("data file shorter than expected", n.path);
			return;
		}
		std::fill(buf.begin(), buf.end(), 0);
		uint64_t stored = 0;
		for (const auto &r : n.data) {
			uint64_t lo = std::max(r.off, off), hi = std::min(r.off + r.len, off + buf.size());
			if (lo < hi) {
				auto part = buf.subspan(size_t(lo - off), size_t(hi - lo));
				if (pread_full(fd, part, n.blob_off + stored + (lo - r.off), n.path) != part.size())
					throw Error("data file shorter than expected", n.path);
			}
			stored += r.len;
		}
		return;
	}
	if (pread_full(fd, buf, off, n.path) != buf.size())
		throw Error("file changed during build (shorter than " + std::to_string(n.size) + ")",
			    n.path);
}

void encode_inode(const Node &n, std::span<uint8_t> out)
{
	const auto &at = n.at;
	uint16_t icount = xattr_icount(at.xattr_size);
	if (at.extended) {
		InodeExtended i;
		i.format = make_format(true, at.layout);
		i.xattr_icount = icount;
		i.mode = uint16_t(n.mode);
		i.size = n.size;
		i.i_u = i_u_of(n);
		i.ino = at.ino;
		i.uid = n.uid;
		i.gid = n.gid;
		i.mtime = uint64_t(n.mtime);
		i.mtime_nsec = n.mtime_nsec;
		i.nlink = n.nlink;
		i.encode(out);
	} else {
		InodeCompact i;
		i.format = make_format(false, at.layout);
		i.xattr_icount = icount;
		i.mode = uint16_t(n.mode);
		i.nlink = uint16_t(n.nlink);
		i.size = uint32_t(n.size);
		i.i_u = i_u_of(n);
		i.ino = at.ino;
		i.uid = uint16_t(n.uid);
		i.gid = uint16_t(n.gid);
		i.encode(out);
	}
}

void write_node(const Node &n, FillContext &ctx, std::vector<uint8_t> &buf, SourceDirs *dirs)
{
	Content c;
	produce_content(n, ctx, buf, c, dirs);
	const auto &at = n.at;
	size_t isz = at.extended ? InodeExtended::kSize : InodeCompact::kSize;
	size_t chunkmap = 4 * at.chunk_addrs.size();
	size_t zhead = 0, zbytes = 0;
	bool zc = is_compressed(at.layout);
	if (zc) {
		zhead = size_t(round_up(isz + at.xattr_size, 8));
		zbytes = size_t(zindex_bytes(at.layout == DataLayout::CompressedCompact, n.size, ctx.layout.blkbits,
					     at.meta_off + zhead, whole_fragment(at.z->extents)));
	}
	std::vector<uint8_t> meta(zc ? zhead + zbytes + at.tail_size : isz + at.xattr_size + at.tail_size + chunkmap, 0);
	std::span<uint8_t> m(meta);
	encode_inode(n, m);
	ctx.xattrs.encode_body(n, m.subspan(isz), c.fingerprint);
	size_t pos = isz + at.xattr_size;
	if (zc) {
		const ZFile &z = *at.z;
		std::vector<ZExtent> ext = z.extents;
		auto dd = ctx.layout.zdedupe.find(&n);
		bool refs = dd != ctx.layout.zdedupe.end() && !dd->second.whole_owner;
		if (refs)
			ext = dd->second.ext;  // absolute blocks (full index, startblk 0)
		if (at.ztail_block) {
			ext.back().inline_tail = false;
			ext.back().blk = z.blocks;
			ext.back().blocks = 1;
		}
		ZIndexSpec s;
		s.blkbits = ctx.layout.blkbits;
		s.size = n.size;
		s.compact = at.layout == DataLayout::CompressedCompact;
		s.big = z.big;
		s.alg = z.alg;
		s.startblk = refs ? 0 : at.startblk;
		s.total_blocks = uint32_t(at.nblocks);
		s.idata_size = uint16_t(at.tail_size);
		s.fragment = z.has_fragment();
		s.fragmentoff = z.fragmentoff;
		encode_zindex(ext, s, at.meta_off + zhead, m.subspan(zhead, zbytes));
		std::copy(z.tail.begin(), z.tail.begin() + at.tail_size, meta.begin() + ptrdiff_t(zhead + zbytes));
		pwrite_full(ctx.out_fd, meta, at.meta_off, ctx.out_path);
		ctx.files_done++;
		return;
	}
	if (at.tail_size)
		std::copy(c.tail.begin(), c.tail.end(), meta.begin() + pos);
	if (at.chunk_indexes) {
		// 8-byte records, 8-aligned: le16 startblk_hi, le16 device, le32 startblk_lo
		pos = size_t(round_up(pos, 8));
		meta.resize(pos + 8 * at.chunk_addrs.size(), 0);
		std::span<uint8_t> mm(meta);
		for (uint32_t addr : at.chunk_addrs) {
			le::store<uint16_t>(mm, pos + 2, addr == kNullAddr ? 0 : at.chunk_device);
			le::store<uint32_t>(mm, pos + 4, addr);
			pos += 8;
		}
		pwrite_full(ctx.out_fd, meta, at.meta_off, ctx.out_path);
		ctx.files_done++;
		return;
	}
	for (uint32_t addr : at.chunk_addrs) {
		le::store<uint32_t>(m, pos, addr);
		pos += 4;
	}
	pwrite_full(ctx.out_fd, meta, at.meta_off, ctx.out_path);
	ctx.files_done++;
}

}  // namespace erofs
