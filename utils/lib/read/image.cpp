#include "read/image.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/crc32c.hpp"
#include "base/error.hpp"
#include "base/fsutil.hpp"

namespace erofs {

MappedFile::MappedFile(const std::string &path)
{
	UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd)
		throw_errno("cannot open image", path, errno);
	struct stat st;
	if (fstat(fd.get(), &st) != 0)
		throw_errno("cannot stat image", path, errno);
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		throw Error("image is not a regular file or block device", path);
	size_ = size_t(st.st_size);
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(fd.get(), 0, SEEK_END);
		size_ = end > 0 ? size_t(end) : 0;
	}
	if (size_ == 0)
		return;
	void *p = mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd.get(), 0);
	if (p == MAP_FAILED)
		throw_errno("cannot map image", path, errno);
	data_ = static_cast<const uint8_t *>(p);
	fd_ = fd.release();
	path_ = path;
}

MappedFile::~MappedFile()
{
	if (data_)
		munmap(const_cast<uint8_t *>(data_), size_);
	if (fd_ >= 0)
		close(fd_);
}

std::string hex_offset(uint64_t off)
{
	char b[32];
	snprintf(b, sizeof(b), "offset 0x%llx", (unsigned long long)off);
	return b;
}

namespace {
std::atomic<uint64_t> g_serial{1};
}

Image::Image(const std::string &path)
	: path_(path), file_(std::make_unique<MappedFile>(path)), data_(file_->bytes()), serial_(g_serial++)
{
	check_superblock();
	load_compr_cfgs();
	load_devices();
	load_prefixes();
}

Image::Image(const std::string &name, std::span<const uint8_t> bytes)
	: path_(name), data_(bytes), serial_(g_serial++)
{
	check_superblock();
	load_compr_cfgs();
	load_devices();
	load_prefixes();
}

void MappedFile::copy_out(std::span<const uint8_t> s, std::span<uint8_t> out) const
{
	uint64_t off = uint64_t(s.data() - data_);
	if (pread_full(fd_, out.first(s.size()), off, path_) != s.size())
		throw Error("image shorter than its mapping", path_);
}

const MappedFile *Image::file_holding(std::span<const uint8_t> s) const
{
	if (file_ && file_->holds(s))
		return file_.get();
	for (const auto &f : device_files_)
		if (f && f->holds(s))
			return f.get();
	return nullptr;
}

void Image::copy_out(std::span<const uint8_t> s, std::span<uint8_t> out) const
{
	if (const MappedFile *from = file_holding(s))
		from->copy_out(s, out);
	else
		std::copy(s.begin(), s.end(), out.begin());
}

void Image::stream(std::span<const uint8_t> s, std::vector<uint8_t> &buf,
		   const std::function<void(std::span<const uint8_t>)> &fn) const
{
	constexpr size_t kPiece = 256u << 10;
	const MappedFile *from = file_holding(s);
	if (!from) {
		if (!s.empty())
			fn(s);
		return;
	}
	if (buf.size() < std::min(kPiece, s.size()))
		buf.resize(std::min(kPiece, s.size()));
	for (size_t at = 0; at < s.size(); at += buf.size()) {
		auto piece = s.subspan(at, std::min(buf.size(), s.size() - at));
		from->copy_out(piece, buf);
		fn(std::span<const uint8_t>(buf).first(piece.size()));
	}
}

std::span<const uint8_t> Image::bytes(uint64_t off, uint64_t len, const std::string &what) const
{
	if (off > data_.size() || len > data_.size() - off)
		throw Error(what + " beyond the end of the image", hex_offset(off));
	return data_.subspan(size_t(off), size_t(len));
}

std::span<const uint8_t> Image::meta(uint64_t off, uint64_t len, const std::string &what) const
{
	auto s = bytes(off, len, what);
	if (!file_ || !file_->holds(s))
		return s;
	struct Window {
		uint64_t serial = 0, off = 0;
		std::vector<uint8_t> data;
	};
	thread_local Window w;
	if (w.serial == serial_ && off >= w.off && off + len <= w.off + w.data.size())
		return std::span<const uint8_t>(w.data).subspan(size_t(off - w.off), size_t(len));
	// Read on to the end of the block (at least kMetaWindow bytes): an
	// inode's xattrs and inline data follow it there.
	uint64_t end = std::max({off + len, off + kMetaWindow, (off / blksz_ + 1) * blksz_});
	end = std::min<uint64_t>(end, data_.size());
	w.serial = 0;
	w.data.resize(size_t(end - off));
	file_->copy_out(data_.subspan(size_t(off), size_t(end - off)), w.data);
	w.serial = serial_;
	w.off = off;
	return std::span<const uint8_t>(w.data).first(size_t(len));
}

void Image::load_devices()
{
	if (!(sb_.feature_incompat & incompat::kDeviceTable) || !sb_.extra_devices)
		return;
	uint64_t pos = uint64_t(sb_.devt_slotoff) * DeviceSlot::kSize;
	for (unsigned i = 0; i < sb_.extra_devices; i++) {
		auto raw = bytes(pos + uint64_t(i) * DeviceSlot::kSize, DeviceSlot::kSize, "device table");
		devices_.push_back(DeviceSlot::decode(raw, sb_.feature_incompat & incompat::k48bit));
	}
	device_files_.resize(devices_.size());
}

void Image::attach_device(unsigned dev, const std::string &file)
{
	if (dev == 0 || dev > devices_.size())
		throw Error("the image has no device " + std::to_string(dev), file);
	device_files_[dev - 1] = std::make_unique<MappedFile>(file);
}

std::span<const uint8_t> Image::device_bytes(unsigned dev, uint64_t off, uint64_t len, const std::string &what) const
{
	if (dev == 0)
		return bytes(off, len, what);
	if (dev > devices_.size())
		throw Error(what + " on device " + std::to_string(dev) + ", which the device table lacks",
			    hex_offset(off));
	const DeviceSlot &d = devices_[dev - 1];
	if (off > d.blocks * blksz_ || len > d.blocks * blksz_ - off)
		throw Error(what + " beyond the end of device " + std::to_string(dev), hex_offset(off));
	if (const auto &f = device_files_[dev - 1]) {
		auto all = f->bytes();
		if (off > all.size() || len > all.size() - off)
			throw Error(what + " beyond the end of the device file", hex_offset(off));
		return all.subspan(size_t(off), size_t(len));
	}
	if (!d.mapped_blkaddr)
		throw Error(what + " on device " + std::to_string(dev) + ", which has no mapped address (give --device)",
			    hex_offset(off));
	uint64_t flat = d.mapped_blkaddr * blksz_ + off;
	if (flat > data_.size() || len > data_.size() - flat)
		throw Error(what + " of device " + std::to_string(dev) +
				    " beyond the end of the image (append the device, e.g. the tar, to the image or give --device=FILE)",
			    hex_offset(flat));
	return data_.subspan(size_t(flat), size_t(len));
}

std::span<const uint8_t> Image::unified_bytes(uint64_t off, uint64_t len, const std::string &what) const
{
	for (size_t i = 0; i < devices_.size(); i++) {
		const DeviceSlot &d = devices_[i];
		if (!d.mapped_blkaddr || d.mapped_blkaddr > UINT64_MAX / blksz_)
			continue;
		uint64_t start = d.mapped_blkaddr * blksz_;
		if (off >= start && off - start < d.blocks * blksz_)
			return device_bytes(unsigned(i + 1), off - start, len, what);
	}
	return bytes(off, len, what);
}

uint64_t Image::iloc(uint64_t nid) const
{
	uint64_t base = uint64_t(sb_.meta_blkaddr) * blksz_;
	if (nid > (UINT64_MAX - base) >> kSlotBits)
		throw Error("nid out of range", "nid " + std::to_string(nid));
	uint64_t off = base + (nid << kSlotBits);
	if (off + InodeCompact::kSize > data_.size())
		throw Error("inode beyond the end of the image", "nid " + std::to_string(nid));
	return off;
}

void Image::check_superblock()
{
	auto raw = bytes(kSuperOffset, Superblock::kSize, "superblock");
	sb_ = Superblock::decode(raw);
	if (sb_.magic != kMagic)
		throw Error("bad magic (not an EROFS image)", "superblock");
	if (sb_.blkszbits < kMinBlkBits || sb_.blkszbits > kMaxBlkBits)
		throw Error("unsupported block size 2^" + std::to_string(sb_.blkszbits), "superblock");
	blksz_ = uint64_t(1) << sb_.blkszbits;
	// Newer than Linux 6.12: refused by name, as the kernel refuses them.
	if (sb_.feature_incompat & incompat::kMetabox)
		throw Error("metadata box (erofs-utils -m) is not supported: Linux 6.12 cannot mount it",
			    "superblock");
	if (sb_.feature_incompat & incompat::k48bit)
		throw Error("48-bit layout (erofs-utils -E48bit) is not supported: Linux 6.12 cannot mount it",
			    "superblock");
	uint32_t unknown = sb_.feature_incompat & ~incompat::kAll;
	if (unknown)
		throw Error("unsupported incompatible features 0x" + [&] {
			char b[16];
			snprintf(b, sizeof(b), "%x", unknown);
			return std::string(b);
		}(), "superblock");
	uint64_t crc_len = blksz_ > kSuperOffset ? blksz_ - kSuperOffset : blksz_;
	if (sb_.feature_compat & compat::kSbChksum) {
		auto blk = bytes(kSuperOffset, crc_len, "superblock checksum range");
		std::vector<uint8_t> copy(blk.begin(), blk.end());
		le::store<uint32_t>(copy, 4, 0);
		crc_ = crc32c_erofs(copy);
		if (crc_ != sb_.checksum)
			throw Error("superblock checksum mismatch", "superblock");
	}
	if (uint64_t(sb_.blocks) * blksz_ > data_.size())
		throw Error("image truncated: superblock says " + std::to_string(sb_.blocks) +
				    " blocks", hex_offset(data_.size()));
	iloc(sb_.root_nid);
}

void Image::load_prefixes()
{
	if (!sb_.xattr_prefix_count)
		return;
	// Linux 6.12 reads the table from the packed inode when there is one
	// (erofs-utils puts it there with fragments, unless it sets
	// PLAIN_XATTR_PFX); otherwise from the image.
	bool packed = sb_.packed_nid && !(sb_.feature_compat & compat::kPlainXattrPfx);
	std::vector<uint8_t> tmp;
	auto get = [&](uint64_t pos, uint64_t len, const char *what) -> std::span<const uint8_t> {
		if (!packed)
			return bytes(pos, len, what);
		tmp.resize(len);
		read_packed(pos, tmp, what);
		return tmp;
	};
	std::vector<LongPrefix> longs;
	uint64_t pos = uint64_t(sb_.xattr_prefix_start) * 4;
	for (unsigned i = 0; i < sb_.xattr_prefix_count; i++) {
		size_t len = le::u16(get(pos, 2, "xattr prefix table"), 0);
		auto rec = get(pos, 2 + len, "xattr prefix record");
		LongPrefix lp;
		size_t used = 0;
		if (!LongPrefix::decode(rec, lp, used) || lp.infix.size() > kNameMax)
			throw Error("bad long xattr prefix record " + std::to_string(i), hex_offset(pos));
		longs.push_back(std::move(lp));
		pos += used;
	}
	prefixes_ = XattrPrefixes(std::move(longs));
	if ((sb_.feature_compat & compat::kIshareXattrs) &&
	    (sb_.ishare_xattr_prefix_id & 0x7F) >= sb_.xattr_prefix_count)
		throw Error("ishare prefix id beyond the prefix table", "superblock");
}

// One record per available algorithm after the superblock (ONDISK c.5):
// 4-byte aligned, le16 length, payload.
void Image::load_compr_cfgs()
{
	if (!has_compr_cfgs())
		return;
	algs_ = sb_.u1;
	if (algs_ & ~uint16_t((1u << 4) - 1))
		throw Error("unknown compression algorithms in the superblock", "superblock");
	uint64_t pos = kSuperOffset + Superblock::kSize + 16 * uint64_t(sb_.sb_extslots);
	for (unsigned alg = 0; alg < 4; alg++) {
		if (!(algs_ & (1u << alg)))
			continue;
		pos = (pos + 3) & ~uint64_t(3);
		size_t len = le::u16(bytes(pos, 2, "compression config"), 0);
		auto rec = bytes(pos + 2, len, "compression config");
		std::string where = "compression config " + std::to_string(alg) + " " + hex_offset(pos);
		switch (alg) {
		case 0:
			if (len < 14)
				throw Error("LZ4 config record too short", where);
			lz4_pclusterblks_ = std::max<uint16_t>(1, le::u16(rec, 2));
			if ((uint64_t(lz4_pclusterblks_) << sb_.blkszbits) > (1u << 20))
				throw Error("LZ4 pcluster limit above 1 MiB", where);
			break;
		case 1:
			if (len < 14)
				throw Error("LZMA config record too short", where);
			lzma_dict_ = le::u32(rec, 0);
			if (le::u16(rec, 4) != 0 || lzma_dict_ > (8u << 20))
				throw Error("unsupported LZMA format or dictionary size", where);
			break;
		case 2:
			// Linux 6.12 rejects only window bits above 15; erofs-utils
			// 1.9.3 records 0 (unspecified).
			if (len < 6 || rec[0] > 15)
				throw Error("bad DEFLATE config record", where);
			deflate_bits_ = rec[0];
			break;
		case 3:
			if (len < 6 || rec[0] != 0 || rec[1] > 10)
				throw Error("unsupported zstd format or window", where);
			zstd_windowlog_ = rec[1] + 10;
			break;
		}
		pos += 2 + len;
	}
}

std::optional<uint8_t> Image::ishare_index() const
{
	if (!(sb_.feature_compat & compat::kIshareXattrs))
		return std::nullopt;
	size_t id = sb_.ishare_xattr_prefix_id & 0x7F;
	if (id >= prefixes_.longs().size())
		return std::nullopt;
	return uint8_t(xidx::kLongPrefix | id);
}

std::optional<std::string> Image::ishare_key() const
{
	auto idx = ishare_index();
	if (!idx)
		return std::nullopt;
	return prefixes_.long_full(*idx & 0x7F);
}

}  // namespace erofs
