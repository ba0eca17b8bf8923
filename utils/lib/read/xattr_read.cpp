// read_xattrs(): the xattr body of an inode, shared entries resolved.
#include "base/error.hpp"
#include "read/inode_read.hpp"

namespace erofs {

namespace {

// Decodes one entry at the start of `area` (the rest of its xattr area);
// returns its padded size.
size_t decode_entry(const Image &img, std::span<const uint8_t> area, XattrKV &kv, const std::string &where)
{
	if (area.size() < XattrEntry::kSize)
		throw Error("xattr entry crosses the end of its area", where);
	auto e = XattrEntry::decode(area.first(XattrEntry::kSize));
	if (e.total_size() > area.size())
		throw Error("xattr entry longer than its area", where);
	auto body = area.subspan(XattrEntry::kSize, e.name_len + size_t(e.value_size));
	std::string suffix(reinterpret_cast<const char *>(body.data()), e.name_len);
	auto full = img.prefixes().decode(e.name_index, suffix);
	if (!full)
		throw Error("unknown xattr name index " + std::to_string(e.name_index), where);
	kv.name = *full;
	kv.index = e.name_index;
	kv.value.assign(reinterpret_cast<const char *>(body.data()) + e.name_len, e.value_size);
	return e.total_size();
}

bool is_padding(std::span<const uint8_t> b)
{
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
	// The in-inode body by pread (Image::meta, usually the window read
	// with the inode): valid until the next meta() call, which the shared
	// entries below (read through the mapping) do not make.
	auto ibody = img.meta(start, ino.xattr_size, "xattr body");
	auto h = XattrIbodyHeader::decode(ibody.first(XattrIbodyHeader::kSize));
	size_t pos = XattrIbodyHeader::kSize;
	if (pos + 4 * uint64_t(h.shared_count) > ibody.size())
		throw Error("shared xattr count beyond the xattr body", where);
	uint64_t shared_base = uint64_t(img.sb().xattr_blkaddr) * img.blksz();
	for (unsigned k = 0; k < h.shared_count; k++, pos += 4) {
		uint32_t id = le::u32(ibody, pos);
		uint64_t eoff = shared_base + uint64_t(id) * 4;
		if (eoff >= img.size())
			throw Error("shared xattr id " + std::to_string(id) + " beyond the image", where);
		XattrKV kv;
		kv.shared = true;
		decode_entry(img, img.bytes(eoff, img.size() - eoff, "xattr entry"), kv,
			     where + " shared xattr " + std::to_string(id));
		out.push_back(std::move(kv));
	}
	while (pos < ibody.size()) {
		if (is_padding(ibody.subspan(pos)))
			break;
		XattrKV kv;
		pos += decode_entry(img, ibody.subspan(pos), kv, where);
		out.push_back(std::move(kv));
	}
	return out;
}

}  // namespace erofs
