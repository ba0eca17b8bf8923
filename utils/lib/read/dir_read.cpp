#include "read/dir_read.hpp"

#include <cstring>

#include "base/error.hpp"

namespace erofs {

uint8_t file_type_of_mode(uint32_t mode)
{
	switch (mode & 0170000) {
	case 0100000: return uint8_t(FileType::Regular);
	case 0040000: return uint8_t(FileType::Directory);
	case 0020000: return uint8_t(FileType::CharDev);
	case 0060000: return uint8_t(FileType::BlockDev);
	case 0010000: return uint8_t(FileType::Fifo);
	case 0140000: return uint8_t(FileType::Socket);
	case 0120000: return uint8_t(FileType::Symlink);
	}
	return uint8_t(FileType::Unknown);
}

namespace {

void parse_block(std::span<const uint8_t> b, const std::string &where, std::vector<DirEntryInfo> &out)
{
	if (b.size() < Dirent::kSize)
		throw Error("directory block too short", where);
	auto first = Dirent::decode(b);
	if (first.nameoff < Dirent::kSize || first.nameoff >= b.size() || first.nameoff % Dirent::kSize)
		throw Error("bad first name offset " + std::to_string(first.nameoff), where);
	size_t count = first.nameoff / Dirent::kSize;
	size_t start = out.size();
	for (size_t i = 0; i < count; i++) {
		auto d = Dirent::decode(b.subspan(i * Dirent::kSize));
		size_t end;
		if (i + 1 < count) {
			end = Dirent::decode(b.subspan((i + 1) * Dirent::kSize)).nameoff;
		} else {
			auto *nul = static_cast<const uint8_t *>(memchr(b.data() + d.nameoff, 0, b.size() - std::min<size_t>(d.nameoff, b.size())));
			end = nul ? size_t(nul - b.data()) : b.size();
		}
		if (d.nameoff >= b.size() || end > b.size() || end <= d.nameoff || end - d.nameoff > kNameMax)
			throw Error("bad name offset or length in dirent " + std::to_string(i), where);
		std::string name(reinterpret_cast<const char *>(b.data()) + d.nameoff, end - d.nameoff);
		if (name.find('/') != std::string::npos || name.find('\0') != std::string::npos)
			throw Error("invalid character in file name", where);
		if (d.file_type > uint8_t(FileType::Symlink))
			throw Error("invalid file type " + std::to_string(d.file_type), where);
		if (out.size() > start && !(out.back().name < name))
			throw Error("directory entries out of order at \"" + name + "\"", where);
		out.push_back({std::move(name), d.nid, d.file_type});
	}
}

}  // namespace

std::vector<DirEntryInfo> read_dir(const Image &img, const InodeInfo &dir)
{
	if (!dir.is_dir())
		throw Error("not a directory", where_nid(dir.nid));
	auto data = read_all(img, dir);
	std::vector<DirEntryInfo> out;
	uint64_t bs = img.blksz();
	for (uint64_t off = 0; off < data.size(); off += bs) {
		std::span<const uint8_t> b(data.data() + off, std::min<uint64_t>(bs, data.size() - off));
		parse_block(b, where_nid(dir.nid) + " block " + std::to_string(off / bs), out);
	}
	return out;
}

InodeInfo lookup(const Image &img, const std::string &path)
{
	InodeInfo cur = read_inode(img, img.root_nid());
	size_t pos = 0;
	unsigned depth = 0;
	while (pos < path.size()) {
		size_t next = path.find('/', pos);
		if (next == std::string::npos)
			next = path.size();
		std::string comp = path.substr(pos, next - pos);
		pos = next + 1;
		if (comp.empty() || comp == ".")
			continue;
		if (++depth > 4096)
			throw Error("path too deep", path);
		if (!cur.is_dir())
			throw Error("not a directory", path);
		bool found = false;
		for (const auto &e : read_dir(img, cur)) {
			if (e.name == comp) {
				cur = read_inode(img, e.nid);
				found = true;
				break;
			}
		}
		if (!found)
			throw Error("no such file or directory", path);
	}
	return cur;
}

}  // namespace erofs
