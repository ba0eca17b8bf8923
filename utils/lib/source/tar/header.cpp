#include "source/tar/header.hpp"

#include <algorithm>
#include <cstring>

#include "base/error.hpp"

namespace erofs {

namespace {

std::string field_str(std::span<const uint8_t> f)
{
	size_t n = 0;
	while (n < f.size() && f[n])
		n++;
	return std::string(reinterpret_cast<const char *>(f.data()), n);
}

uint64_t number(std::span<const uint8_t> b, size_t off, size_t len, const char *name, const std::string &where)
{
	auto f = b.subspan(off, len);
	auto v = parse_tar_number(f);
	if (!v)
		throw Error(std::string("malformed ") + name + " field", where);
	return *v;
}

void put_str(std::span<uint8_t> b, size_t off, size_t len, const std::string &s)
{
	std::memcpy(b.data() + off, s.data(), std::min(len, s.size()));
}

void put_num(std::span<uint8_t> b, size_t off, size_t len, uint64_t v)
{
	// octal with a NUL when it fits, else base-256
	uint64_t max = len - 1 >= 22 ? UINT64_MAX : (uint64_t(1) << (3 * (len - 1))) - 1;
	if (v <= max) {
		for (size_t i = len - 1; i-- > 0;) {
			b[off + i] = uint8_t('0' + (v & 7));
			v >>= 3;
		}
		b[off + len - 1] = 0;
		return;
	}
	for (size_t i = len; i-- > 1;) {
		b[off + i] = uint8_t(v & 0xff);
		v >>= 8;
	}
	b[off] = 0x80;
}

void sparse_entries(std::span<const uint8_t> b, size_t off, size_t count, std::vector<SparseSeg> &out,
		    const std::string &where)
{
	for (size_t i = 0; i < count; i++) {
		auto o = b.subspan(off + 24 * i, 12);
		if (o[0] == 0)
			break;
		SparseSeg s;
		s.off = number(b, off + 24 * i, 12, "sparse offset", where);
		s.len = number(b, off + 24 * i + 12, 12, "sparse length", where);
		out.push_back(s);
	}
}

}  // namespace

bool is_zero_block(std::span<const uint8_t> b)
{
	return std::all_of(b.begin(), b.end(), [](uint8_t c) { return c == 0; });
}

std::optional<uint64_t> parse_tar_number(std::span<const uint8_t> f)
{
	if (f.empty())
		return std::nullopt;
	if (f[0] & 0x80) {
		if (f[0] != 0x80)  // 0xff: negative; other bits: not a number
			return std::nullopt;
		uint64_t v = 0;
		for (size_t i = 1; i < f.size(); i++) {
			if (v >> 56)
				return std::nullopt;
			v = (v << 8) | f[i];
		}
		if (v > uint64_t(INT64_MAX))
			return std::nullopt;
		return v;
	}
	size_t i = 0;
	while (i < f.size() && (f[i] == ' ' || f[i] == 0))
		i++;
	if (i == f.size())
		return 0;  // an empty field reads as zero
	uint64_t v = 0;
	size_t digits = 0;
	for (; i < f.size() && f[i] >= '0' && f[i] <= '7'; i++, digits++) {
		if (v >> 60)
			return std::nullopt;
		v = v * 8 + (f[i] - '0');
	}
	for (; i < f.size(); i++)
		if (f[i] != ' ' && f[i] != 0)
			return std::nullopt;
	if (!digits || v > uint64_t(INT64_MAX))
		return std::nullopt;
	return v;
}

TarHeader TarHeader::decode(std::span<const uint8_t, kTarBlock> b, const std::string &where)
{
	auto chk = parse_tar_number(std::span<const uint8_t>(b).subspan(148, 8));
	if (!chk)
		throw Error("malformed header checksum field", where);
	uint64_t usum = 0;
	int64_t ssum = 0;
	for (size_t i = 0; i < kTarBlock; i++) {
		uint8_t c = (i >= 148 && i < 156) ? ' ' : b[i];
		usum += c;
		ssum += int8_t(c);
	}
	if (*chk != usum && int64_t(*chk) != ssum)
		throw Error("header checksum mismatch (stored " + std::to_string(*chk) + ", computed " +
				    std::to_string(usum) + ")",
			    where);
	TarHeader h;
	h.magic = std::string(reinterpret_cast<const char *>(b.data()) + 257, 8);
	h.typeflag = char(b[156]);
	h.name = field_str(b.subspan(0, 100));
	h.linkname = field_str(b.subspan(157, 100));
	h.mode = number(b, 100, 8, "mode", where);
	h.uid = number(b, 108, 8, "uid", where);
	h.gid = number(b, 116, 8, "gid", where);
	h.size = number(b, 124, 12, "size", where);
	h.mtime = int64_t(number(b, 136, 12, "mtime", where));
	if (h.posix() || h.gnu()) {
		h.uname = field_str(b.subspan(265, 32));
		h.gname = field_str(b.subspan(297, 32));
		if (h.typeflag == '3' || h.typeflag == '4') {
			h.devmajor = number(b, 329, 8, "devmajor", where);
			h.devminor = number(b, 337, 8, "devminor", where);
		}
	}
	if (h.posix()) {
		std::string prefix = field_str(b.subspan(345, 155));
		if (!prefix.empty())
			h.name = prefix + "/" + h.name;
	}
	if (h.gnu() && h.typeflag == 'S') {
		sparse_entries(b, 386, 4, h.gnu_sparse, where);
		h.gnu_sparse_more = b[482] != 0;
		h.gnu_realsize = number(b, 483, 12, "sparse real size", where);
	}
	return h;
}

void TarHeader::encode(std::span<uint8_t, kTarBlock> b) const
{
	std::fill(b.begin(), b.end(), 0);
	std::string n = name, prefix;
	if (n.size() > 100 && posix()) {
		size_t cut = n.rfind('/', 155);
		if (cut != std::string::npos && n.size() - cut - 1 <= 100) {
			prefix = n.substr(0, cut);
			n = n.substr(cut + 1);
		}
	}
	put_str(b, 0, 100, n);
	put_num(b, 100, 8, mode);
	put_num(b, 108, 8, uid);
	put_num(b, 116, 8, gid);
	put_num(b, 124, 12, size);
	put_num(b, 136, 12, uint64_t(mtime));
	b[156] = uint8_t(typeflag);
	put_str(b, 157, 100, linkname);
	put_str(b, 257, 8, magic);
	put_str(b, 265, 32, uname);
	put_str(b, 297, 32, gname);
	put_num(b, 329, 8, devmajor);
	put_num(b, 337, 8, devminor);
	if (gnu() && typeflag == 'S') {
		for (size_t i = 0; i < gnu_sparse.size() && i < 4; i++) {
			put_num(b, 386 + 24 * i, 12, gnu_sparse[i].off);
			put_num(b, 386 + 24 * i + 12, 12, gnu_sparse[i].len);
		}
		b[482] = gnu_sparse_more;
		put_num(b, 483, 12, gnu_realsize);
	} else {
		put_str(b, 345, 155, prefix);
	}
	std::memset(b.data() + 148, ' ', 8);
	uint64_t sum = 0;
	for (uint8_t c : b)
		sum += c;
	put_num(b, 148, 7, sum);
	b[155] = ' ';
}

void decode_sparse_ext(std::span<const uint8_t, kTarBlock> b, std::vector<SparseSeg> &out, bool &more,
		       const std::string &where)
{
	sparse_entries(b, 0, 21, out, where);
	more = b[504] != 0;
}

}  // namespace erofs
