// read_xattrs(): the xattr body of an inode, shared entries resolved.
#include "base/error.hpp"
#include "read/inode_read.hpp"

namespace erofs {

namespace {

// Decodes one entry at `off`, not past `end`; returns its padded size.
size_t decode_entry(const Image &img, uint64_t off, uint64_t end, XattrKV &kv, const std::string &where)
{
	if (off + XattrEntry::kSize > end)
		throw Error("xattr entry crosses the end of its area", where);
	auto e = XattrEntry::decode(img.bytes(off, XattrEntry::kSize, "xattr entry"));
	if (off + e.total_size() > end)
		throw Error("xattr entry longer than its area", where);
	auto body = img.bytes(off + XattrEntry::kSize, e.name_len + size_t(e.value_size), "xattr entry");
	std::string suffix(reinterpret_cast<const char *>(body.data()), e.name_len);
	auto full = img.prefixes().decode(e.name_index, suffix);
	if (!full)
		throw Error("unknown xattr name index " + std::to_string(e.name_index), where);
	kv.name = *full;
	kv.index = e.name_index;
	kv.value.assign(reinterpret_cast<const char *>(body.data()) + e.name_len, e.value_size);
	return e.total_size();
}

bool is_padding(const Image &img, uint64_t off, uint64_t end)
{
	auto b = img.bytes(off, end - off, "xattr body");
	for (uint8_t c : b)
		if (c)
			return false;
	return true;
}

}  // namespace

std::vector<XattrKV> read_xattrs(const Image &img, const InodeInfo &ino)
{
	std::vector<XattrKV> out;
	if (!ino.xattr_size)
		return out;
	std::string where = where_nid(ino.nid);
	if (ino.xattr_size <= XattrIbodyHeader::kSize)
		throw Error("xattr body with a bare header", where);
	uint64_t start = ino.off + ino.isize();
	uint64_t end = start + ino.xattr_size;
	auto h = XattrIbodyHeader::decode(img.bytes(start, XattrIbodyHeader::kSize, "xattr header"));
	uint64_t pos = start + XattrIbodyHeader::kSize;
	if (pos + 4 * uint64_t(h.shared_count) > end)
		throw Error("shared xattr count beyond the xattr body", where);
	uint64_t shared_base = uint64_t(img.sb().xattr_blkaddr) * img.blksz();
	for (unsigned k = 0; k < h.shared_count; k++, pos += 4) {
		uint32_t id = le::u32(img.bytes(pos, 4, "shared xattr id"), 0);
		uint64_t eoff = shared_base + uint64_t(id) * 4;
		if (eoff >= img.size())
			throw Error("shared xattr id " + std::to_string(id) + " beyond the image", where);
		XattrKV kv;
		kv.shared = true;
		decode_entry(img, eoff, img.size(), kv, where + " shared xattr " + std::to_string(id));
		out.push_back(std::move(kv));
	}
	while (pos < end) {
		if (is_padding(img, pos, end))
			break;
		XattrKV kv;
		pos += decode_entry(img, pos, end, kv, where);
		out.push_back(std::move(kv));
	}
	return out;
}

}  // namespace erofs
