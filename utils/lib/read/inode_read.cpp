#include "read/inode_read.hpp"

#include "base/error.hpp"

namespace erofs {

std::string where_nid(uint64_t nid)
{
	return "nid " + std::to_string(nid);
}

bool InodeInfo::is_device() const
{
	uint32_t t = mode & 0170000;
	return t == 0020000 || t == 0060000;
}

const char *layout_name(unsigned layout)
{
	static const char *names[] = {"flat-plain", "compressed-full", "flat-inline",
				      "compressed-compact", "chunk-based"};
	return layout < 5 ? names[layout] : "invalid";
}

namespace {

void check_mode(const InodeInfo &i)
{
	switch (i.mode & 0170000) {
	case 0100000: case 0040000: case 0120000: case 0020000:
	case 0060000: case 0010000: case 0140000:
		return;
	}
	throw Error("invalid file type in i_mode", where_nid(i.nid));
}

}  // namespace

InodeInfo read_inode(const Image &img, uint64_t nid)
{
	InodeInfo i;
	i.nid = nid;
	i.off = img.iloc(nid);
	// By pread into this thread's window, not through the mapping: a walk
	// over every inode keeps a small resident set.
	uint16_t fmt = le::u16(img.meta(i.off, 2, "inode"), 0);
	if (fmt & 0x10)  // EROFS_I_DOT_OMITTED_BIT: Linux 6.12 knows bits 0..3 only
		throw Error("directory without '.' (erofs-utils -Edot-omitted) is not supported: "
			    "Linux 6.12 cannot read it",
			    where_nid(nid));
	if (fmt & ~uint16_t(0x0F))
		throw Error("unknown i_format bits", where_nid(nid));
	i.extended = format_extended(fmt);
	i.layout = format_layout(fmt);
	if (i.layout > 4)
		throw Error("invalid data layout " + std::to_string(i.layout), where_nid(nid));
	uint16_t icount;
	if (i.extended) {
		auto d = InodeExtended::decode(img.meta(i.off, InodeExtended::kSize, "inode"));
		icount = d.xattr_icount;
		i.mode = d.mode, i.uid = d.uid, i.gid = d.gid, i.size = d.size;
		i.mtime = int64_t(d.mtime), i.mtime_nsec = d.mtime_nsec;
		i.nlink = d.nlink, i.ino = d.ino, i.i_u = d.i_u;
	} else {
		auto d = InodeCompact::decode(img.meta(i.off, InodeCompact::kSize, "inode"));
		icount = d.xattr_icount;
		i.mode = d.mode, i.uid = d.uid, i.gid = d.gid, i.size = d.size;
		// Unsigned sum, then two's complement, as Linux's s64 epoch + u32
		// does: no signed overflow for any epoch (fuzzer finding).
		i.mtime = int64_t(img.sb().epoch + uint64_t(d.mtime));
		i.mtime_nsec = img.sb().fixed_nsec;
		i.nlink = d.nlink, i.ino = d.ino, i.i_u = d.i_u;
	}
	check_mode(i);
	if (i.size > (uint64_t(1) << 62))
		throw Error("file size out of range", where_nid(nid));
	i.xattr_size = uint32_t(xattr_ibody_size(icount));
	i.inline_off = i.off + i.isize() + i.xattr_size;
	img.bytes(i.off, i.isize() + i.xattr_size, "inode xattr body");
	return i;
}

}  // namespace erofs
