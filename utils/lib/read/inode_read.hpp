// Decoding inodes, xattr bodies and data mappings of an Image, with every
// length, offset and index checked.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "read/image.hpp"

namespace erofs {

struct InodeInfo {
	uint64_t nid = 0;
	uint64_t off = 0;        // byte offset of the on-disk inode
	bool extended = false;
	unsigned layout = 0;     // DataLayout value
	uint32_t mode = 0;
	uint32_t uid = 0;
	uint32_t gid = 0;
	uint64_t size = 0;
	int64_t mtime = 0;
	uint32_t mtime_nsec = 0;
	uint32_t nlink = 0;
	uint32_t ino = 0;
	uint32_t i_u = 0;
	uint32_t xattr_size = 0;
	uint64_t inline_off = 0; // first byte after inode + xattr body

	uint64_t isize() const { return extended ? InodeExtended::kSize : InodeCompact::kSize; }
	bool is_dir() const { return (mode & 0170000) == 0040000; }
	bool is_reg() const { return (mode & 0170000) == 0100000; }
	bool is_symlink() const { return (mode & 0170000) == 0120000; }
	bool is_device() const;
	bool compressed() const { return layout == 1 || layout == 3; }
};

InodeInfo read_inode(const Image &img, uint64_t nid);

const char *layout_name(unsigned layout);

struct XattrKV {
	std::string name;    // full name ("" base for hidden names)
	std::string value;
	uint8_t index = 0;
	bool shared = false;
};

std::vector<XattrKV> read_xattrs(const Image &img, const InodeInfo &ino);

// One piece of a file's content: `len` bytes at logical `pos`, either at
// physical byte `phys` or a hole (zeros).
struct Extent {
	uint64_t pos = 0;
	uint64_t len = 0;
	bool hole = false;
	uint64_t phys = 0;
	std::span<const uint8_t> data;  // the len content bytes (empty for holes)
};

// Calls fn for each extent in logical order; extents cover [0, size).
void for_each_extent(const Image &img, const InodeInfo &ino, const std::function<void(const Extent &)> &fn);

// The whole content (use only for directories and symlinks).
std::vector<uint8_t> read_all(const Image &img, const InodeInfo &ino);

std::string where_nid(uint64_t nid);

}  // namespace erofs
