// --stat and --ls rendering.
#include <cstdio>
#include <ctime>

#include "base/digest.hpp"
#include "read/dir_read.hpp"
#include "base/json.hpp"
#include "report.hpp"
#include "compress/codec.hpp"
#include "compress/zindex.hpp"

namespace erofs {

std::string xattr_value_text(const std::string &v)
{
	auto *b = reinterpret_cast<const uint8_t *>(v.data());
	if (v.size() == kFingerprintSize && v.rfind("sha256:", 0) == 0)
		return "sha256:" + to_hex({b + 7, 32});
	bool printable = true;
	for (unsigned char c : v)
		printable &= c >= 0x20 && c < 0x7f;
	if (printable)
		return "\"" + v + "\"";
	return "0x" + to_hex({b, v.size()});
}

std::string mode_string(uint32_t mode)
{
	const char *types = "?pc?d?b?-?l?s???";
	std::string s(1, types[(mode >> 12) & 15]);
	const char *rwx = "rwxrwxrwx";
	for (int i = 0; i < 9; i++)
		s += (mode & (0400 >> i)) ? rwx[i] : '-';
	if (mode & 04000)
		s[3] = (mode & 0100) ? 's' : 'S';
	if (mode & 02000)
		s[6] = (mode & 010) ? 's' : 'S';
	if (mode & 01000)
		s[9] = (mode & 01) ? 't' : 'T';
	return s;
}

namespace {

std::string time_text(int64_t sec, uint32_t nsec)
{
	time_t t = time_t(sec);
	struct tm tm;
	char b[64] = "?";
	if (gmtime_r(&t, &tm))
		strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S", &tm);
	char out[96];
	snprintf(out, sizeof(out), "%s.%09u UTC", b, nsec);
	return out;
}

std::string where_data(const InodeInfo &i)
{
	if (i.is_device())
		return "rdev " + std::to_string(dev_major(i.i_u)) + ":" + std::to_string(dev_minor(i.i_u));
	if (i.layout == unsigned(DataLayout::ChunkBased))
		return "chunk format 0x" + [&] { char b[8]; snprintf(b, sizeof(b), "%x", i.i_u & 0xFFFF); return std::string(b); }();
	if (i.compressed())
		return std::to_string(i.i_u) + " compressed blocks";
	if (i.i_u == kNullAddr)
		return "no data blocks";
	return "start block " + std::to_string(i.i_u);
}

std::string extent_kind(const ZMapExtent &e)
{
	if (e.fragment)
		return "fragment";
	std::string k = e.type == ltype::kPlain ? "plain" : alg_name(e.alg);
	return e.partial ? k + " partial" : k;
}

std::string extent_where(const Image &img, const ZMap &m, const ZMapExtent &e)
{
	if (e.fragment)
		return "packed+" + std::to_string(m.fragmentoff);
	if (e.inline_tail)
		return "inline";
	return "blk " + std::to_string(e.phys / img.blksz());
}

// The extent map of a compressed file: logical -> physical.
std::string zmap_text(const Image &img, const InodeInfo &i)
{
	ZMap m = read_zmap(img, i);
	char b[256];
	snprintf(b, sizeof(b), "index:   %s, lcluster %u bytes, advise 0x%x%s%s, %zu extents\n",
		 m.compact ? "compact" : "full", 1u << m.lclusterbits, m.advise,
		 (m.advise & zadv::kBigPcluster1) ? " big-pcluster" : "",
		 m.idata_size ? " ztailpacking" : "", m.extents.size());
	std::string out = b;
	out += "  logical-start  length     physical     stored-bytes kind\n";
	for (const auto &e : m.extents) {
		snprintf(b, sizeof(b), "  %-14llu %-10llu %-12s %-12llu %s\n", (unsigned long long)e.start,
			 (unsigned long long)e.len,
			 extent_where(img, m, e).c_str(), (unsigned long long)e.plen, extent_kind(e).c_str());
		out += b;
	}
	return out;
}

}  // namespace

std::string stat_text(const Image &img, const InodeInfo &i, const std::string &path)
{
	char b[2048];
	snprintf(b, sizeof(b),
		 "path:    %s\nnid:     %llu (offset %llu)\ninode:   %s, %llu bytes, layout %s\n"
		 "mode:    0%o (%s)\nsize:    %llu\nuid/gid: %u/%u\nnlink:   %u\nino:     %u\n"
		 "mtime:   %lld.%09u (%s)\ndata:    %s\nxattrs:  %u bytes\n",
		 path.c_str(), (unsigned long long)i.nid, (unsigned long long)i.off,
		 i.extended ? "extended" : "compact", (unsigned long long)i.isize(), layout_name(i.layout),
		 i.mode & 07777, mode_string(i.mode).c_str(), (unsigned long long)i.size, i.uid, i.gid,
		 i.nlink, i.ino, (long long)i.mtime, i.mtime_nsec, time_text(i.mtime, i.mtime_nsec).c_str(),
		 where_data(i).c_str(), i.xattr_size);
	std::string out = b;
	if (i.layout == unsigned(DataLayout::FlatInline) && i.size)
		out += "inline:  tail at offset " + std::to_string(i.inline_off) + "\n";
	if (i.compressed() && i.size)
		out += zmap_text(img, i);
	for (const auto &x : read_xattrs(img, i))
		out += "  " + (x.name.empty() ? "(hidden)" : x.name) + (x.shared ? " [shared]" : "") +
		       " = " + xattr_value_text(x.value) + "\n";
	return out;
}

std::string stat_json(const Image &img, const InodeInfo &i, const std::string &path)
{
	Json j;
	j.begin_object().str("path", path).num("nid", i.nid).num("offset", i.off);
	j.str("inode", i.extended ? "extended" : "compact").str("layout", layout_name(i.layout));
	j.num("mode", uint64_t(i.mode)).str("mode_string", mode_string(i.mode));
	j.num("size", i.size).num("uid", uint64_t(i.uid)).num("gid", uint64_t(i.gid));
	j.num("nlink", uint64_t(i.nlink)).num("ino", uint64_t(i.ino));
	j.num("mtime", i.mtime).num("mtime_nsec", uint64_t(i.mtime_nsec));
	j.str("data", where_data(i)).num("xattr_size", uint64_t(i.xattr_size));
	if (i.compressed() && i.size) {
		ZMap m = read_zmap(img, i);
		j.str("index", m.compact ? "compact" : "full").num("lcluster_size", uint64_t(1) << m.lclusterbits);
		j.num("advise", uint64_t(m.advise)).num("inline_size", uint64_t(m.idata_size));
		j.begin_array("extents");
		for (const auto &e : m.extents) {
			j.begin_object().num("logical", e.start).num("length", e.len);
			j.boolean("inline", e.inline_tail).num("physical", e.phys).num("stored_bytes", e.plen);
			j.str("type", extent_kind(e));
			if (e.fragment)
				j.num("fragment_offset", m.fragmentoff);
			j.end_object();
		}
		j.end_array();
	}
	j.begin_array("xattrs");
	for (const auto &x : read_xattrs(img, i)) {
		j.begin_object().str("name", x.name).boolean("shared", x.shared);
		j.str("value", xattr_value_text(x.value)).end_object();
	}
	j.end_array().end_object();
	return j.text() + "\n";
}

std::string ls_text(const Image &img, const InodeInfo &ino, const std::string &path)
{
	auto line = [&](const InodeInfo &i, const std::string &name) {
		char b[512];
		snprintf(b, sizeof(b), "%s %4u %5u %5u %12llu %s ", mode_string(i.mode).c_str(), i.nlink,
			 i.uid, i.gid, (unsigned long long)i.size, time_text(i.mtime, i.mtime_nsec).substr(0, 19).c_str());
		std::string s = b + name;
		if (i.is_symlink()) {
			auto t = read_all(img, i);
			s += " -> " + std::string(t.begin(), t.end());
		}
		return s + "\n";
	};
	if (!ino.is_dir())
		return line(ino, path);
	std::string out;
	for (const auto &e : read_dir(img, ino))
		if (e.name != "." && e.name != "..")
			out += line(read_inode(img, e.nid), e.name);
	return out;
}

}  // namespace erofs
