// Compressed images end to end: every algorithm and level class, pcluster
// sizes, ztailpacking, compact and full indexes; the index replayed through
// the Linux 6.12 map_blocks rules for every lcluster; identical output for
// any --workers; Debian erofs-utils 1.5 as the independent checker (its
// fsck knows lz4/lz4hc) and as a producer our reader must understand.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <fcntl.h>
#include <map>
#include <thread>

#include "compress/codec.hpp"
#include "read/content.hpp"
#include "read/dir_read.hpp"
#include "base/error.hpp"
#include "helpers.hpp"
#include "read/image.hpp"
#include "write/spill.hpp"
#include "read/walk.hpp"
#include "compress/zindex.hpp"
#include "compress/zwrite.hpp"

using namespace testutil;
namespace fs = std::filesystem;

namespace {

// Word salad from a fixed vocabulary: compresses roughly 3:1 like text.
std::string text_bytes(size_t n, uint32_t seed)
{
	static const char *words[] = {"erofs", "page", "cache", "shared", "inode", "block", "the",
				      "compress", "lz4", "zstd", "cluster", "index", "kernel", "of",
				      "image", "file", "data", "and", "to", "mkfs", "1024", "\n"};
	std::string s;
	uint32_t x = seed * 2654435761u + 1;
	while (s.size() < n) {
		x = x * 1103515245u + 12345u;
		s += words[(x >> 16) % std::size(words)];
		s += (x & 7) ? " " : ", ";
	}
	s.resize(n);
	return s;
}

// Compressible, incompressible and mixed files, sizes around blocks.
void make_compressible(const std::string &d)
{
	fs::create_directories(d);
	write_file(d + "/text300k", text_bytes(300000, 1));
	write_file(d + "/zeros3m", std::string(3 << 20, '\0'));
	std::string pat;
	while (pat.size() < (2u << 20))
		pat += "abcdefghijklmnopqrstuvwxyz0123456789";
	write_file(d + "/pattern2m", pat.substr(0, 2u << 20));
	std::string mixed;
	for (int i = 0; i < 24; i++)
		mixed += i % 2 ? random_bytes(8192, uint32_t(100 + i)) : text_bytes(8192, uint32_t(i));
	write_file(d + "/mixed", mixed);
	write_file(d + "/rand200k", random_bytes(200000, 7));
	for (size_t n : {100, 4095, 4096, 4097, 5000, 9000, 12289, 70000})
		write_file(d + "/t" + std::to_string(n), text_bytes(n, uint32_t(n)));
}

// Replays z_erofs_map_blocks_iter() of Linux 6.12 (zmap.c) on our decoded
// lclusters and checks each answer against the extent list of read_zmap.
class KernelReplay {
public:
	KernelReplay(const erofs::Image &img, const erofs::InodeInfo &ino)
		: img_(img), ino_(ino), m_(erofs::read_zmap(img, ino)), bits_(m_.lclusterbits)
	{
		if (m_.idata_size) {  // z_erofs_fill_inode_lazy: FINDTAIL
			auto r = map(ino.size - 1, true);
			tail_head_ = r.head_lcn;
		}
	}

	struct Map {
		uint64_t la = 0, llen = 0, pa = 0, plen = 0, head_lcn = 0;
		uint8_t headtype = 0;
		bool meta = false;
	};

	Map map(uint64_t ofs, bool findtail = false)
	{
		Map r;
		uint64_t lcn = ofs >> bits_;
		unsigned endoff = unsigned(ofs & ((1u << bits_) - 1));
		auto cur = load(lcn);
		if (findtail)
			tail_pos_ = cur.nextpackoff;
		uint64_t end = (lcn + 1) << bits_;
		uint64_t head_lcn = lcn;
		if (cur.type != erofs::ltype::kNonhead && endoff >= cur.clusterofs) {
			r.la = (lcn << bits_) | cur.clusterofs;
			if (m_.idata_size && end > ino_.size)
				end = ino_.size;
		} else {
			unsigned dist = cur.delta[0];
			if (cur.type != erofs::ltype::kNonhead) {
				if (lcn == 0)
					throw erofs::Error("invalid logical cluster 0", "replay");
				end = (lcn << bits_) | cur.clusterofs;
				dist = 1;
			}
			for (;;) {  // z_erofs_extent_lookback
				if (dist == 0 || head_lcn < dist)
					throw erofs::Error("bogus lookback distance", "replay");
				head_lcn -= dist;
				cur = load(head_lcn);
				if (cur.type != erofs::ltype::kNonhead)
					break;
				dist = cur.delta[0];
			}
			r.la = (head_lcn << bits_) | cur.clusterofs;
		}
		r.head_lcn = head_lcn;
		r.headtype = cur.type;
		r.llen = end - r.la;
		if (m_.idata_size && !findtail && head_lcn == tail_head_) {
			r.meta = true;
			r.pa = tail_pos_;
			r.plen = m_.idata_size;
		} else if (!findtail) {
			r.pa = uint64_t(cur.pblk) * img_.blksz();
			r.plen = compressedlen(head_lcn, cur.type) * img_.blksz();
		}
		return r;
	}

	// z_erofs_get_extent_decompressedlen (the FIEMAP path, uses delta[1]).
	uint64_t decompressedlen(const Map &mp)
	{
		uint64_t lcn = mp.head_lcn;
		uint64_t headlcn = mp.la >> bits_;
		erofs::ZLcluster cur;
		for (int guard = 0; guard < 1 << 24; guard++) {
			if ((lcn << bits_) >= ino_.size)
				return ino_.size - mp.la;
			cur = erofs::zmap_lcluster(img_, ino_, m_, lcn, true);
			uint64_t d1;
			if (cur.type == erofs::ltype::kNonhead) {
				d1 = cur.delta[1] ? cur.delta[1] : 1;
			} else {
				if (lcn != headlcn)
					return (lcn << bits_) + cur.clusterofs - mp.la;
				d1 = 1;
			}
			lcn += d1;
		}
		throw erofs::Error("decompressedlen does not end", "replay");
	}

	// Every lcluster, at its start and at its head offset.
	void check_all()
	{
		for (const auto &e : m_.extents) {
			std::vector<uint64_t> probes{e.start, e.start + e.len - 1};
			for (uint64_t l = (e.start >> bits_) + 1; (l << bits_) < e.start + e.len; l++)
				probes.push_back(l << bits_);
			for (uint64_t p : probes) {
				INFO("nid " << ino_.nid << " offset " << p);
				auto r = map(p);
				REQUIRE(r.la == e.start);
				REQUIRE(r.la + r.llen > p);
				// without ztailpacking the last lcluster maps past EOF (as the kernel does)
				uint64_t lsz = uint64_t(1) << bits_, end = e.start + e.len;
				REQUIRE(r.la + r.llen <= (end == ino_.size ? (end + lsz - 1) / lsz * lsz : end));
				REQUIRE(r.meta == e.inline_tail);
				REQUIRE(r.pa == e.phys);
				REQUIRE(r.plen == e.plen);
				REQUIRE(r.headtype == e.type);
				if (r.headtype == erofs::ltype::kPlain)
					REQUIRE(r.llen <= r.plen);
				REQUIRE(decompressedlen(r) == e.len);
			}
		}
	}

	const erofs::ZMap &zmap() const { return m_; }

private:
	erofs::ZLcluster load(uint64_t lcn)
	{
		auto z = erofs::zmap_lcluster(img_, ino_, m_, lcn, false);
		if (z.type != erofs::ltype::kNonhead && z.clusterofs >= (1u << bits_))
			throw erofs::Error("clusterofs beyond lcluster", "replay");
		return z;
	}

	uint64_t compressedlen(uint64_t lcn, uint8_t headtype)
	{
		bool big1 = m_.advise & erofs::zadv::kBigPcluster1, big2 = m_.advise & erofs::zadv::kBigPcluster2;
		if ((headtype == erofs::ltype::kHead1 && !big1) ||
		    ((headtype == erofs::ltype::kPlain || headtype == erofs::ltype::kHead2) && !big2) ||
		    ((lcn + 1) << bits_) >= ino_.size)
			return 1;
		auto n = load(lcn + 1);
		if (n.type == erofs::ltype::kNonhead && n.delta[0] != 1)
			throw erofs::Error("bogus CBLKCNT", "replay");
		if (n.type != erofs::ltype::kNonhead || !n.compressedblks)
			return 1;
		return n.compressedblks;
	}

	const erofs::Image &img_;
	const erofs::InodeInfo &ino_;
	erofs::ZMap m_;
	unsigned bits_;
	uint64_t tail_head_ = UINT64_MAX;
	uint64_t tail_pos_ = 0;
};

// Replays the kernel's mapping for every compressed inode; returns how many.
size_t replay_all(const std::string &image)
{
	erofs::Image img(image);
	size_t n = 0;
	erofs::walk_tree(img, [&](const erofs::WalkItem &w) {
		if (!w.ino.compressed())
			return;
		KernelReplay(img, w.ino).check_all();
		n++;
	});
	return n;
}

// Regular files of `src` have the same bytes under `out`.
std::string diff_contents(const std::string &src, const std::string &out)
{
	for (auto &e : fs::recursive_directory_iterator(src)) {
		if (e.is_symlink() || !e.is_regular_file())
			continue;
		std::string rel = fs::relative(e.path(), src).string();
		if (!fs::exists(out + "/" + rel))
			return "missing " + rel;
		if (read_file(e.path().string()) != read_file(out + "/" + rel))
			return "content of " + rel;
	}
	return "";
}

struct Tree {
	TempDir t;
	Tree()
	{
		make_zoo(t / "src", false);
		make_compressible(t / "src/comp");
	}
};

// Builds, checks with our fsck, the kernel replay and an extract; with
// `debian`, also fsck.erofs 1.5 with --extract.
void roundtrip(Tree &tr, const std::string &opts, bool debian)
{
	INFO("options: " << opts);
	auto &t = tr.t;
	std::string img = t / "v.img";
	fs::remove_all(t / "out");
	fs::remove_all(t / "deb");
	auto r = mkfs("-Uclear " + opts + " " + quote(img) + " " + quote(t / "src"));
	REQUIRE(r.status == 0);
	auto f = inspect("--fsck " + quote(img));
	REQUIRE(f.status == 0);
	CHECK(replay_all(img) >= 8);
	auto x = inspect("--extract=" + quote(t / "out") + " " + quote(img));
	REQUIRE(x.status == 0);
	CHECK(diff_trees(t / "src", t / "out") == "");
	if (debian) {
		auto d = run("fsck.erofs --extract=" + quote(t / "deb") + " " + quote(img));
		CHECK(d.status == 0);
		CHECK(diff_contents(t / "src", t / "deb") == "");
	}
}

}  // namespace

TEST_CASE("compression option spellings and errors", "[compress]")
{
	using erofs::Alg;
	auto one = [](const std::string &s) { return erofs::parse_compress_option(s).at(0); };
	CHECK(one("lz4").alg == Alg::Lz4);
	CHECK_FALSE(one("lz4").hc);
	CHECK(one("lz4hc").hc);
	CHECK(one("lz4hc").level == 9);
	CHECK(one("lz4hc,12").level == 12);
	CHECK(one("lz4hc,level=0").level == 0);
	CHECK(one("zstd").level == 3);
	CHECK(one("zstd,level=19").level == 19);
	CHECK(one("lzma").alg == Alg::Lzma);
	CHECK(one("lzma,9").level == 9);
	CHECK(one("deflate,level=12").alg == Alg::Deflate);
	auto two = erofs::parse_compress_option("lz4hc,level=4:zstd,level=9");
	REQUIRE(two.size() == 2);
	CHECK(two[1].alg == Alg::Zstd);
	CHECK(two[1].level == 9);
	for (const char *bad : {"lz4hc,13", "zstd,0", "zstd,level=23", "gzip", "lz4,3", "lz4:lz4hc", "", "lz4:",
				"lzma,10", "deflate,0"})
		CHECK_THROWS_AS(erofs::parse_compress_option(bad), erofs::Error);
	TempDir t;
	fs::create_directories(t / "s");
	for (const char *args : {"-zfoo", "-zlz4hc,99", "-zlz4 -C 5000", "-zlz4 -C 2097152", "-C 65536",
				 "-zlz4 -Efoo", "-zlz4 --max-extent-bytes=1"}) {
		auto r = mkfs(std::string(args) + " " + quote(t / "x.img") + " " + quote(t / "s"));
		CHECK(r.status != 0);
		CHECK(r.err.find("error: ") != std::string::npos);
		CHECK_FALSE(fs::exists(t / "x.img"));
	}
}

TEST_CASE("lz4 and lz4hc round trips, compact indexes, 4K/16K/64K/1M pclusters", "[compress][roundtrip]")
{
	Tree tr;
	for (const char *o : {"-zlz4", "-zlz4hc", "-zlz4hc,1", "-zlz4hc,12 -C16384", "-zlz4hc -C65536",
			      "-zlz4 -C1048576", "-zlz4hc -Eztailpacking", "-zlz4 -C16384 -Eztailpacking",
			      "-zlz4hc -C65536 -Eztailpacking", "-zlz4hc -C1048576 -Eztailpacking"})
		roundtrip(tr, o, true);
}

TEST_CASE("lz4hc round trips with full (legacy) indexes", "[compress][roundtrip]")
{
	Tree tr;
	for (const char *o : {"-zlz4hc -Elegacy-compress", "-zlz4 -C16384 -Elegacy-compress",
			      "-zlz4hc -C65536 -Elegacy-compress,ztailpacking",
			      "-zlz4hc -C1048576 -Elegacy-compress", "-zlz4hc -Eztailpacking,legacy-compress"})
		roundtrip(tr, o, true);
}

TEST_CASE("zstd round trips (levels 1, 3, 19), both index formats", "[compress][roundtrip]")
{
	Tree tr;
	for (const char *o : {"-zzstd", "-zzstd,1 -C16384", "-zzstd,level=19 -C65536 -Eztailpacking",
			      "-zzstd -C1048576 -Elegacy-compress", "-zzstd -Eztailpacking,legacy-compress",
			      "-zzstd:lz4hc -C16384"})
		roundtrip(tr, o, false);
}

TEST_CASE("MicroLZMA and DEFLATE round trips", "[compress][roundtrip]")
{
	Tree tr;
	for (const char *o : {"-zlzma", "-zlzma,9 -C65536 -Eztailpacking", "-zdeflate -Elegacy-compress",
			      "-zdeflate,12 -C16384 -Eztailpacking"})
		roundtrip(tr, o, false);
	erofs::Image img(tr.t / "v.img");
	CHECK(img.sb().u1 == 1u << unsigned(erofs::Alg::Deflate));
	CHECK(img.deflate_windowbits() == 15);
}

TEST_CASE("512-byte blocks with compression", "[compress][roundtrip]")
{
	Tree tr;
	// Debian's fsck.erofs 1.5 only reads 4 KiB blocks: our reader and the replay check these.
	for (const char *o : {"-b512 -zlz4hc", "-b512 -zlz4hc -C4096 -Eztailpacking",
			      "-b512 -zzstd -C65536 -Elegacy-compress"})
		roundtrip(tr, o, false);
}

TEST_CASE("what gets compressed: incompressible flat, compressible compact, tails inline", "[compress]")
{
	Tree tr;
	auto &t = tr.t;
	REQUIRE(mkfs("-zlz4hc -C65536 -Eztailpacking " + quote(t / "a.img") + " " + quote(t / "src")).status == 0);
	erofs::Image img(t / "a.img");
	auto sb = img.sb();
	CHECK((sb.feature_incompat & erofs::incompat::kZeroPadding));
	CHECK((sb.feature_incompat & erofs::incompat::kComprCfgs));
	CHECK((sb.feature_incompat & erofs::incompat::kZtailpacking));
	CHECK(sb.u1 == 1);  // LZ4 only
	CHECK(img.lz4_max_pclusterblks() == 16);
	CHECK(inspect("--sb " + quote(t / "a.img")).out.find("compression:       lz4 (pclusters up to 16 blocks)") !=
	      std::string::npos);
	using L = erofs::DataLayout;
	CHECK(erofs::lookup(img, "/comp/rand200k").layout == unsigned(L::FlatInline));
	CHECK(erofs::lookup(img, "/f100").layout == unsigned(L::FlatInline));
	auto z = erofs::lookup(img, "/comp/zeros3m");
	CHECK(z.layout == unsigned(L::CompressedCompact));
	CHECK(z.i_u <= 4);  // 3 MiB of zeros in a few blocks
	auto txt = erofs::lookup(img, "/comp/text300k");
	REQUIRE(txt.layout == unsigned(L::CompressedCompact));
	CHECK(txt.i_u < 300000 / 4096 / 2);
	auto m = erofs::read_zmap(img, txt);
	CHECK((m.advise & erofs::zadv::kBigPcluster1));
	bool big = false;
	for (const auto &e : m.extents)
		big |= e.plen > 4096;
	CHECK(big);
	auto t9 = erofs::read_zmap(img, erofs::lookup(img, "/comp/t9000"));
	CHECK((t9.advise & erofs::zadv::kInlinePcluster));
	REQUIRE(t9.extents.size() == 1);
	CHECK(t9.extents[0].inline_tail);
	CHECK(t9.extents[0].type == erofs::ltype::kHead1);
	// with 4 KiB pclusters the mixed file has compressed pclusters and plain blocks
	REQUIRE(mkfs("-zlz4hc " + quote(t / "c.img") + " " + quote(t / "src")).status == 0);
	erofs::Image c(t / "c.img");
	auto mx = erofs::read_zmap(c, erofs::lookup(c, "/comp/mixed"));
	std::map<uint8_t, int> types;
	for (const auto &e : mx.extents)
		types[e.type]++;
	CHECK(types[erofs::ltype::kPlain] > 0);
	CHECK(types[erofs::ltype::kHead1] > 0);
	// without -C and ztailpacking: no cfgs, lz4 distance in u1
	REQUIRE(mkfs("-zlz4 " + quote(t / "b.img") + " " + quote(t / "src")).status == 0);
	erofs::Image b(t / "b.img");
	CHECK_FALSE((b.sb().feature_incompat & erofs::incompat::kComprCfgs));
	CHECK(b.sb().u1 == 65535);
	// a small text file shrinks only with ztailpacking (inline compressed)
	CHECK_FALSE(erofs::lookup(b, "/comp/t4095").compressed());
	auto t5 = erofs::lookup(img, "/comp/t4095");
	CHECK(t5.layout == unsigned(L::CompressedCompact));
	CHECK(t5.i_u == 0);
}

TEST_CASE("compressed builds are byte-identical for --workers=1 and --workers=4", "[compress][repro]")
{
	Tree tr;
	auto &t = tr.t;
	for (const char *o : {"-zlz4hc -C65536 -Eztailpacking", "-zzstd -C16384"}) {
		std::string opts = std::string(o) + " -T 1600000000 -Uclear --ishare_key=trusted.fp ";
		REQUIRE(mkfs(opts + "--workers=1 " + quote(t / "1.img") + " " + quote(t / "src")).status == 0);
		REQUIRE(mkfs(opts + "--workers=4 " + quote(t / "4.img") + " " + quote(t / "src")).status == 0);
		CHECK(read_bytes(t / "1.img") == read_bytes(t / "4.img"));
	}
}

TEST_CASE("fingerprints of compressed files are over the uncompressed content", "[compress][ishare]")
{
	Tree tr;
	auto &t = tr.t;
	REQUIRE(mkfs("-zlz4hc -C16384 -Eztailpacking --ishare_key=trusted.erofs.fingerprint " + quote(t / "fp.img") +
		     " " + quote(t / "src"))
			.status == 0);
	erofs::Image img(t / "fp.img");
	for (const char *name : {"comp/text300k", "comp/zeros3m", "comp/mixed", "comp/rand200k", "comp/t4097", "f1"}) {
		auto ino = erofs::lookup(img, std::string("/") + name);
		auto fp = erofs::stored_fingerprint(img, ino);
		REQUIRE(fp);
		auto s = run("sha256sum " + quote(t / ("src/" + std::string(name))));
		CHECK(erofs::to_hex({reinterpret_cast<const uint8_t *>(fp->data()) + 7, 32}) == s.out.substr(0, 64));
	}
	auto v = inspect("--fsck --verify-fingerprints " + quote(t / "fp.img"));
	CHECK(v.status == 0);
	CHECK(v.out.find("clean") == 0);
}

TEST_CASE("identical compressed files share their blocks when fingerprints prove them equal", "[compress][dedupe]")
{
	Tree tr;
	auto &t = tr.t;
	fs::create_directories(t / "src/dup");
	fs::copy_file(t / "src/comp/text300k", t / "src/dup/a");
	fs::copy_file(t / "src/comp/text300k", t / "src/dup/b");
	fs::copy_file(t / "src/comp/mixed", t / "src/dup/c");
	std::string src = " " + quote(t / "src");
	for (const char *o : {"-zlz4hc", "-zlz4hc -C65536 -Eztailpacking", "-zzstd -Elegacy-compress"}) {
		INFO("options: " << o);
		std::string opts = std::string(o) + " -T0 -Uclear ";
		std::string fp = "--ishare_key=trusted.erofs.fingerprint ";
		REQUIRE(mkfs(opts + fp + quote(t / "d.img") + src).status == 0);
		REQUIRE(mkfs(opts + fp + "-E^dedupe " + quote(t / "n.img") + src).status == 0);
		// three copies of compressible files: at least 3 blocks fewer
		CHECK(fs::file_size(t / "d.img") + 3 * 4096 <= fs::file_size(t / "n.img"));
		auto v = inspect("--fsck --verify-fingerprints " + quote(t / "d.img"));
		CHECK(v.status == 0);
		CHECK(v.out.find("0 mismatched") != std::string::npos);
		CHECK(replay_all(t / "d.img") >= 8);
		fs::remove_all(t / "out");
		REQUIRE(inspect("--extract=" + quote(t / "out") + " " + quote(t / "d.img")).status == 0);
		CHECK(diff_contents(t / "src", t / "out") == "");
		// without fingerprints nothing is known to be equal: no change
		REQUIRE(mkfs(opts + quote(t / "p1.img") + src).status == 0);
		REQUIRE(mkfs(opts + "-E^dedupe " + quote(t / "p2.img") + src).status == 0);
		CHECK(read_bytes(t / "p1.img") == read_bytes(t / "p2.img"));
	}
}

TEST_CASE("our reader reads Debian mkfs.erofs 1.5 -zlz4 / -zlz4hc images", "[compress][cross]")
{
	Tree tr;
	auto &t = tr.t;
	fs::remove(t / ("src/a/" + std::string(255, 'n')));  // 1.5 fails on 255-byte names
	for (const char *o : {"-zlz4", "-zlz4hc", "-zlz4hc,12 -C65536", "-zlz4 -C16384 -Eztailpacking",
			      "-zlz4hc -Elegacy-compress", "-zlz4hc -C1048576 -Eztailpacking"}) {
		INFO("mkfs.erofs " << o);
		fs::remove_all(t / "out");
		auto r = run("mkfs.erofs " + std::string(o) + " " + quote(t / "p.img") + " " + quote(t / "src"));
		INFO(r.err);
		REQUIRE(r.status == 0);
		CHECK(inspect("--fsck " + quote(t / "p.img")).status == 0);
		CHECK(replay_all(t / "p.img") >= 5);
		REQUIRE(inspect("--extract=" + quote(t / "out") + " " + quote(t / "p.img")).status == 0);
		CHECK(diff_contents(t / "src", t / "out") == "");
	}
}

TEST_CASE("inspect --stat shows the extent map of a compressed file", "[compress][inspect]")
{
	Tree tr;
	auto &t = tr.t;
	REQUIRE(mkfs("-zlz4hc -Eztailpacking " + quote(t / "s.img") + " " + quote(t / "src")).status == 0);
	auto s = inspect("--stat=/comp/t9000 " + quote(t / "s.img"));
	REQUIRE(s.status == 0);
	CHECK(s.out.find("compressed-compact") != std::string::npos);
	CHECK(s.out.find("lz4") != std::string::npos);
	CHECK(s.out.find("inline") != std::string::npos);
	auto j = inspect("--stat=/comp/mixed --json " + quote(t / "s.img"));
	REQUIRE(j.status == 0);
	CHECK(j.out.find("\"extents\":[") != std::string::npos);
	CHECK(j.out.find("\"type\":\"plain\"") != std::string::npos);
	auto c = inspect("--cat=/comp/text300k " + quote(t / "s.img"));
	CHECK(c.out == read_file(t / "src/comp/text300k"));
}

TEST_CASE("fixed-output compressors fill the destination and round trip", "[compress][codec]")
{
	std::string text = text_bytes(1 << 20, 9);
	std::span<const uint8_t> src(reinterpret_cast<const uint8_t *>(text.data()), text.size());
	for (const char *spec : {"lz4", "lz4hc,9", "zstd,3", "zstd,15", "lzma,6", "deflate,9"}) {
		INFO(spec);
		auto cs = erofs::parse_compress_option(spec).at(0);
		erofs::Compressor c(cs, 17);
		for (size_t cap : {4096u, 65536u}) {
			std::vector<uint8_t> dst(cap);
			size_t used = 0;
			size_t n = c.destsize(src, used, dst);
			REQUIRE(n <= cap);
			CHECK(n > cap * 9 / 10);  // filled, not just "fits"
			CHECK(used > n);
			std::vector<uint8_t> back(used);
			erofs::decompress(unsigned(cs.alg), std::span<const uint8_t>(dst).first(n), back, {}, "test");
			CHECK(std::equal(back.begin(), back.end(), src.begin()));
		}
	}
}

#include <libdeflate.h>
#include <lzma.h>

TEST_CASE("MicroLZMA and raw DEFLATE streams of other mkfs decode exactly", "[compress][codec]")
{
	std::string text = text_bytes(200000, 3);
	auto *src = reinterpret_cast<const uint8_t *>(text.data());
	// MicroLZMA, as mkfs.erofs -zlzma writes it: fixed output of 4096 bytes
	lzma_options_lzma opt;
	REQUIRE(lzma_lzma_preset(&opt, 6) == false);
	opt.dict_size = 1 << 20;
	lzma_stream s = LZMA_STREAM_INIT;
	REQUIRE(lzma_microlzma_encoder(&s, &opt) == LZMA_OK);
	std::vector<uint8_t> mz(4096);
	s.next_in = src;
	s.avail_in = text.size();
	s.next_out = mz.data();
	s.avail_out = mz.size();
	REQUIRE(lzma_code(&s, LZMA_FINISH) == LZMA_STREAM_END);
	size_t used = size_t(s.total_in), clen = size_t(s.total_out);
	lzma_end(&s);
	REQUIRE(used > clen);
	REQUIRE(mz[0] != 0);  // safe with 0-padding
	mz.resize(clen);
	erofs::DecodeParams dp;
	dp.lzma_dict = 1 << 20;
	std::vector<uint8_t> out(used);
	erofs::decompress(unsigned(erofs::Alg::Lzma), mz, out, dp, "t");
	CHECK(std::equal(out.begin(), out.end(), src));
	// raw DEFLATE
	auto *c = libdeflate_alloc_compressor(9);
	std::vector<uint8_t> dz(text.size());
	size_t dlen = libdeflate_deflate_compress(c, src, 30000, dz.data(), dz.size());
	libdeflate_free_compressor(c);
	REQUIRE(dlen > 0);
	dz.resize(dlen);
	std::vector<uint8_t> dout(30000);
	erofs::decompress(unsigned(erofs::Alg::Deflate), dz, dout, dp, "t");
	CHECK(std::equal(dout.begin(), dout.end(), src));
	// damage, truncation and a wrong length are errors, never a crash
	for (auto alg : {erofs::Alg::Lzma, erofs::Alg::Deflate}) {
		auto &in = alg == erofs::Alg::Lzma ? mz : dz;
		size_t n = alg == erofs::Alg::Lzma ? used : 30000;
		std::vector<uint8_t> o(n);
		CHECK_THROWS_AS(erofs::decompress(unsigned(alg), std::span<const uint8_t>(in).first(in.size() / 2), o, dp, "t"),
				erofs::Error);
		std::vector<uint8_t> longer(n + 100);
		CHECK_THROWS_AS(erofs::decompress(unsigned(alg), in, longer, dp, "t"), erofs::Error);
		for (size_t i = 0; i < in.size(); i += 37) {
			auto bad = in;
			bad[i] ^= 0x5A;
			try {
				erofs::decompress(unsigned(alg), bad, o, dp, "t");
			} catch (const erofs::Error &e) {
				CHECK(std::string(e.what()).find("corrupt ") == 0);
			}
		}
	}
	std::vector<uint8_t> o(10);
	CHECK_THROWS_AS(erofs::decompress(7, dz, o, dp, "t"), erofs::Error);
}

TEST_CASE("files above 8 MiB go through a sliding window; incompressible ones are re-read", "[compress][big]")
{
	TempDir t;
	fs::create_directories(t / "src");
	std::string big = text_bytes(1 << 20, 11);
	{
		std::ofstream f(t / "src/big-text", std::ios::binary);
		for (int i = 0; i < 66; i++) {
			big[size_t(i) * 4099 % big.size()] = char('A' + i % 26);
			f << big;
		}
	}
	{
		std::ofstream f(t / "src/big-random", std::ios::binary);
		for (int i = 0; i < 65; i++)
			f << random_bytes(1 << 20, uint32_t(1000 + i));
		f << "tail";
	}
	REQUIRE(fs::file_size(t / "src/big-text") > erofs::kWholeFileLimit);
	REQUIRE(mkfs("-zlz4 -C65536 -Eztailpacking --ishare_key=trusted.fp " + quote(t / "b.img") + " " +
		     quote(t / "src"))
			.status == 0);
	erofs::Image img(t / "b.img");
	CHECK(erofs::lookup(img, "/big-text").compressed());
	CHECK_FALSE(erofs::lookup(img, "/big-random").compressed());
	auto v = inspect("--fsck --verify-fingerprints " + quote(t / "b.img"));
	CHECK(v.status == 0);
	CHECK(v.out.find("2 verified") != std::string::npos);
	REQUIRE(inspect("--extract=" + quote(t / "out") + " " + quote(t / "b.img")).status == 0);
	CHECK(diff_contents(t / "src", t / "out") == "");
	CHECK(replay_all(t / "b.img") == 1);
	// the compressed blocks went through the spill file in pieces; nothing
	// of it (nor of the temporary image) is left next to the image
	std::vector<std::string> names;
	for (const auto &e : fs::directory_iterator(t.path()))
		names.push_back(e.path().filename());
	std::sort(names.begin(), names.end());
	CHECK(names == std::vector<std::string>{"b.img", "out", "src"});
}

TEST_CASE("the spill file keeps concurrent appends apart and copies them back exactly", "[compress][spill]")
{
	TempDir t;
	erofs::Spill spill(t / "image");
	std::vector<std::vector<erofs::Spill::Extent>> got(4);
	std::vector<std::thread> th;
	for (unsigned w = 0; w < 4; w++)
		th.emplace_back([&, w] {
			for (unsigned i = 0; i < 50; i++) {
				std::vector<uint8_t> b(1000 + 37 * i, uint8_t(w * 50 + i));
				got[w].push_back(spill.append(b));
			}
		});
	for (auto &x : th)
		x.join();
	CHECK(spill.size() == 4 * (50 * 1000 + 37 * 49 * 50 / 2));
	erofs::UniqueFd out(open((t / "out").c_str(), O_RDWR | O_CREAT, 0600));
	REQUIRE(out);
	uint64_t at = 4096;
	for (unsigned w = 0; w < 4; w++)
		for (const auto &e : got[w]) {
			spill.copy_to(e, out.get(), at, t / "out");
			at += e.len;
		}
	std::ifstream f(t / "out", std::ios::binary);
	std::string all((std::istreambuf_iterator<char>(f)), {});
	REQUIRE(all.size() == at);
	size_t pos = 4096;
	bool ok = true;
	for (unsigned w = 0; w < 4; w++)
		for (unsigned i = 0; i < 50; i++) {
			size_t len = 1000 + 37 * i;
			ok = ok && all.find_first_not_of(char(w * 50 + i), pos) >= pos + len;
			pos += len;
		}
	CHECK(ok);
	// unlinked from the start: only the output is in the directory
	CHECK(std::distance(fs::directory_iterator(t.path()), fs::directory_iterator()) == 1);
	CHECK_THROWS_WITH(erofs::Spill(t / "no/such/dir/image"),
			  Catch::Contains("no/such/dir") && Catch::Contains("temporary file"));
}

#include <lz4hc.h>

TEST_CASE("the reused LZ4HC stream gives the bytes of one-shot LZ4_compress_HC_destSize", "[compress][codec]")
{
	auto cs = erofs::parse_compress_option("lz4hc,9").at(0);
	erofs::Compressor c(cs, 16);
	std::vector<char> state(static_cast<size_t>(LZ4_sizeofStateHC()), 0);
	for (uint32_t seed = 0; seed < 40; seed++) {
		std::string in = seed % 3 ? text_bytes(100000 + seed * 977, seed) : random_bytes(20000, seed) + text_bytes(50000, seed);
		std::span<const uint8_t> src(reinterpret_cast<const uint8_t *>(in.data()), in.size());
		std::vector<uint8_t> a(4096 << (seed % 3)), b(a.size());
		size_t used = 0;
		size_t n = c.destsize(src, used, a);
		int in_b = int(in.size());
		int m = LZ4_compress_HC_destSize(state.data(), in.data(), reinterpret_cast<char *>(b.data()), &in_b,
						 int(b.size()), 9);
		REQUIRE(int(n) == m);
		REQUIRE(int(used) == in_b);
		CHECK(std::equal(a.begin(), a.begin() + ptrdiff_t(n), b.begin()));
	}
}

TEST_CASE("compress hints pick the pcluster size and algorithm per path", "[compress][hints]")
{
	Tree tr;
	auto &t = tr.t;
	write_file(t / "hints", "# size  regex  [algorithm index]\n"
				"65536 ^comp/text\n"
				"\n"
				"16384 ^comp/pattern 1\n");
	roundtrip(tr, "-zlz4hc:zstd --compress-hints=" + quote(t / "hints"), false);
	erofs::Image img(t / "v.img");
	auto txt = erofs::read_zmap(img, erofs::lookup(img, "/comp/text300k"));
	CHECK((txt.advise & erofs::zadv::kBigPcluster1));
	CHECK(txt.extents[0].plen > 16384);
	CHECK(txt.extents[0].alg == unsigned(erofs::Alg::Lz4));
	auto pat = erofs::read_zmap(img, erofs::lookup(img, "/comp/pattern2m"));
	CHECK(pat.extents[0].alg == unsigned(erofs::Alg::Zstd));
	CHECK(pat.extents[0].plen <= 16384);
	auto mix = erofs::read_zmap(img, erofs::lookup(img, "/comp/mixed"));
	CHECK_FALSE((mix.advise & erofs::zadv::kBigPcluster1));
	CHECK(img.lz4_max_pclusterblks() == 16);
	// LZ4 only: Debian's fsck.erofs 1.5 checks the per-file big pclusters
	write_file(t / "hints2", "65536 ^comp/\n");
	roundtrip(tr, "-zlz4hc --compress-hints=" + quote(t / "hints2"), true);
	for (const char *bad : {"5000 x\n", "4096\n", "4096 x 1\n", "4096 ( \n", "4096 x 0 extra\n"}) {
		write_file(t / "bad", bad);
		auto r = mkfs("-zlz4 --compress-hints=" + quote(t / "bad") + " " + quote(t / "x.img") + " " + quote(t / "src"));
		CHECK(r.status == 1);
		CHECK(r.err.find("error: ") != std::string::npos);
	}
	CHECK(mkfs("--compress-hints=" + quote(t / "hints2") + " " + quote(t / "x.img") + " " + quote(t / "src")).status == 1);
}

namespace {

// The pcluster bytes of a compressed file, extent by extent.
std::vector<std::string> pclusters(const std::string &img_path, const std::string &file)
{
	erofs::Image img(img_path);
	auto m = erofs::read_zmap(img, erofs::lookup(img, file));
	auto all = read_bytes(img_path);
	std::vector<std::string> out;
	for (const auto &e : m.extents) {
		REQUIRE(e.phys + e.plen <= all.size());
		std::string where = std::to_string(e.start);
		where.append(1, '+').append(std::to_string(e.len));
		out.push_back(where);
		out.emplace_back(all.begin() + ptrdiff_t(e.phys), all.begin() + ptrdiff_t(e.phys + e.plen));
	}
	return out;
}

}  // namespace

TEST_CASE("identical files are compressed once, each stored as if compressed alone", "[compress][repro][dedupe]")
{
	TempDir t;
	std::string text = text_bytes(150000, 3);
	fs::create_directories(t / "src/h");
	fs::create_directories(t / "one/h");
	for (int i = 0; i < 9; i++) {
		write_file(t / ("src/copy" + std::to_string(i)), text);
		write_file(t / ("src/h/copy" + std::to_string(i)), text);  // the hint: 16 KiB pclusters
	}
	write_file(t / "src/other", text_bytes(150000, 4));  // same size, other content
	write_file(t / "src/rand", random_bytes(150000, 5));
	write_file(t / "one/copy0", text);  // alone: compressed the usual way
	write_file(t / "one/h/copy0", text);
	write_file(t / "hints", "16384 ^h/\n");
	for (const char *o : {"-zlz4hc", "-zzstd", "-zlz4hc --ishare_key=trusted.fp", "-zzstd -Efragments"}) {
		INFO("options: " << o);
		std::string opts = std::string(o) + " -T0 -Uclear --compress-hints=" + quote(t / "hints") + " ";
		REQUIRE(mkfs(opts + "--workers=1 " + quote(t / "1.img") + " " + quote(t / "src")).status == 0);
		REQUIRE(mkfs(opts + "--workers=3 " + quote(t / "3.img") + " " + quote(t / "src")).status == 0);
		REQUIRE(mkfs(opts + "--workers=2 " + quote(t / "o.img") + " " + quote(t / "one")).status == 0);
		CHECK(read_bytes(t / "1.img") == read_bytes(t / "3.img"));
		fs::remove_all(t / "out");
		REQUIRE(inspect("--extract=" + quote(t / "out") + " " + quote(t / "3.img")).status == 0);
		CHECK(diff_contents(t / "src", t / "out") == "");
		if (std::string(o).find("fragments") != std::string::npos)
			continue;  // (whole small files go to the packed inode)
		for (const char *dir : {"/", "/h/"}) {
			auto alone = pclusters(t / "o.img", std::string(dir).append("copy0"));
			CHECK(alone.size() > 4);
			for (const char *copy : {"copy0", "copy4", "copy8"})
				CHECK(pclusters(t / "3.img", std::string(dir).append(copy)) == alone);
		}
	}
}

TEST_CASE("zstd gives up on incompressible input after one try and still fills compressible input",
	  "[compress][codec]")
{
	auto cs = erofs::parse_compress_option("zstd").at(0);
	erofs::Compressor c(cs, 15);
	std::string rnd = random_bytes(64 << 10, 7), text = text_bytes(64 << 10, 7);
	std::vector<uint8_t> dst(4096);
	size_t used = 0;
	auto span = [](const std::string &s) { return std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(s.data()), s.size()); };
	// expected ratio 1.0 (the last pcluster did not shrink): one probe
	CHECK(c.destsize(span(rnd), used, dst, 1.0, 4096) == dst.size() + 1);
	CHECK(used <= 4096);
	// without the hint, the full search: no more than a block fits either
	size_t n = c.destsize(span(rnd), used, dst, 4.0, 4096);
	CHECK((n > dst.size() || used <= 4096));
	// compressible input after a bad pcluster: the probe fits, the search goes on
	n = c.destsize(span(text), used, dst, 1.0, 4096);
	REQUIRE(n <= dst.size());
	CHECK(n > dst.size() * 9 / 10);
	CHECK(used > 2 * 4096);
	std::vector<uint8_t> back(used);
	erofs::decompress(unsigned(cs.alg), std::span<const uint8_t>(dst).first(n), back, {}, "test");
	CHECK(std::equal(back.begin(), back.end(), span(text).begin()));
}
