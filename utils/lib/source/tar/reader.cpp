#include "source/tar/reader.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <grp.h>
#include <pwd.h>

#include "base/error.hpp"

namespace erofs {

namespace {

constexpr uint64_t kMaxPax = 16 << 20;     // one PAX header's records
constexpr uint64_t kMaxName = 64 << 10;    // GNU long name / link
constexpr size_t kMaxSegments = 1 << 20;   // sparse map entries
constexpr uint64_t kMaxHollow = uint64_t(1) << 40;  // logical size not backed by stored data

std::optional<uint64_t> decimal(std::string_view s)
{
	uint64_t v = 0;
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
	if (s.empty() || ec != std::errc() || p != s.data() + s.size())
		return std::nullopt;
	return v;
}

uint64_t pax_number(const std::string &key, const std::string &v, uint64_t max, const std::string &where)
{
	auto n = decimal(v);
	if (!n || *n > max)
		throw Error("PAX record " + key + "=" + v.substr(0, 40) + " is not a number in range", where);
	return *n;
}

// "[-]SECONDS[.FRACTION]"
void pax_time(const std::string &v, int64_t &sec, uint32_t &nsec, const std::string &where)
{
	std::string_view s(v);
	bool neg = !s.empty() && s[0] == '-';
	if (neg)
		s.remove_prefix(1);
	size_t dot = s.find('.');
	auto whole = decimal(s.substr(0, dot));
	uint64_t frac = 0;
	if (dot != std::string_view::npos) {
		std::string_view f = s.substr(dot + 1);
		if (f.empty() || f.find_first_not_of("0123456789") != std::string_view::npos)
			whole.reset();
		for (size_t i = 0; i < 9; i++)
			frac = frac * 10 + (i < f.size() ? uint64_t(f[i] - '0') : 0);
	}
	if (!whole || *whole > uint64_t(INT64_MAX) - 1)
		throw Error("PAX mtime=" + v.substr(0, 40) + " is not a time", where);
	sec = neg ? -int64_t(*whole) : int64_t(*whole);
	nsec = uint32_t(frac);
	if (neg && frac) {
		sec -= 1;
		nsec = uint32_t(1000000000 - frac);
	}
}

int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

std::string base64_decode(const std::string &in, const std::string &where)
{
	std::string out;
	uint32_t acc = 0;
	int bits = 0;
	for (char c : in) {
		if (c == '=' || c == '\n')
			continue;
		int v = b64val(c);
		if (v < 0)
			throw Error("LIBARCHIVE.xattr value is not base64", where);
		acc = (acc << 6) | uint32_t(v);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out.push_back(char((acc >> bits) & 0xff));
		}
	}
	return out;
}

std::string url_decode(const std::string &in, const std::string &where)
{
	std::string out;
	for (size_t i = 0; i < in.size(); i++) {
		if (in[i] != '%') {
			out.push_back(in[i]);
			continue;
		}
		if (i + 2 >= in.size() || !isxdigit((unsigned char)in[i + 1]) || !isxdigit((unsigned char)in[i + 2]))
			throw Error("LIBARCHIVE.xattr name has a bad %-escape", where);
		out.push_back(char(std::stoi(in.substr(i + 1, 2), nullptr, 16)));
		i += 2;
	}
	return out;
}

// SCHILY.acl.access / SCHILY.acl.default (GNU tar --acls: one entry a
// line, named qualifiers; star and bsdtar: comma-separated, the numeric id
// as a fourth field) as the system.posix_acl_* xattr value: le32 version 2,
// then {le16 tag, le16 perm, le32 id} sorted as the kernel wants them.  A
// name without a numeric id is looked up in this host's user and group
// databases, as `tar -x` does.  An access ACL also sets the permission
// bits in @mode as extraction does (owner = user::, group = mask:: or
// group::, other = other::; bsdtar's header mode has the group:: bits);
// an access ACL of the three base entries only is just the mode: nullopt,
// nothing to store (tar -x stores none).
std::optional<std::string> acl_xattr(const std::string &key, const std::string &text, bool access,
				     uint32_t &mode, const std::string &where)
{
	constexpr uint16_t kUserObj = 0x01, kUser = 0x02, kGroupObj = 0x04, kGroup = 0x08, kMask = 0x10,
			   kOther = 0x20;
	constexpr uint32_t kNoId = 0xffffffff;
	struct Ace {
		uint16_t tag, perm;
		uint32_t id;
	};
	std::vector<Ace> aces;
	auto bad = [&](const std::string &why, const std::string &entry) {
		return Error(key + " entry '" + entry.substr(0, 60) + "' " + why, where);
	};
	size_t s = 0;
	while (s < text.size()) {
		size_t e = text.find_first_of(",\n", s);
		std::string entry = text.substr(s, e == std::string::npos ? std::string::npos : e - s);
		s = e == std::string::npos ? text.size() : e + 1;
		entry = entry.substr(0, entry.find_first_of("\t#"));	// "\t#effective:r--"
		while (!entry.empty() && entry.back() == ' ')
			entry.pop_back();
		if (entry.empty())
			continue;
		std::vector<std::string> f;
		for (size_t a = 0;;) {
			size_t c = entry.find(':', a);
			f.push_back(entry.substr(a, c == std::string::npos ? std::string::npos : c - a));
			if (c == std::string::npos)
				break;
			a = c + 1;
		}
		if (f.size() < 3 || f.size() > 4)
			throw bad("is not TAG:QUALIFIER:PERMS[:ID]", entry);
		const std::string &tag = f[0], &qual = f[1], &perms = f[2];
		Ace ace{0, 0, kNoId};
		if (perms.size() != 3 || (perms[0] != 'r' && perms[0] != '-') || (perms[1] != 'w' && perms[1] != '-') ||
		    (perms[2] != 'x' && perms[2] != '-'))
			throw bad("has bad permissions", entry);
		ace.perm = uint16_t((perms[0] == 'r') << 2 | (perms[1] == 'w') << 1 | (perms[2] == 'x'));
		bool is_user = tag == "user" || tag == "u", is_group = tag == "group" || tag == "g";
		if (is_user || is_group) {
			if (qual.empty()) {
				ace.tag = is_user ? kUserObj : kGroupObj;
			} else {
				ace.tag = is_user ? kUser : kGroup;
				std::optional<uint64_t> id;
				if (f.size() == 4)
					id = decimal(f[3]);
				else if (!(id = decimal(qual))) {
					if (is_user) {
						if (const passwd *pw = getpwnam(qual.c_str()))
							id = pw->pw_uid;
					} else if (const group *gr = getgrnam(qual.c_str())) {
						id = gr->gr_gid;
					}
				}
				if (!id || *id >= kNoId)
					throw bad("names an unknown or bad id", entry);
				ace.id = uint32_t(*id);
			}
		} else if ((tag == "mask" || tag == "m") && qual.empty()) {
			ace.tag = kMask;
		} else if ((tag == "other" || tag == "o") && qual.empty()) {
			ace.tag = kOther;
		} else {
			throw bad("has an unknown tag", entry);
		}
		if (f.size() == 4 && ace.id == kNoId)
			throw bad("has an id where none belongs", entry);
		aces.push_back(ace);
		if (aces.size() > 1024)
			throw Error(key + " has more than 1024 entries", where);
	}
	std::sort(aces.begin(), aces.end(),
		  [](const Ace &a, const Ace &b) { return a.tag != b.tag ? a.tag < b.tag : a.id < b.id; });
	unsigned have = 0;
	for (size_t i = 0; i < aces.size(); i++) {
		if (i && aces[i].tag == aces[i - 1].tag && aces[i].id == aces[i - 1].id)
			throw Error(key + " names an entry twice", where);
		have |= aces[i].tag;
	}
	if (aces.empty())
		return std::nullopt;
	if ((have & (kUserObj | kGroupObj | kOther)) != (kUserObj | kGroupObj | kOther) ||
	    ((have & (kUser | kGroup)) && !(have & kMask)))
		throw Error(key + " lacks a required entry (user::, group::, other::, mask:: with named ones)",
			    where);
	if (access) {
		uint32_t bits = 0;
		bool mask = have & kMask;
		for (const Ace &a : aces) {
			if (a.tag == kUserObj)
				bits |= uint32_t(a.perm) << 6;
			else if (a.tag == (mask ? kMask : kGroupObj))
				bits |= uint32_t(a.perm) << 3;
			else if (a.tag == kOther)
				bits |= a.perm;
		}
		mode = (mode & ~0777u) | bits;
		if (aces.size() == 3)
			return std::nullopt;
	}
	std::string v;
	auto put = [&v](uint32_t x, int n) {
		for (int i = 0; i < n; i++)
			v.push_back(char((x >> (8 * i)) & 0xff));
	};
	put(2, 4);
	for (const Ace &a : aces) {
		put(a.tag, 2);
		put(a.perm, 2);
		put(a.id, 4);
	}
	return v;
}

std::string c_string(const std::string &payload)
{
	size_t n = payload.find('\0');
	return n == std::string::npos ? payload : payload.substr(0, n);
}

// What the extension headers of one entry said.
struct Extended {
	std::vector<std::pair<std::string, std::string>> pax;
	std::optional<std::string> longname, longlink;
};

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_pax_records(const std::string &p, const std::string &where)
{
	std::vector<std::pair<std::string, std::string>> out;
	size_t pos = 0;
	while (pos < p.size()) {
		if (p[pos] == '\0' && p.find_first_not_of('\0', pos) == std::string::npos)
			break;  // NUL padding after the records
		size_t sp = p.find(' ', pos);
		if (sp == std::string::npos || sp - pos > 20)
			throw Error("PAX record without a length at record byte " + std::to_string(pos), where);
		auto len = decimal(std::string_view(p).substr(pos, sp - pos));
		if (!len || *len < sp - pos + 3 || *len > p.size() - pos)
			throw Error("PAX record length runs past its header at record byte " + std::to_string(pos), where);
		size_t end = pos + *len;
		if (p[end - 1] != '\n')
			throw Error("PAX record not ended by a newline at record byte " + std::to_string(pos), where);
		std::string rec = p.substr(sp + 1, end - 1 - sp - 1);
		size_t eq = rec.find('=');
		if (eq == std::string::npos || eq == 0)
			throw Error("PAX record without key=value at record byte " + std::to_string(pos), where);
		out.emplace_back(rec.substr(0, eq), rec.substr(eq + 1));
		pos = end;
	}
	return out;
}

TarReader::TarReader(ByteSource &src, std::string name, TarReaderOptions o)
	: src_(src), name_(std::move(name)), opt_(o), buf_(64 << 10)
{
}

std::string TarReader::where(const TarEntry &e) const
{
	std::string p = e.path.size() > 200 ? e.path.substr(0, 200) + "..." : e.path;
	return "entry '" + p + "' at byte " + std::to_string(e.header_off) + " of " + name_;
}

size_t TarReader::raw_read(uint8_t *dst, size_t len)
{
	size_t done = 0;
	while (done < len) {
		if (bpos_ == blen_) {
			if (eof_)
				break;
			blen_ = src_.read(buf_);
			bpos_ = 0;
			if (!blen_) {
				eof_ = true;
				break;
			}
		}
		size_t n = std::min(len - done, blen_ - bpos_);
		if (dst)
			std::memcpy(dst + done, buf_.data() + bpos_, n);
		bpos_ += n;
		done += n;
	}
	pos_ += done;
	return done;
}

void TarReader::read_exact(std::span<uint8_t> b, const std::string &where)
{
	if (raw_read(b.data(), b.size()) != b.size())
		throw Error("truncated archive: the stream ends at byte " + std::to_string(pos_), where);
}

bool TarReader::read_block(std::span<uint8_t, kTarBlock> b, bool eof_ok, const std::string &where)
{
	size_t n = raw_read(b.data(), kTarBlock);
	if (n == 0 && eof_ok)
		return false;
	if (n != kTarBlock)
		throw Error("truncated archive: the stream ends at byte " + std::to_string(pos_), where);
	return true;
}

void TarReader::skip(uint64_t n, const std::string &where)
{
	while (n) {
		size_t part = size_t(std::min<uint64_t>(n, 1 << 20));
		if (raw_read(nullptr, part) != part)
			throw Error("truncated archive: the stream ends at byte " + std::to_string(pos_), where);
		n -= part;
	}
}

std::string TarReader::read_payload(uint64_t size, uint64_t limit, const std::string &what, const std::string &where)
{
	if (size > limit)
		throw Error(what + " of " + std::to_string(size) + " bytes is larger than " + std::to_string(limit), where);
	std::string s(size, '\0');
	read_exact(std::span<uint8_t>(reinterpret_cast<uint8_t *>(s.data()), s.size()), where);
	skip((kTarBlock - size % kTarBlock) % kTarBlock, where);
	return s;
}

void TarReader::check_trailer(const std::string &where)
{
	std::array<uint8_t, kTarBlock> b;
	uint64_t at = pos_;
	if (!read_block(b, true, where))
		return;  // a lone zero block at the very end: tolerated
	if (!is_zero_block(b))
		throw Error("a single zero block followed by data at byte " + std::to_string(at), where);
	// Records are padded with zeros; anything else after the end is garbage.
	std::vector<uint8_t> rest(64 << 10);
	for (;;) {
		uint64_t start = pos_;
		size_t n = raw_read(rest.data(), rest.size());
		if (!n)
			return;
		auto nz = std::find_if(rest.begin(), rest.begin() + ptrdiff_t(n), [](uint8_t c) { return c != 0; });
		if (nz != rest.begin() + ptrdiff_t(n))
			throw Error("data after the end of the archive at byte " +
					    std::to_string(start + uint64_t(nz - rest.begin())),
				    name_);
	}
}

size_t TarReader::read_data(std::span<uint8_t> buf)
{
	size_t want = size_t(std::min<uint64_t>(buf.size(), remaining_));
	if (!want)
		return 0;
	size_t n = raw_read(buf.data(), want);
	remaining_ -= n;
	if (n != want)
		throw Error("truncated archive: the data ends at byte " + std::to_string(pos_), cur_where_);
	return n;
}

bool TarReader::next(TarEntry &e)
{
	if (done_)
		return false;
	skip(remaining_ + padding_, cur_where_);
	remaining_ = padding_ = 0;
	e = TarEntry();
	Extended ext;
	std::array<uint8_t, kTarBlock> b;
	e.header_off = pos_;
	for (;;) {
		uint64_t hoff = pos_;
		std::string where = "header at byte " + std::to_string(hoff) + " of " + name_;
		if (ext.longname)
			where = "entry '" + ext.longname->substr(0, 200) + "' " + where;
		if (!read_block(b, hoff == e.header_off, where))
			throw Error("archive ends without its end-of-archive blocks at byte " + std::to_string(hoff),
				    name_);
		if (is_zero_block(b)) {
			if (hoff != e.header_off)
				throw Error("end-of-archive block after an extension header", where);
			check_trailer(where);
			done_ = true;
			return false;
		}
		TarHeader h = TarHeader::decode(b, where);
		if (h.size > uint64_t(INT64_MAX) - pos_)
			throw Error("size " + std::to_string(h.size) + " out of range", where);
		switch (h.typeflag) {
		case 'x': {
			auto recs = parse_pax_records(read_payload(h.size, kMaxPax, "PAX header", where), where);
			ext.pax.insert(ext.pax.end(), recs.begin(), recs.end());
			continue;
		}
		case 'g': {
			auto recs = parse_pax_records(read_payload(h.size, kMaxPax, "PAX global header", where), where);
			global_.insert(global_.end(), recs.begin(), recs.end());
			if (global_.size() > 65536)
				throw Error("too many PAX global records", where);
			continue;
		}
		case 'L':
			ext.longname = c_string(read_payload(h.size, kMaxName, "GNU long name", where));
			continue;
		case 'K':
			ext.longlink = c_string(read_payload(h.size, kMaxName, "GNU long link name", where));
			continue;
		case 'V':
			skip((h.size + kTarBlock - 1) / kTarBlock * kTarBlock, where);
			e.header_off = pos_;
			continue;
		default:
			break;
		}
		// the entry's own header
		e.path = ext.longname ? *ext.longname : h.name;
		e.link = ext.longlink ? *ext.longlink : h.linkname;
		e.mode = uint32_t(h.mode & 07777);
		if (h.uid > UINT32_MAX || h.gid > UINT32_MAX)
			throw Error("uid or gid larger than 32 bits", where);
		e.uid = uint32_t(h.uid);
		e.gid = uint32_t(h.gid);
		e.uname = h.uname;
		e.gname = h.gname;
		e.mtime = h.mtime;
		e.size = h.size;
		uint64_t stored = h.size;
		if (h.devmajor > UINT32_MAX || h.devminor > UINT32_MAX)
			throw Error("device number out of range", where);
		e.devmajor = uint32_t(h.devmajor);
		e.devminor = uint32_t(h.devminor);
		switch (h.typeflag) {
		case '0': case '\0': case '7':
			e.type = (!h.posix() && !e.path.empty() && e.path.back() == '/') ? TarType::Directory
											 : TarType::Regular;
			break;
		case 'S': e.type = TarType::Regular; break;
		case '1': e.type = TarType::HardLink; break;
		case '2': e.type = TarType::Symlink; break;
		case '3': e.type = TarType::CharDev; break;
		case '4': e.type = TarType::BlockDev; break;
		case '5': case 'D': e.type = TarType::Directory; break;
		case '6': e.type = TarType::Fifo; break;
		default: {
			std::string t = isprint((unsigned char)h.typeflag) ? std::string(1, h.typeflag)
									   : "\\x" + std::to_string(uint8_t(h.typeflag));
			throw Error("unsupported entry type '" + t + "'", where);
		}
		}
		if (h.typeflag == 'S') {
			e.sparse = true;
			e.map = h.gnu_sparse;
			bool more = h.gnu_sparse_more;
			while (more) {
				read_block(b, false, where);
				decode_sparse_ext(b, e.map, more, where);
				if (e.map.size() > kMaxSegments)
					throw Error("sparse map with too many segments", where);
			}
			e.size = h.gnu_realsize;
		}
		// PAX: the global records, then the entry's own (later wins)
		std::vector<std::pair<std::string, std::string>> recs = global_;
		recs.insert(recs.end(), ext.pax.begin(), ext.pax.end());
		std::optional<std::string> sparse_name;
		std::optional<uint64_t> sparse_real;
		unsigned sparse_major = 0;
		bool pax_sparse_old = false;
		std::vector<SparseSeg> pax_map;
		uint64_t pending_off = 0;
		bool have_off = false;
		std::string ewhere = "entry '" + e.path.substr(0, 200) + "' at byte " + std::to_string(e.header_off) +
				     " of " + name_;
		for (const auto &[k, v] : recs) {
			if (k == "path") {
				e.path = v;
			} else if (k == "linkpath") {
				e.link = v;
			} else if (k == "size") {
				stored = e.size = pax_number(k, v, uint64_t(INT64_MAX) - pos_, ewhere);
			} else if (k == "mtime") {
				pax_time(v, e.mtime, e.mtime_nsec, ewhere);
			} else if (k == "uid") {
				e.uid = uint32_t(pax_number(k, v, UINT32_MAX, ewhere));
			} else if (k == "gid") {
				e.gid = uint32_t(pax_number(k, v, UINT32_MAX, ewhere));
			} else if (k == "uname") {
				e.uname = v;
			} else if (k == "gname") {
				e.gname = v;
			} else if (k == "SCHILY.devmajor") {
				e.devmajor = uint32_t(pax_number(k, v, UINT32_MAX, ewhere));
			} else if (k == "SCHILY.devminor") {
				e.devminor = uint32_t(pax_number(k, v, UINT32_MAX, ewhere));
			} else if (k.rfind("SCHILY.xattr.", 0) == 0 && k.size() > 13) {
				e.xattrs.emplace_back(k.substr(13), v);
			} else if (k.rfind("LIBARCHIVE.xattr.", 0) == 0 && k.size() > 17) {
				e.xattrs.emplace_back(url_decode(k.substr(17), ewhere), base64_decode(v, ewhere));
			} else if (k == "SCHILY.acl.access" || k == "SCHILY.acl.default") {
				bool access = k == "SCHILY.acl.access";
				std::string name = access ? "system.posix_acl_access" : "system.posix_acl_default";
				// a later record replaces the earlier one, even with nothing
				std::erase_if(e.xattrs, [&name](const auto &x) { return x.first == name; });
				if (auto acl = acl_xattr(k, v, access, e.mode, ewhere))
					e.xattrs.emplace_back(name, std::move(*acl));
			} else if (k == "GNU.sparse.major") {
				sparse_major = unsigned(pax_number(k, v, 1, ewhere));
			} else if (k == "GNU.sparse.name") {
				sparse_name = v;
			} else if (k == "GNU.sparse.realsize" || k == "GNU.sparse.size") {
				sparse_real = pax_number(k, v, uint64_t(INT64_MAX), ewhere);
			} else if (k == "GNU.sparse.offset") {
				pending_off = pax_number(k, v, uint64_t(INT64_MAX), ewhere);
				have_off = true;
				pax_sparse_old = true;
			} else if (k == "GNU.sparse.numbytes") {
				if (!have_off)
					throw Error("GNU.sparse.numbytes without an offset", ewhere);
				pax_map.push_back({pending_off, pax_number(k, v, uint64_t(INT64_MAX), ewhere)});
				have_off = false;
				if (pax_map.size() > kMaxSegments)
					throw Error("sparse map with too many segments", ewhere);
			} else if (k == "GNU.sparse.map") {
				pax_sparse_old = true;
				std::vector<uint64_t> nums;
				size_t s = 0;
				while (s <= v.size() && !v.empty()) {
					size_t c = v.find(',', s);
					std::string part = v.substr(s, c == std::string::npos ? std::string::npos : c - s);
					nums.push_back(pax_number(k, part, uint64_t(INT64_MAX), ewhere));
					if (nums.size() > 2 * kMaxSegments)
						throw Error("sparse map with too many segments", ewhere);
					if (c == std::string::npos)
						break;
					s = c + 1;
				}
				if (nums.size() % 2)
					throw Error("GNU.sparse.map with an odd count of numbers", ewhere);
				for (size_t i = 0; i < nums.size(); i += 2)
					pax_map.push_back({nums[i], nums[i + 1]});
			}
			// atime, ctime, charset, comment, SCHILY.acl.ace (NFSv4), ...: not stored
		}
		if (sparse_name)
			e.path = *sparse_name;
		e.data_off = pos_;
		e.data_len = stored;
		if (e.type != TarType::Regular)
			e.size = e.type == TarType::Symlink ? e.link.size() : 0;
		if (e.type == TarType::Regular && opt_.headerball)
			e.data_len = 0;  // headers only: the data is elsewhere
		cur_where_ = "entry '" + e.path.substr(0, 200) + "' at byte " + std::to_string(e.header_off) + " of " +
			     name_;
		remaining_ = e.data_len;
		padding_ = (kTarBlock - e.data_len % kTarBlock) % kTarBlock;
		if (e.type == TarType::Regular && (sparse_major == 1 || pax_sparse_old || sparse_real)) {
			if (!sparse_real)
				throw Error("GNU sparse file without its real size", cur_where_);
			e.sparse = true;
			e.size = *sparse_real;
			e.map = pax_map;
			if (sparse_major == 1 && !opt_.headerball) {
				// GNU sparse 1.0: the map is decimal text at the start of the data
				std::string text;
				uint64_t used = 0;
				auto line = [&]() {
					std::string s;
					for (;;) {
						if (used == text.size()) {
							if (text.size() >= 64 * kTarBlock * 1024 || remaining_ < kTarBlock)
								throw Error("GNU sparse 1.0 map runs past the data", cur_where_);
							std::string blk(kTarBlock, '\0');
							read_exact(std::span<uint8_t>(reinterpret_cast<uint8_t *>(blk.data()),
										      kTarBlock),
								   cur_where_);
							remaining_ -= kTarBlock;
							text += blk;
						}
						char c = text[used++];
						if (c == '\n')
							break;
						if (s.size() > 20)
							throw Error("GNU sparse 1.0 map number too long", cur_where_);
						s.push_back(c);
					}
					return pax_number("GNU.sparse map", s, uint64_t(INT64_MAX), cur_where_);
				};
				uint64_t count = line();
				if (count > kMaxSegments)
					throw Error("sparse map with too many segments", cur_where_);
				e.map.clear();
				for (uint64_t i = 0; i < count; i++) {
					uint64_t o = line();
					e.map.push_back({o, line()});
				}
				e.data_off = pos_;
				e.data_len = remaining_;
			}
		}
		if (e.type == TarType::Regular && (e.sparse || opt_.headerball) && e.size > kMaxHollow)
			throw Error("sparse or header-only file larger than 1 TiB (" + std::to_string(e.size) + " bytes)",
				    cur_where_);
		if (e.sparse && !opt_.headerball) {
			uint64_t sum = 0, end = 0;
			for (const auto &s : e.map) {
				if (s.off < end || s.len > e.size || s.off > e.size - s.len)
					throw Error("sparse map segments overlap or run past the real size", cur_where_);
				end = s.off + s.len;
				sum += s.len;
			}
			if (sum != e.data_len)
				throw Error("sparse map covers " + std::to_string(sum) + " bytes but " +
						    std::to_string(e.data_len) + " are stored",
					    cur_where_);
		}
		return true;
	}
}

}  // namespace erofs
