// EROFS on-disk format: constants and small value types with explicit
// little-endian encode/decode.  Facts come from the shared ONDISK.md notes
// and the Linux 6.12 fs/erofs reader; all integers on disk are little-endian.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "erofs/le.hpp"

namespace erofs {

inline constexpr uint32_t kMagic = 0xE0F5E1E2;
inline constexpr uint64_t kSuperOffset = 1024;
inline constexpr unsigned kSlotBits = 5;          // nid = 32-byte slot index
inline constexpr unsigned kNameMax = 255;         // longest dirent name
inline constexpr uint32_t kNullAddr = 0xFFFFFFFF; // unmapped block address
inline constexpr unsigned kMinBlkBits = 9;
inline constexpr unsigned kMaxBlkBits = 12;

namespace compat {
inline constexpr uint32_t kSbChksum = 0x01;
inline constexpr uint32_t kMtime = 0x02;
inline constexpr uint32_t kXattrFilter = 0x04;
inline constexpr uint32_t kSharedEaInMetabox = 0x08;
inline constexpr uint32_t kPlainXattrPfx = 0x10;
inline constexpr uint32_t kIshareXattrs = 0x20;
}  // namespace compat

namespace incompat {
inline constexpr uint32_t kZeroPadding = 0x001;
inline constexpr uint32_t kComprCfgs = 0x002;
inline constexpr uint32_t kChunkedFile = 0x004;
inline constexpr uint32_t kDeviceTable = 0x008;
inline constexpr uint32_t kZtailpacking = 0x010;
inline constexpr uint32_t kFragments = 0x020;
inline constexpr uint32_t kXattrPrefixes = 0x040;
inline constexpr uint32_t k48bit = 0x080;
inline constexpr uint32_t kMetabox = 0x100;
inline constexpr uint32_t kAll = 0x1FF;
}  // namespace incompat

enum class DataLayout : uint8_t {
	FlatPlain = 0,
	CompressedFull = 1,
	FlatInline = 2,
	CompressedCompact = 3,
	ChunkBased = 4,
};

// Directory entry file types (EROFS_FT_*).
enum class FileType : uint8_t {
	Unknown = 0, Regular = 1, Directory = 2, CharDev = 3,
	BlockDev = 4, Fifo = 5, Socket = 6, Symlink = 7,
};

namespace xidx {
inline constexpr uint8_t kNone = 0;
inline constexpr uint8_t kUser = 1;
inline constexpr uint8_t kAclAccess = 2;
inline constexpr uint8_t kAclDefault = 3;
inline constexpr uint8_t kTrusted = 4;
inline constexpr uint8_t kLustre = 5;
inline constexpr uint8_t kSecurity = 6;
inline constexpr uint8_t kLongPrefix = 0x80;
inline constexpr uint8_t kLongPrefixMask = 0x7F;
}  // namespace xidx

inline constexpr uint32_t kXattrFilterSeed = 0x25BBE08F;
inline constexpr unsigned kXattrFilterBits = 32;

// Chunk format bits in i_u of CHUNK_BASED inodes.
inline constexpr uint16_t kChunkBlkbitsMask = 0x1F;
inline constexpr uint16_t kChunkIndexes = 0x20;

struct Superblock {
	static constexpr size_t kSize = 128;
	uint32_t magic = kMagic;
	uint32_t checksum = 0;
	uint32_t feature_compat = 0;
	uint8_t blkszbits = 12;
	uint8_t sb_extslots = 0;
	uint16_t root_nid = 0;
	uint64_t inos = 0;
	uint64_t epoch = 0;
	uint32_t fixed_nsec = 0;
	uint32_t blocks = 0;
	uint32_t meta_blkaddr = 0;
	uint32_t xattr_blkaddr = 0;
	std::array<uint8_t, 16> uuid{};
	std::array<uint8_t, 16> volume_name{};
	uint32_t feature_incompat = 0;
	uint16_t u1 = 0;  // available_compr_algs or lz4_max_distance
	uint16_t extra_devices = 0;
	uint16_t devt_slotoff = 0;
	uint8_t dirblkbits = 0;
	uint8_t xattr_prefix_count = 0;
	uint32_t xattr_prefix_start = 0;
	uint64_t packed_nid = 0;
	uint8_t xattr_filter_reserved = 0;
	uint8_t ishare_xattr_prefix_id = 0;
	uint32_t build_time = 0;
	uint64_t rootnid_8b = 0;

	void encode(std::span<uint8_t> out) const;
	static Superblock decode(std::span<const uint8_t> in);
	bool operator==(const Superblock &) const = default;
};

// i_format helpers.
inline constexpr uint16_t make_format(bool extended, DataLayout l)
{
	return static_cast<uint16_t>((extended ? 1 : 0) | (static_cast<unsigned>(l) << 1));
}
inline constexpr bool format_extended(uint16_t f) { return f & 1; }
inline constexpr unsigned format_layout(uint16_t f) { return (f >> 1) & 7; }

struct InodeCompact {
	static constexpr size_t kSize = 32;
	uint16_t format = 0;
	uint16_t xattr_icount = 0;
	uint16_t mode = 0;
	uint16_t nlink = 0;
	uint32_t size = 0;
	uint32_t mtime = 0;  // relative to epoch; mkfs writes 0
	uint32_t i_u = 0;
	uint32_t ino = 0;
	uint16_t uid = 0;
	uint16_t gid = 0;

	void encode(std::span<uint8_t> out) const;
	static InodeCompact decode(std::span<const uint8_t> in);
	bool operator==(const InodeCompact &) const = default;
};

struct InodeExtended {
	static constexpr size_t kSize = 64;
	uint16_t format = 1;
	uint16_t xattr_icount = 0;
	uint16_t mode = 0;
	uint16_t nb = 0;
	uint64_t size = 0;
	uint32_t i_u = 0;
	uint32_t ino = 0;
	uint32_t uid = 0;
	uint32_t gid = 0;
	uint64_t mtime = 0;
	uint32_t mtime_nsec = 0;
	uint32_t nlink = 0;

	void encode(std::span<uint8_t> out) const;
	static InodeExtended decode(std::span<const uint8_t> in);
	bool operator==(const InodeExtended &) const = default;
};

// Size of the xattr body given i_xattr_icount, and the inverse.
inline constexpr size_t xattr_ibody_size(uint16_t icount)
{
	return icount ? 12 + 4 * (size_t(icount) - 1) : 0;
}
inline constexpr uint16_t xattr_icount(size_t ibody_size)
{
	return ibody_size ? static_cast<uint16_t>((ibody_size - 12) / 4 + 1) : 0;
}

struct XattrIbodyHeader {
	static constexpr size_t kSize = 12;
	uint32_t name_filter = 0;
	uint8_t shared_count = 0;

	void encode(std::span<uint8_t> out) const;
	static XattrIbodyHeader decode(std::span<const uint8_t> in);
	bool operator==(const XattrIbodyHeader &) const = default;
};

struct XattrEntry {
	static constexpr size_t kSize = 4;
	uint8_t name_len = 0;
	uint8_t name_index = 0;
	uint16_t value_size = 0;

	// Entry size on disk including name and value, padded to 4 bytes.
	size_t total_size() const { return (kSize + name_len + value_size + 3) & ~size_t(3); }
	void encode(std::span<uint8_t> out) const;
	static XattrEntry decode(std::span<const uint8_t> in);
	bool operator==(const XattrEntry &) const = default;
};

struct Dirent {
	static constexpr size_t kSize = 12;
	uint64_t nid = 0;
	uint16_t nameoff = 0;
	uint8_t file_type = 0;

	void encode(std::span<uint8_t> out) const;
	static Dirent decode(std::span<const uint8_t> in);
	bool operator==(const Dirent &) const = default;
};

// One record of the long xattr name prefix table: le16 length, then the
// base (short prefix) index and the infix.  Records are 4-byte aligned.
struct LongPrefix {
	uint8_t base_index = 0;
	std::string infix;

	size_t record_size() const { return (2 + 1 + infix.size() + 3) & ~size_t(3); }
	void encode(std::span<uint8_t> out) const;  // writes record_size() bytes
	// Decodes the record at the start of `in`; returns false if truncated.
	static bool decode(std::span<const uint8_t> in, LongPrefix &out, size_t &used);
	bool operator==(const LongPrefix &) const = default;
};

// One slot of the device table (INCOMPAT_DEVICE_TABLE), 128 bytes at
// devt_slotoff * 128: a tag naming the blob, its size in blocks, and the
// block where it starts in the unified (flat) address space.
struct DeviceSlot {
	static constexpr size_t kSize = 128;
	std::array<uint8_t, 64> tag{};
	uint64_t blocks = 0;         // blocks_lo @64, blocks_hi @72
	uint64_t mapped_blkaddr = 0; // uniaddr_lo @68, uniaddr_hi @74

	void encode(std::span<uint8_t> out) const
	{
		std::fill(out.begin(), out.begin() + kSize, uint8_t(0));
		std::copy(tag.begin(), tag.end(), out.begin());
		le::store<uint32_t>(out, 64, uint32_t(blocks));
		le::store<uint32_t>(out, 68, uint32_t(mapped_blkaddr));
		le::store<uint16_t>(out, 72, uint16_t(blocks >> 32));
		le::store<uint16_t>(out, 74, uint16_t(mapped_blkaddr >> 32));
	}
	// The high halves count only in 48-bit images.
	static DeviceSlot decode(std::span<const uint8_t> in, bool bits48)
	{
		DeviceSlot d;
		std::copy(in.begin(), in.begin() + 64, d.tag.begin());
		d.blocks = le::u32(in, 64) | (bits48 ? uint64_t(le::u16(in, 72)) << 32 : 0);
		d.mapped_blkaddr = le::u32(in, 68) | (bits48 ? uint64_t(le::u16(in, 74)) << 32 : 0);
		return d;
	}
	bool operator==(const DeviceSlot &) const = default;
};

// Linux "new" device number encoding used in i_u.
inline constexpr uint32_t encode_dev(uint32_t major, uint32_t minor)
{
	return (minor & 0xFF) | (major << 8) | ((minor & ~0xFFu) << 12);
}
inline constexpr uint32_t dev_major(uint32_t rdev) { return (rdev & 0xFFF00) >> 8; }
inline constexpr uint32_t dev_minor(uint32_t rdev) { return (rdev & 0xFF) | ((rdev >> 12) & 0xFFF00); }

// ---- inline implementations ----

inline void Superblock::encode(std::span<uint8_t> b) const
{
	std::fill(b.begin(), b.begin() + kSize, uint8_t(0));
	le::store<uint32_t>(b, 0, magic);
	le::store<uint32_t>(b, 4, checksum);
	le::store<uint32_t>(b, 8, feature_compat);
	b[12] = blkszbits;
	b[13] = sb_extslots;
	le::store<uint16_t>(b, 14, root_nid);
	le::store<uint64_t>(b, 16, inos);
	le::store<uint64_t>(b, 24, epoch);
	le::store<uint32_t>(b, 32, fixed_nsec);
	le::store<uint32_t>(b, 36, blocks);
	le::store<uint32_t>(b, 40, meta_blkaddr);
	le::store<uint32_t>(b, 44, xattr_blkaddr);
	std::copy(uuid.begin(), uuid.end(), b.begin() + 48);
	std::copy(volume_name.begin(), volume_name.end(), b.begin() + 64);
	le::store<uint32_t>(b, 80, feature_incompat);
	le::store<uint16_t>(b, 84, u1);
	le::store<uint16_t>(b, 86, extra_devices);
	le::store<uint16_t>(b, 88, devt_slotoff);
	b[90] = dirblkbits;
	b[91] = xattr_prefix_count;
	le::store<uint32_t>(b, 92, xattr_prefix_start);
	le::store<uint64_t>(b, 96, packed_nid);
	b[104] = xattr_filter_reserved;
	b[105] = ishare_xattr_prefix_id;
	le::store<uint32_t>(b, 108, build_time);
	le::store<uint64_t>(b, 112, rootnid_8b);
}

inline Superblock Superblock::decode(std::span<const uint8_t> b)
{
	Superblock s;
	s.magic = le::u32(b, 0);
	s.checksum = le::u32(b, 4);
	s.feature_compat = le::u32(b, 8);
	s.blkszbits = b[12];
	s.sb_extslots = b[13];
	s.root_nid = le::u16(b, 14);
	s.inos = le::u64(b, 16);
	s.epoch = le::u64(b, 24);
	s.fixed_nsec = le::u32(b, 32);
	s.blocks = le::u32(b, 36);
	s.meta_blkaddr = le::u32(b, 40);
	s.xattr_blkaddr = le::u32(b, 44);
	std::copy(b.begin() + 48, b.begin() + 64, s.uuid.begin());
	std::copy(b.begin() + 64, b.begin() + 80, s.volume_name.begin());
	s.feature_incompat = le::u32(b, 80);
	s.u1 = le::u16(b, 84);
	s.extra_devices = le::u16(b, 86);
	s.devt_slotoff = le::u16(b, 88);
	s.dirblkbits = b[90];
	s.xattr_prefix_count = b[91];
	s.xattr_prefix_start = le::u32(b, 92);
	s.packed_nid = le::u64(b, 96);
	s.xattr_filter_reserved = b[104];
	s.ishare_xattr_prefix_id = b[105];
	s.build_time = le::u32(b, 108);
	s.rootnid_8b = le::u64(b, 112);
	return s;
}

inline void InodeCompact::encode(std::span<uint8_t> b) const
{
	std::fill(b.begin(), b.begin() + kSize, uint8_t(0));
	le::store<uint16_t>(b, 0, format);
	le::store<uint16_t>(b, 2, xattr_icount);
	le::store<uint16_t>(b, 4, mode);
	le::store<uint16_t>(b, 6, nlink);
	le::store<uint32_t>(b, 8, size);
	le::store<uint32_t>(b, 12, mtime);
	le::store<uint32_t>(b, 16, i_u);
	le::store<uint32_t>(b, 20, ino);
	le::store<uint16_t>(b, 24, uid);
	le::store<uint16_t>(b, 26, gid);
}

inline InodeCompact InodeCompact::decode(std::span<const uint8_t> b)
{
	InodeCompact i;
	i.format = le::u16(b, 0);
	i.xattr_icount = le::u16(b, 2);
	i.mode = le::u16(b, 4);
	i.nlink = le::u16(b, 6);
	i.size = le::u32(b, 8);
	i.mtime = le::u32(b, 12);
	i.i_u = le::u32(b, 16);
	i.ino = le::u32(b, 20);
	i.uid = le::u16(b, 24);
	i.gid = le::u16(b, 26);
	return i;
}

inline void InodeExtended::encode(std::span<uint8_t> b) const
{
	std::fill(b.begin(), b.begin() + kSize, uint8_t(0));
	le::store<uint16_t>(b, 0, format);
	le::store<uint16_t>(b, 2, xattr_icount);
	le::store<uint16_t>(b, 4, mode);
	le::store<uint16_t>(b, 6, nb);
	le::store<uint64_t>(b, 8, size);
	le::store<uint32_t>(b, 16, i_u);
	le::store<uint32_t>(b, 20, ino);
	le::store<uint32_t>(b, 24, uid);
	le::store<uint32_t>(b, 28, gid);
	le::store<uint64_t>(b, 32, mtime);
	le::store<uint32_t>(b, 40, mtime_nsec);
	le::store<uint32_t>(b, 44, nlink);
}

inline InodeExtended InodeExtended::decode(std::span<const uint8_t> b)
{
	InodeExtended i;
	i.format = le::u16(b, 0);
	i.xattr_icount = le::u16(b, 2);
	i.mode = le::u16(b, 4);
	i.nb = le::u16(b, 6);
	i.size = le::u64(b, 8);
	i.i_u = le::u32(b, 16);
	i.ino = le::u32(b, 20);
	i.uid = le::u32(b, 24);
	i.gid = le::u32(b, 28);
	i.mtime = le::u64(b, 32);
	i.mtime_nsec = le::u32(b, 40);
	i.nlink = le::u32(b, 44);
	return i;
}

inline void XattrIbodyHeader::encode(std::span<uint8_t> b) const
{
	std::fill(b.begin(), b.begin() + kSize, uint8_t(0));
	le::store<uint32_t>(b, 0, name_filter);
	b[4] = shared_count;
}

inline XattrIbodyHeader XattrIbodyHeader::decode(std::span<const uint8_t> b)
{
	return {le::u32(b, 0), b[4]};
}

inline void XattrEntry::encode(std::span<uint8_t> b) const
{
	b[0] = name_len;
	b[1] = name_index;
	le::store<uint16_t>(b, 2, value_size);
}

inline XattrEntry XattrEntry::decode(std::span<const uint8_t> b)
{
	return {b[0], b[1], le::u16(b, 2)};
}

inline void Dirent::encode(std::span<uint8_t> b) const
{
	le::store<uint64_t>(b, 0, nid);
	le::store<uint16_t>(b, 8, nameoff);
	b[10] = file_type;
	b[11] = 0;
}

inline Dirent Dirent::decode(std::span<const uint8_t> b)
{
	return {le::u64(b, 0), le::u16(b, 8), b[10]};
}

inline void LongPrefix::encode(std::span<uint8_t> b) const
{
	std::fill(b.begin(), b.begin() + record_size(), uint8_t(0));
	le::store<uint16_t>(b, 0, static_cast<uint16_t>(1 + infix.size()));
	b[2] = base_index;
	std::copy(infix.begin(), infix.end(), b.begin() + 3);
}

inline bool LongPrefix::decode(std::span<const uint8_t> b, LongPrefix &out, size_t &used)
{
	if (b.size() < 3)
		return false;
	size_t len = le::u16(b, 0);
	if (len < 1 || 2 + len > b.size())
		return false;
	out.base_index = b[2];
	out.infix.assign(reinterpret_cast<const char *>(b.data()) + 3, len - 1);
	used = (2 + len + 3) & ~size_t(3);
	return true;
}

}  // namespace erofs
