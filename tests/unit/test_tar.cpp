// Tar sources: the header and PAX value types, the stream reader, and
// mkfs --tar=f / --tar=i / headerball end to end on archives made by GNU
// tar, bsdtar and Python's tarfile, extracted by inspect and compared
// with `tar -x` of the same archive; whiteouts, duplicates, compressed
// streams, argv[0] = mkfs.erofs, and a corpus of hostile archives.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <filesystem>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "base/error.hpp"
#include "erofs/format.hpp"
#include "helpers.hpp"
#include "source/tar/header.hpp"
#include "source/tar/input.hpp"
#include "source/tar/reader.hpp"
#include "source/tar/tar_tree.hpp"
#include "compress/codec.hpp"
#include "compress/zwrite.hpp"
#include "write/mkfs.hpp"

using namespace testutil;
using namespace erofs;
namespace fs = std::filesystem;

namespace {

const std::string kUuid = "11111111-2222-3333-4444-555555555555";
const std::string kFlags = "--quiet -T0 --mkfs-time --xattr-inode-digest -U " + kUuid + " ";

std::array<uint8_t, kTarBlock> block_of(const TarHeader &h)
{
	std::array<uint8_t, kTarBlock> b{};
	h.encode(b);
	return b;
}

TarHeader file_header(const std::string &name, uint64_t size, char type = '0')
{
	TarHeader h;
	h.name = name;
	h.mode = 0644;
	h.size = size;
	h.mtime = 1700000000;
	h.typeflag = type;
	h.magic = std::string("ustar\0" "00", 8);
	return h;
}

// An archive built block by block (hostile corpus, exact offsets).
struct TarBuilder {
	std::string bytes;
	void header(const TarHeader &h)
	{
		auto b = block_of(h);
		bytes.append(reinterpret_cast<const char *>(b.data()), b.size());
	}
	void data(const std::string &d)
	{
		bytes += d;
		bytes.append((kTarBlock - d.size() % kTarBlock) % kTarBlock, '\0');
	}
	void file(const std::string &name, const std::string &d, char type = '0')
	{
		header(file_header(name, d.size(), type));
		data(d);
	}
	void pax(const std::vector<std::pair<std::string, std::string>> &recs, char type = 'x')
	{
		std::string p;
		for (const auto &[k, v] : recs) {
			std::string body = " " + k + "=" + v + "\n";
			size_t len = body.size() + 1;
			while (std::to_string(len).size() + body.size() != len)
				len++;
			p += std::to_string(len) + body;
		}
		header(file_header("PaxHeader", p.size(), type));
		data(p);
	}
	void end() { bytes.append(2 * kTarBlock, '\0'); }
};

std::vector<TarEntry> read_all_entries(const std::string &bytes, TarReaderOptions o = {})
{
	MemorySource src(std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()));
	TarReader r(src, "test.tar", o);
	std::vector<TarEntry> out;
	TarEntry e;
	while (r.next(e))
		out.push_back(e);
	return out;
}

const std::string kGnuExtract = "tar --xattrs --xattrs-include='*' --numeric-owner -xpf";

// mkfs from `tar` (a file), then inspect --extract; compared with
// `extract` (tar -x) of the same archive.
void check_roundtrip(const TempDir &w, const std::string &tar, const std::string &mode,
		     const std::string &extract = kGnuExtract)
{
	std::string img = w / ("img-" + mode);
	auto r = mkfs("--tar=" + mode + " --aufs " + kFlags + quote(img) + " < " + quote(tar));
	INFO(r.err);
	REQUIRE(r.status == 0);
	if (mode == "i")
		REQUIRE(run("cat " + quote(tar) + " >> " + quote(img)).status == 0);
	auto f = inspect("--fsck --verify-fingerprints " + quote(img));
	INFO(f.out + f.err);
	REQUIRE(f.status == 0);
	CHECK(f.out.find("0 mismatched, 0 missing") != std::string::npos);
	std::string ours = w / ("ours-" + mode), theirs = w / ("theirs-" + mode);
	REQUIRE(inspect("--extract=" + quote(ours) + " " + quote(img)).status == 0);
	fs::create_directories(theirs);
	REQUIRE(run(extract + " " + quote(tar) + " -C " + quote(theirs)).status == 0);
	CHECK(diff_trees(theirs, ours) == "");
}

}  // namespace

TEST_CASE("tar header: encode and decode round trip, checksum, numbers", "[tar][format]")
{
	TarHeader h = file_header("dir/file", 12345);
	h.uid = 1000;
	h.gid = 2000;
	h.uname = "u";
	h.gname = "g";
	auto b = block_of(h);
	TarHeader d = TarHeader::decode(b, "t");
	CHECK(d.name == "dir/file");
	CHECK(d.size == 12345);
	CHECK(d.uid == 1000);
	CHECK(d.gid == 2000);
	CHECK(d.uname == "u");
	CHECK(d.posix());
	// long name split into prefix + name
	h.name = std::string(120, 'a') + "/" + std::string(90, 'b');
	b = block_of(h);
	CHECK(TarHeader::decode(b, "t").name == h.name);
	// base-256 for numbers that do not fit octal
	h.size = uint64_t(1) << 40;
	b = block_of(h);
	CHECK(b[124] == 0x80);
	CHECK(TarHeader::decode(b, "t").size == (uint64_t(1) << 40));
	// a flipped byte breaks the checksum
	b[0] ^= 1;
	CHECK_THROWS_WITH(TarHeader::decode(b, "t"), Catch::Contains("checksum mismatch"));
}

TEST_CASE("tar numbers: octal, base-256, negative and garbage", "[tar][format]")
{
	auto num = [](std::string s) {
		return parse_tar_number(std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(s.data()), s.size()));
	};
	CHECK(num(std::string("0000644\0", 8)) == 0644u);
	CHECK(num(std::string("  755 \0", 7)) == 0755u);
	CHECK(num(std::string(8, '\0')) == 0u);
	CHECK(!num("12x4"));
	CHECK(!num("9"));
	CHECK(!num(std::string("\xff\xff\xff\xff\xff\xff\xff\xfe", 8)));  // base-256 negative
	CHECK(!num(std::string("\x80\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 12)));  // > INT64_MAX
	CHECK(num(std::string("\x80\0\0\0\0\0\0\0\0\0\x01\0", 12)) == 256u);
}

TEST_CASE("device slot: encode and decode", "[tar][format]")
{
	DeviceSlot d;
	d.tag[0] = 'x';
	d.blocks = 0x123456789ull;
	d.mapped_blkaddr = 0x2000000001ull;
	std::vector<uint8_t> b(DeviceSlot::kSize);
	d.encode(b);
	CHECK(le::u32(b, 64) == 0x23456789u);
	CHECK(le::u32(b, 68) == 1u);
	CHECK(le::u16(b, 72) == 1u);
	CHECK(le::u16(b, 74) == 0x20u);
	CHECK(DeviceSlot::decode(b, true) == d);
	CHECK(DeviceSlot::decode(b, false).blocks == 0x23456789u);
}

TEST_CASE("PAX records: parsed in order, lying lengths rejected", "[tar][format]")
{
	auto r = parse_pax_records("12 path=a/b\n20 SCHILY.xattr.x=1\n", "t");
	REQUIRE(r.size() == 2);
	CHECK(r[0] == std::pair<std::string, std::string>{"path", "a/b"});
	CHECK(r[1].first == "SCHILY.xattr.x");
	CHECK_THROWS_WITH(parse_pax_records("99 path=a\n", "t"), Catch::Contains("runs past"));
	CHECK_THROWS_WITH(parse_pax_records("11 path=abc\n", "t"), Catch::Contains("newline"));
	CHECK_THROWS_WITH(parse_pax_records("path=a\n", "t"), Catch::Contains("length"));
	CHECK_THROWS_WITH(parse_pax_records("7 =abc\n", "t"), Catch::Contains("key=value"));
}

TEST_CASE("tar reader: exact data offsets, PAX over ustar, GNU long names", "[tar][reader]")
{
	TarBuilder t;
	t.file("a", "hello");
	t.pax({{"path", "p/" + std::string(200, 'n')}, {"mtime", "1700000000.25"}, {"uid", "4000000000"},
	       {"SCHILY.xattr.user.k", "v"}, {"LIBARCHIVE.xattr.user.b%3Dc", "aGk="}});
	t.file("short", "xy");
	t.header(file_header("././@LongLink", 301, 'L'));
	t.data(std::string(300, 'L') + '\0');
	t.file("ignored", "");
	t.end();
	auto es = read_all_entries(t.bytes);
	REQUIRE(es.size() == 3);
	CHECK(es[0].data_off == 512);
	CHECK(es[0].data_len == 5);
	CHECK(es[1].path == "p/" + std::string(200, 'n'));
	CHECK(es[1].header_off == 1024);
	CHECK(es[1].data_off == 2560);  // PAX header, its records, the ustar header
	CHECK(es[1].mtime == 1700000000);
	CHECK(es[1].mtime_nsec == 250000000u);
	CHECK(es[1].uid == 4000000000u);
	REQUIRE(es[1].xattrs.size() == 2);
	CHECK(es[1].xattrs[1] == std::pair<std::string, std::string>{"user.b=c", "hi"});
	CHECK(es[2].path == std::string(300, 'L'));
}

TEST_CASE("tar paths stay inside the image", "[tar][safety]")
{
	auto p = tar_path_parts("/../../etc/./passwd", "t");
	CHECK(p == std::vector<std::string>{"etc", "passwd"});
	CHECK(tar_path_parts("a/b/../../../c", "t") == std::vector<std::string>{"c"});
	CHECK(tar_path_parts("./", "t").empty());
	CHECK_THROWS(tar_path_parts(std::string("a\0b", 3), "t"));
}

TEST_CASE("tar sources from GNU tar, bsdtar and Python round-trip (--tar=f and --tar=i)", "[tar][mkfs]")
{
	TempDir w;
	std::string src = w / "src";
	make_zoo(src, false);
	fs::remove(src + "/sock");  // tar cannot carry sockets
	// a sparse file with block-aligned holes
	REQUIRE(run("truncate -s 3M " + quote(src + "/sp") + " && printf data | dd of=" + quote(src + "/sp") +
		    " bs=4096 seek=300 conv=notrunc status=none").status == 0);
	struct Maker {
		const char *name;
		std::string cmd;
		std::string extract = kGnuExtract;
	};
	std::string out = w / "t.tar";
	std::vector<Maker> makers = {
		{"gnu tar, gnu format", "tar --sparse -H gnu -cf OUT -C SRC ."},
		{"gnu tar, pax format, sparse 1.0", "tar --xattrs --xattrs-include='*' --sparse -H pax -cf OUT -C SRC ."},
		{"gnu tar, pax format, sparse 0.1",
		 "tar --xattrs --xattrs-include='*' --sparse --sparse-version=0.1 -H pax -cf OUT -C SRC ."},
		// bsdtar keeps ACLs as SCHILY.acl.* text, which GNU tar reads
		// only with --acls; its own extraction restores both
		{"bsdtar, pax", "bsdtar --xattrs --format pax -cf OUT -C SRC .",
		 "bsdtar --xattrs --acls --numeric-owner -xpf"},
		{"python tarfile, pax",
		 "python3 -c 'import tarfile,sys; t=tarfile.open(sys.argv[1],\"w\",format=tarfile.PAX_FORMAT); "
		 "t.add(sys.argv[2],arcname=\".\"); t.close()' OUT SRC"},
		{"python tarfile, gnu",
		 "python3 -c 'import tarfile,sys; t=tarfile.open(sys.argv[1],\"w\",format=tarfile.GNU_FORMAT); "
		 "t.add(sys.argv[2],arcname=\".\"); t.close()' OUT SRC"},
	};
	for (const auto &m : makers) {
		SECTION(m.name)
		{
			std::string cmd = m.cmd;
			cmd.replace(cmd.find("OUT"), 3, quote(out));
			cmd.replace(cmd.find("SRC"), 3, quote(src));
			auto r = run(cmd);
			INFO(r.err);
			REQUIRE(r.status == 0);
			check_roundtrip(w, out, "f", m.extract);
			check_roundtrip(w, out, "i", m.extract);
		}
	}
}

// The zoo as a plain tar (w/t.tar) and its --tar=f image (w/plain.img), the
// reference of the compressed-stream tests.
static void plain_tar_and_image(const TempDir &w)
{
	make_zoo(w / "src", false);
	fs::remove(w / "src/sock");
	REQUIRE(run("tar -cf " + quote(w / "t.tar") + " -C " + quote(w / "src") + " .").status == 0);
	REQUIRE(mkfs("--tar=f " + kFlags + quote(w / "plain.img") + " " + quote(w / "t.tar")).status == 0);
}

TEST_CASE("compressed tar streams give the same image as the plain one", "[tar][mkfs]")
{
	TempDir w;
	plain_tar_and_image(w);
	std::string plain = read_file(w / "plain.img");
	for (std::string z : {"gzip", "zstd -q", "xz"}) {
		INFO(z);
		REQUIRE(run(z + " -c " + quote(w / "t.tar") + " > " + quote(w / "t.z")).status == 0);
		auto r = mkfs("--tar=f " + kFlags + quote(w / "z.img") + " < " + quote(w / "t.z"));
		INFO(r.err);
		REQUIRE(r.status == 0);
		CHECK(read_file(w / "z.img") == plain);
	}
	auto r = mkfs("--tar=f --ungzip " + kFlags + quote(w / "bad.img") + " " + quote(w / "t.tar"));
	CHECK(r.status != 0);
	CHECK(r.err.find("gzip") != std::string::npos);
	CHECK(!fs::exists(w / "bad.img"));
}

TEST_CASE("gzip: concatenated members are one stream; truncated and corrupt ones fail", "[tar][mkfs]")
{
	TempDir w;
	plain_tar_and_image(w);
	std::string tar = read_file(w / "t.tar");
	// two members, split at an odd offset, with a file name in the second header
	size_t half = tar.size() / 2 + 7;
	write_file(w / "a", tar.substr(0, half));
	write_file(w / "b", tar.substr(half));
	REQUIRE(run("gzip -c " + quote(w / "a") + " > " + quote(w / "t.gz") + " && gzip -N -c " + quote(w / "b") +
		    " >> " + quote(w / "t.gz")).status == 0);
	auto r = mkfs("--tar=f " + kFlags + quote(w / "z.img") + " < " + quote(w / "t.gz"));
	INFO(r.err);
	REQUIRE(r.status == 0);
	CHECK(read_file(w / "z.img") == read_file(w / "plain.img"));

	std::string gz = read_file(w / "t.gz");
	write_file(w / "short.gz", gz.substr(0, gz.size() * 3 / 4));
	r = mkfs("--tar=f " + kFlags + quote(w / "short.img") + " < " + quote(w / "short.gz"));
	CHECK(r.status != 0);
	CHECK(r.err.find("gzip") != std::string::npos);
	CHECK(!fs::exists(w / "short.img"));

	std::string bad = gz;
	bad[bad.size() - 5] = char(bad[bad.size() - 5] ^ 0x55);  // the last member's CRC-32
	write_file(w / "bad.gz", bad);
	r = mkfs("--tar=f " + kFlags + quote(w / "bad.img") + " < " + quote(w / "bad.gz"));
	CHECK(r.status != 0);
	CHECK(r.err.find("corrupt gzip") != std::string::npos);
	CHECK(!fs::exists(w / "bad.img"));
}

TEST_CASE("aufs whiteouts become overlayfs whiteouts; --ovlfs-strip drops them", "[tar][mkfs]")
{
	TempDir w;
	TarBuilder t;
	t.header(file_header("d/", 0, '5'));
	t.file("d/.wh.gone", "");
	t.file("d/keep", "k");
	t.file("o/.wh..wh..opq", "");
	t.file(".wh..wh.plnk", "");
	t.end();
	write_file(w / "w.tar", t.bytes);
	REQUIRE(mkfs("--tar=f --aufs " + kFlags + quote(w / "a.img") + " " + quote(w / "w.tar")).status == 0);
	auto st = inspect("--stat=/d/gone " + quote(w / "a.img"));
	CHECK(st.out.find("crw") != std::string::npos);
	CHECK((st.out.find("rdev") == std::string::npos || st.out.find("0:0") != std::string::npos));
	CHECK(inspect("--stat=/o " + quote(w / "a.img")).out.find("trusted.overlay.opaque = \"y\"") !=
	      std::string::npos);
	CHECK(inspect("--stat=/d " + quote(w / "a.img")).out.find("trusted.overlay.origin") != std::string::npos);
	CHECK(inspect("--ls=/ " + quote(w / "a.img")).out.find(".wh.") == std::string::npos);
	REQUIRE(mkfs("--tar=f --aufs --ovlfs-strip=1 " + kFlags + quote(w / "s.img") + " " + quote(w / "w.tar"))
			.status == 0);
	CHECK(inspect("--stat=/d/gone " + quote(w / "s.img")).status != 0);
	CHECK(inspect("--stat=/o " + quote(w / "s.img")).out.find("overlay") == std::string::npos);
	// without --aufs the names stay
	REQUIRE(mkfs("--tar=f " + kFlags + quote(w / "n.img") + " " + quote(w / "w.tar")).status == 0);
	CHECK(inspect("--stat=/d/.wh.gone " + quote(w / "n.img")).status == 0);
}

namespace {

// A posix_acl xattr value: version 2, then {le16 tag, le16 perm, le32 id}.
std::string acl_bytes(const std::vector<std::array<uint32_t, 3>> &aces)
{
	std::string v;
	auto put = [&v](uint32_t x, int n) {
		for (int i = 0; i < n; i++)
			v.push_back(char((x >> (8 * i)) & 0xff));
	};
	put(2, 4);
	for (const auto &a : aces) {
		put(a[0], 2);
		put(a[1], 2);
		put(a[2], 4);
	}
	return v;
}

const uint32_t kNoId = 0xffffffff;

std::string read_file_xattr(const std::string &path, const std::string &name)
{
	char v[4096];
	ssize_t n = lgetxattr(path.c_str(), name.c_str(), v, sizeof(v));
	return n < 0 ? "<none>" : std::string(v, size_t(n));
}

}  // namespace

TEST_CASE("PAX SCHILY.acl.access and .default become system.posix_acl_* xattrs", "[tar][reader]")
{
	// user::rw- user:1000:rw- group::r-- group:44:r-x mask::rw- other::r--, sorted
	std::string full = acl_bytes({{0x01, 6, kNoId}, {0x02, 6, 1000}, {0x04, 4, kNoId}, {0x08, 5, 44},
				      {0x10, 6, kNoId}, {0x20, 4, kNoId}});
	auto xattrs_of_entry = [](const std::vector<std::pair<std::string, std::string>> &recs) {
		TarBuilder t;
		t.pax(recs);
		t.file("f", "x");
		t.end();
		auto es = read_all_entries(t.bytes);
		REQUIRE(es.size() == 1);
		return es[0].xattrs;
	};
	using X = std::vector<std::pair<std::string, std::string>>;
	// GNU tar: one entry a line, numeric qualifiers (names are looked up)
	CHECK(xattrs_of_entry({{"SCHILY.acl.access",
				"user::rw-\nuser:1000:rw-\ngroup::r--\ngroup:44:r-x\t#effective:r--\nmask::rw-\nother::r--\n"}}) ==
	      X{{"system.posix_acl_access", full}});
	// the access ACL sets the permission bits as extraction does: mask::
	// for the group (bsdtar's header has group::'s bits)
	{
		TarBuilder t;
		t.pax({{"SCHILY.acl.access", "user::r-x,group::r--,other::---,user:7:rwx,mask::rw-"}});
		t.file("f", "x");
		t.end();
		auto es = read_all_entries(t.bytes);
		REQUIRE(es.size() == 1);
		CHECK(es[0].mode == 0560);
	}
	// star / bsdtar: commas, any order, NAME:PERMS:ID (the id wins over the name)
	CHECK(xattrs_of_entry({{"SCHILY.acl.default",
				"user::rw-,group::r--,other::r--,user:nosuchuser:rw-:1000,group:nosuchgroup:r-x:44,mask::rw-"}}) ==
	      X{{"system.posix_acl_default", full}});
	// root is a name every host has
	CHECK(xattrs_of_entry({{"SCHILY.acl.access", "u::rwx,u:root:r--,g::---,m::r--,o::---"}}) ==
	      X{{"system.posix_acl_access",
		 acl_bytes({{0x01, 7, kNoId}, {0x02, 4, 0}, {0x04, 0, kNoId}, {0x10, 4, kNoId}, {0x20, 0, kNoId}})}});
	// a three-entry access ACL is the mode: nothing stored; a default one is kept
	CHECK(xattrs_of_entry({{"SCHILY.acl.access", "user::rwx\ngroup::r-x\nother::r-x\n"}}).empty());
	CHECK(xattrs_of_entry({{"SCHILY.acl.default", "user::rwx,group::r-x,other::r-x"}}) ==
	      X{{"system.posix_acl_default", acl_bytes({{0x01, 7, kNoId}, {0x04, 5, kNoId}, {0x20, 5, kNoId}})}});
	CHECK(xattrs_of_entry({{"SCHILY.acl.access", ""}}).empty());
	// a later record replaces an earlier xattr of the same name
	CHECK(xattrs_of_entry({{"SCHILY.xattr.system.posix_acl_access", "junk"},
			       {"SCHILY.acl.access", "user::rwx\ngroup::r-x\nother::r-x\n"}})
		      .empty());
	// malformed: a clear error naming the entry
	for (const char *bad : {"user::rw", "user::rwz,group::r--,other::r--", "bogus::rw-",
				"user::rw-,group::r--", "user::rw-,user:1000:rw-,group::r--,other::r--",
				"user::rw-,user:no-such-user-here:rw-,group::r--,mask::rw-,other::r--",
				"user::rw-,user:1:r--,user:1:r--,group::r--,mask::r--,other::r--",
				"user::rw-:5,group::r--,other::r--", "user:1:2:3:4"}) {
		INFO(bad);
		CHECK_THROWS_WITH(xattrs_of_entry({{"SCHILY.acl.access", bad}}), Catch::Contains("SCHILY.acl.access"));
	}
}

TEST_CASE("ACLs from GNU tar --acls and bsdtar --acls round-trip like tar -x", "[tar][mkfs]")
{
	TempDir w;
	std::string src = w / "src";
	fs::create_directories(src + "/d");
	write_file(src + "/f", "acl file\n");
	write_file(src + "/d/g", "inherits nothing: set after\n");
	std::string acl = acl_bytes({{0x01, 6, kNoId}, {0x02, 6, 1000}, {0x04, 4, kNoId}, {0x08, 5, 44},
				     {0x10, 6, kNoId}, {0x20, 4, kNoId}});
	set_xattr(src + "/f", "system.posix_acl_access", acl);
	set_xattr(src + "/d", "system.posix_acl_default", acl);
	for (const char *maker : {"tar --acls -H pax -cf", "tar --acls --numeric-owner -H pax -cf",
				  "bsdtar --acls --format pax -cf"}) {
		SECTION(maker)
		{
			std::string tar = w / "a.tar", img = w / "a.img", ours = w / "ours", ref = w / "ref";
			REQUIRE(run(std::string(maker) + " " + quote(tar) + " -C " + quote(src) + " .").status == 0);
			REQUIRE(run("grep -c SCHILY.acl " + quote(tar)).out != "0\n");
			auto r = mkfs("--tar=f " + kFlags + quote(img) + " " + quote(tar));
			INFO(r.err);
			REQUIRE(r.status == 0);
			REQUIRE(inspect("--extract=" + quote(ours) + " " + quote(img)).status == 0);
			fs::create_directories(ref);
			REQUIRE(run("tar --acls --numeric-owner -xpf " + quote(tar) + " -C " + quote(ref)).status == 0);
			CHECK(diff_trees(ref, ours) == "");
			CHECK(read_file_xattr(ours + "/f", "system.posix_acl_access") == acl);
			CHECK(read_file_xattr(ours + "/d", "system.posix_acl_default") == acl);
		}
	}
}

TEST_CASE("a repeated entry: the later one wins; directories after their children", "[tar][mkfs]")
{
	TempDir w;
	TarBuilder t;
	t.file("x/f", "first");
	t.file("x/f", "second, longer");
	t.file("y", "a file");
	t.header(file_header("y", 0, '5'));  // the file becomes a directory
	t.file("y/in", "inside");
	TarHeader d = file_header("x", 0, '5');
	d.mode = 0700;
	d.uid = 42;
	t.header(d);
	t.file("h", "linked");
	TarHeader l = file_header("h2", 0, '1');
	l.linkname = "h";
	t.header(l);
	t.end();
	write_file(w / "d.tar", t.bytes);
	auto r = mkfs("--tar=f " + kFlags + quote(w / "d.img") + " " + quote(w / "d.tar"));
	INFO(r.err);
	REQUIRE(r.status == 0);
	CHECK(inspect("--cat=/x/f " + quote(w / "d.img")).out == "second, longer");
	CHECK(inspect("--cat=/y/in " + quote(w / "d.img")).out == "inside");
	auto st = inspect("--stat=/x " + quote(w / "d.img")).out;
	CHECK(st.find("0700") != std::string::npos);
	CHECK(st.find("42/") != std::string::npos);
	CHECK(inspect("--stat=/h2 " + quote(w / "d.img")).out.find("nlink:   2") != std::string::npos);
	REQUIRE(inspect("--fsck " + quote(w / "d.img")).status == 0);
}

TEST_CASE("hostile paths stay inside the image", "[tar][safety]")
{
	TempDir w;
	TarBuilder t;
	t.file("../../escape", "e");
	t.file("/abs/file", "a");
	t.header([] {
		TarHeader s = file_header("lnk", 0, '2');
		s.linkname = "/etc";
		return s;
	}());
	t.end();
	write_file(w / "h.tar", t.bytes);
	REQUIRE(mkfs("--tar=f " + kFlags + quote(w / "h.img") + " " + quote(w / "h.tar")).status == 0);
	CHECK(inspect("--cat=/escape " + quote(w / "h.img")).out == "e");
	CHECK(inspect("--cat=/abs/file " + quote(w / "h.img")).out == "a");
	// an entry below a symlink is refused, never written through it
	TarBuilder u;
	u.header([] {
		TarHeader s = file_header("lnk", 0, '2');
		s.linkname = "/etc";
		return s;
	}());
	u.file("lnk/passwd", "x");
	u.end();
	write_file(w / "u.tar", u.bytes);
	auto r = mkfs("--tar=f " + kFlags + quote(w / "u.img") + " " + quote(w / "u.tar"));
	CHECK(r.status != 0);
	CHECK(r.err.find("not a directory") != std::string::npos);
	CHECK(!fs::exists(w / "u.img"));
}

TEST_CASE("malformed tars: a clear error with the entry and offset, nothing left", "[tar][safety]")
{
	auto good = [] {
		TarBuilder t;
		t.file("a", "hello");
		t.file("b", std::string(1000, 'b'));
		t.end();
		return t.bytes;
	};
	struct Case {
		const char *name;
		std::string bytes;
		const char *mention;
	};
	std::vector<Case> cases;
	{
		std::string b = good();
		b[1024 + 10] ^= 1;  // header of "b"
		cases.push_back({"bad checksum", b, "checksum mismatch"});
	}
	cases.push_back({"truncated inside data", good().substr(0, 1024 + 512 + 100), "truncated"});
	cases.push_back({"truncated at a header", good().substr(0, 1024), "end-of-archive"});
	{
		TarBuilder t;
		t.header(file_header("big", 1 << 20));
		t.data("x");
		t.end();
		cases.push_back({"size past the stream", t.bytes, "truncated"});
	}
	cases.push_back({"garbage after the end", good() + std::string(512, 'G'), "after the end"});
	{
		TarBuilder t;
		t.pax({{"path", "x"}});
		t.bytes[512] = '9';  // the first record's length now lies
		t.bytes[513] = '9';
		t.file("a", "");
		t.end();
		cases.push_back({"PAX length lies", t.bytes, "PAX record"});
	}
	{
		TarBuilder t;
		t.pax({{"size", "-5"}});
		t.file("a", "");
		t.end();
		cases.push_back({"negative PAX size", t.bytes, "not a number"});
	}
	{
		TarBuilder t;
		t.pax({{"size", "99999999999999999999999"}});
		t.file("a", "");
		t.end();
		cases.push_back({"huge PAX size", t.bytes, "not a number"});
	}
	{
		TarBuilder t;
		TarHeader l = file_header("l", 0, '1');
		l.linkname = "missing";
		t.header(l);
		t.end();
		cases.push_back({"hard link to nothing", t.bytes, "not an earlier entry"});
	}
	{
		std::string b = good();
		b[156] = 'Q';  // unknown type; fix the checksum
		TarHeader h = TarHeader::decode(std::span<const uint8_t, kTarBlock>(reinterpret_cast<const uint8_t *>(good().data()), kTarBlock), "t");
		h.typeflag = 'Q';
		auto blk = block_of(h);
		b.replace(0, kTarBlock, reinterpret_cast<const char *>(blk.data()), kTarBlock);
		cases.push_back({"unknown type", b, "unsupported entry type"});
	}
	for (const auto &c : cases) {
		SECTION(c.name)
		{
			TempDir w, out;
			write_file(w / "m.tar", c.bytes);
			for (std::string mode : {"f", "i"}) {
				auto r = mkfs("--tar=" + mode + " " + kFlags + quote(out / "m.img") + " < " + quote(w / "m.tar"));
				INFO(mode + ": " + r.err);
				CHECK(r.status != 0);
				CHECK(r.err.find(c.mention) != std::string::npos);
				CHECK(r.err.find("byte") != std::string::npos);
				CHECK(list_dir(out.path()).empty());
			}
		}
	}
}

TEST_CASE("headerball: files read as zeros of their size", "[tar][mkfs]")
{
	TempDir w;
	TarBuilder t;
	t.header(file_header("f", 5000));  // no data follows in a headerball
	t.file("g", "");
	t.end();
	write_file(w / "hb.tar", t.bytes);
	auto r = mkfs("--tar=headerball " + kFlags + quote(w / "hb.img") + " " + quote(w / "hb.tar"));
	INFO(r.err);
	REQUIRE(r.status == 0);
	CHECK(inspect("--cat=/f " + quote(w / "hb.img")).out == std::string(5000, '\0'));
	CHECK(inspect("--fsck --verify-fingerprints " + quote(w / "hb.img")).status == 0);
}

TEST_CASE("invoked as mkfs.erofs: containerd's command lines run unchanged", "[tar][mkfs]")
{
	TempDir w;
	std::string alias = w / "mkfs.erofs";
	fs::create_symlink(mkfs_bin(), alias);
	auto h = run(quote(alias) + " --help");
	CHECK(h.status == 0);
	CHECK(h.out.find("--tar=") != std::string::npos);
	make_zoo(w / "src", false);
	fs::remove(w / "src/sock");
	REQUIRE(run("tar --xattrs --xattrs-include='*' -cf " + quote(w / "t.tar") + " -C " + quote(w / "src") + " .")
			.status == 0);
	std::string u = " -U " + kUuid + " ";
	std::string user = "-T0 --mkfs-time --sort=none --xattr-inode-digest";
	std::vector<std::string> lines = {
		"--tar=f --aufs --quiet -Enoinline_data -b4096 " + user + u + quote(w / "1.erofs") + " < " + quote(w / "t.tar"),
		"--tar=i --aufs --quiet -b4096 " + user + u + quote(w / "2.erofs") + " < " + quote(w / "t.tar"),
		"--tar=f --aufs --quiet -Enoinline_data -b4096 -zlz4 -C 65536 --xattr-inode-digest" + u +
			quote(w / "3.erofs") + " < " + quote(w / "t.tar"),
		"--quiet -Enoinline_data --xattr-inode-digest " + quote(w / "4.erofs") + " " + quote(w / "src"),
	};
	for (size_t i = 0; i < lines.size(); i++) {
		auto r = run(quote(alias) + " " + lines[i]);
		INFO(lines[i] + "\n" + r.err);
		REQUIRE(r.status == 0);
	}
	REQUIRE(run("cat " + quote(w / "t.tar") + " >> " + quote(w / "2.erofs")).status == 0);
	for (int i = 1; i <= 4; i++) {
		std::string img = w / (std::to_string(i) + ".erofs");
		auto f = inspect("--fsck --verify-fingerprints " + quote(img));
		INFO(img + "\n" + f.out + f.err);
		CHECK(f.status == 0);
		std::string x = w / ("x" + std::to_string(i));
		REQUIRE(inspect("--extract=" + quote(x) + " " + quote(img)).status == 0);
		CHECK(diff_trees(w / "src", x) == "");
	}
	// the regular files of 1.erofs have no inline tails
	auto st1 = inspect("--stat=/f513 " + quote(w / "1.erofs")).out;
	CHECK(st1.find("flat-plain") != std::string::npos);
	CHECK(st1.find("tail at") == std::string::npos);
	auto bad = run(quote(alias) + " --tar=x " + quote(w / "5.erofs"));
	CHECK(bad.err.rfind("mkfs.erofs: error:", 0) == 0);
}

TEST_CASE("tar content through the pipe: big and many files, fingerprints and bytes exact", "[tar][mkfs]")
{
	// Files of 0, 1 and 511 bytes, across buffer boundaries (512 KiB in
	// full mode, 64 KiB in index mode) and over many buffers, and many
	// small ones: the pipe thread hashes and stores while the stream
	// thread reads on, and must keep every file's bytes and fingerprint.
	TempDir w;
	fs::create_directories(w / "src/many");
	write_file(w / "src/empty", "");
	write_file(w / "src/one", "x");
	write_file(w / "src/odd", random_bytes(511, 1));
	write_file(w / "src/edge", random_bytes((512 << 10) + 1, 2));
	write_file(w / "src/big", random_bytes(5 << 20, 3));
	for (int i = 0; i < 300; i++)
		write_file(w / ("src/many/" + std::to_string(i)), random_bytes(size_t(i) * 97, uint32_t(10 + i)));
	// whole seconds, as tar keeps them
	REQUIRE(run("find " + quote(w / "src") + " -exec touch -d @1700000000 {} +").status == 0);
	REQUIRE(run("tar -cf " + quote(w / "t.tar") + " -C " + quote(w / "src") + " .").status == 0);
	for (std::string mode : {"f", "i"}) {
		std::string img = w / (mode + ".img");
		auto r = mkfs("--tar=" + mode + " " + kFlags + quote(img) + " " + quote(w / "t.tar"));
		INFO(mode + ": " + r.err);
		REQUIRE(r.status == 0);
		if (mode == "i")
			REQUIRE(run("cat " + quote(w / "t.tar") + " >> " + quote(img)).status == 0);
		auto f = inspect("--fsck --verify-fingerprints " + quote(img));
		INFO(f.out + f.err);
		CHECK(f.status == 0);
		CHECK(f.out.find("0 mismatched, 0 missing") != std::string::npos);
		std::string x = w / ("x" + mode);
		REQUIRE(inspect("--extract=" + quote(x) + " " + quote(img)).status == 0);
		CHECK(diff_trees(w / "src", x) == "");
	}
}

TEST_CASE("tar content: a failed write of the data file is an error, nothing left", "[tar][safety]")
{
	// The data file sits next to the output; a file size limit makes its
	// writes fail (EFBIG) on the pipe thread, which the stream thread
	// must report.
	TempDir w;
	fs::create_directories(w / "src");
	write_file(w / "src/big", random_bytes(3 << 20, 7));
	REQUIRE(run("tar -cf " + quote(w / "t.tar") + " -C " + quote(w / "src") + " .").status == 0);
	std::string img = w / "out.img";
	auto r = run("trap '' XFSZ; ulimit -f 1024; " + quote(mkfs_bin()) + " --tar=f " + kFlags + quote(img) + " " +
		     quote(w / "t.tar"));
	INFO(r.err);
	CHECK(r.status != 0);
	CHECK(r.err.find("error") != std::string::npos);
	CHECK(r.err.find("File too large") != std::string::npos);
	CHECK(!fs::exists(img));
	// only the inputs remain
	CHECK(std::distance(fs::directory_iterator(w.path()), fs::directory_iterator{}) == 2);
}

TEST_CASE("tar files compressed while the stream is read: the same image as compressed after it", "[tar][mkfs][compress]")
{
	// Files are compressed as soon as the data file holds them; results
	// of entries a later one replaces go unused, twins copy one result,
	// and the big file takes the window path.  The image must not depend
	// on any of it.
	TempDir w;
	fs::create_directories(w / "src/d");
	std::string text;
	for (int i = 0; i < 4000; i++)
		text += "line " + std::to_string(i * 7919 % 1000) + " of some compressible text\n";
	for (int i = 0; i < 40; i++)
		write_file(w / ("src/d/" + std::to_string(i)), text.substr(0, size_t(i) * 2011 % text.size()));
	for (int i = 0; i < 5; i++)
		write_file(w / ("src/twin" + std::to_string(i)), text);
	write_file(w / "src/random", random_bytes(300000, 5));
	std::string big;
	while (big.size() < (9u << 20))
		big += text;
	write_file(w / "src/big", big);
	REQUIRE(run("ln " + quote(w / "src/twin0") + " " + quote(w / "src/hard")).status == 0);
	REQUIRE(run("find " + quote(w / "src") + " -exec touch -d @1700000000 {} +").status == 0);
	REQUIRE(run("tar -cf " + quote(w / "t.tar") + " -C " + quote(w / "src") + " .").status == 0);
	// the same paths again with other content: the later entries win
	write_file(w / "src/d/3", text.substr(100, 20000));
	write_file(w / "src/twin1", text.substr(5, 70000));
	REQUIRE(run("touch -d @1700000000 " + quote(w / "src/d/3") + " " + quote(w / "src/twin1")).status == 0);
	REQUIRE(run("tar -rf " + quote(w / "t.tar") + " -C " + quote(w / "src") + " ./d/3 ./twin1").status == 0);
	write_file(w / "hints", "65536 ^d/1\n");

	struct Case {
		std::string z, name;
		bool fp, frags, dedupe, hints;
	};
	for (const Case &k : {Case{"lz4hc", "lz4hc", false, false, false, false},
			      Case{"lz4hc", "lz4hc+fp", true, false, false, false},
			      Case{"lz4", "lz4+fragments+dedupe", true, true, true, false},
			      Case{"lz4hc:zstd", "hints", false, false, false, true}}) {
		using Early = MkfsOptions::Early;
		std::string imgs[3];
		for (Early early : {Early::Off, Early::On, Early::All}) {
			std::string tag = std::to_string(int(early));
			MkfsOptions o;
			o.image = w / (k.name + tag + ".img");
			o.source = w / "t.tar";
			o.tar = TarMode::Full;
			o.fixed_time = 0;
			o.mkfs_time = true;
			o.uuid = parse_uuid(kUuid);
			o.compress.algs = parse_compress_option(k.z);
			o.compress.pcluster = 16384;
			o.compress.fragments = k.frags;
			o.compress.dedupe = o.compress.extent_dedupe = k.dedupe;
			if (k.hints)
				o.compress.hints = load_compress_hints(w / "hints", o.compress, o.blkbits);
			if (k.fp)
				o.ishare_key = "erofs.fingerprint.v1";  // mkfs --xattr-inode-digest
			o.workers = 2;
			o.early_compress = early;
			INFO(k.name << " early mode " << tag);
			MkfsResult res;
			REQUIRE_NOTHROW(res = build_image(o));
			// (On: as many as the workers reached before the stream ended)
			if (early == Early::Off)
				CHECK(res.early_files + res.early_copies == 0);
			if (early == Early::All) {
				CHECK(res.early_files == 46);  // every file with data in the tree
				// twin1-4 or the like copy the first twin's result
				// (one early worker, in stream order)
				CHECK(res.early_copies == 4);
			}

			auto f = inspect("--fsck " + std::string(k.fp ? "--verify-fingerprints " : "") + quote(o.image));
			INFO(f.out + f.err);
			CHECK(f.status == 0);
			std::string x = w / (k.name + tag + ".x");
			REQUIRE(inspect("--extract=" + quote(x) + " " + quote(o.image)).status == 0);
			CHECK(diff_trees(w / "src", x) == "");
			imgs[int(early)] = read_file(o.image);
		}
		for (int m = 1; m < 3; m++) {
			auto d = std::mismatch(imgs[0].begin(), imgs[0].end(), imgs[m].begin(), imgs[m].end());
			INFO(k.name << ": early mode " << m << " differs from Off at byte " << (d.first - imgs[0].begin())
				    << " of " << imgs[0].size() << "/" << imgs[m].size());
			CHECK(imgs[0] == imgs[m]);
		}
	}
}
