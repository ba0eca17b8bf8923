// -Efragments, -Eall-fragments and -Ededupe end to end: images built with
// each option (and the algorithms together) read back byte-exact with our
// reader and fsck, and, when erofs-utils 1.9.3 is installed
// ($EROFS_PEER_PREFIX, default /opt/erofs-utils-1.9.3; left out otherwise),
// with its fsck.erofs --extract.  Also: identical output for any
// --workers, fingerprints over the uncompressed content, and sharing that
// really saves blocks.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <unistd.h>

#include "base/digest.hpp"
#include "helpers.hpp"
#include "read/image.hpp"
#include "read/content.hpp"
#include "read/dir_read.hpp"
#include "compress/zindex.hpp"

using namespace testutil;
namespace fs = std::filesystem;

namespace {

// 1.9.3's fsck, or "" when it is absent: its checks are an extra here, so
// the test's own checks still count (not a ctest SKIP).
std::string peer_fsck()
{
	return peer_tool("fsck.erofs", PeerUse::Optional);
}

std::string words(size_t n, uint32_t seed)
{
	static const char *w[] = {"erofs", "packed", "inode", "fragment", "tail", "the", "of", "dedupe",
				  "pcluster", "kernel", "1024", "block", "and", "\n"};
	std::string s;
	uint32_t x = seed * 2654435761u + 7;
	while (s.size() < n) {
		x = x * 1103515245u + 12345u;
		s += w[(x >> 16) % (sizeof(w) / sizeof(w[0]))];
		s += ' ';
	}
	s.resize(n);
	return s;
}

// Small and odd-sized text files (whole-file fragments), tails of big
// ones, incompressible data, identical files and tails, a file that
// repeats another one's pclusters with a different end, empty files.
void make_tree(const std::string &d)
{
	fs::create_directories(d + "/small");
	fs::create_directories(d + "/big/sub");
	for (uint32_t i = 0; i < 60; i++)
		write_file(d + "/small/f" + std::to_string(i), words(17 + i * 97, i));
	write_file(d + "/small/empty", "");
	write_file(d + "/small/one", "x");
	for (size_t n : {4095u, 4096u, 4097u, 8191u, 12289u, 100000u, 300001u})
		write_file(d + "/big/t" + std::to_string(n), words(n, uint32_t(n)));
	write_file(d + "/big/rand", random_bytes(70000, 5));
	write_file(d + "/big/rand_small", random_bytes(3000, 6));
	std::string base = random_bytes(8192, 9) + words(3000, 1);
	std::string rep;
	for (int i = 0; i < 20; i++)
		rep += base;
	write_file(d + "/big/rep", rep);
	write_file(d + "/big/sub/rep_copy", rep);
	write_file(d + "/big/sub/rep_plus", rep + "a different end");
	write_file(d + "/big/sub/t100000_copy", words(100000, 100000));
	write_file(d + "/big/zeros", std::string(5u << 20, '\0'));
	fs::create_symlink("../small/f1", d + "/big/link");
}

std::string diff_contents(const std::string &src, const std::string &out)
{
	size_t n = 0;
	for (auto &e : fs::recursive_directory_iterator(src)) {
		if (e.is_symlink() || !e.is_regular_file())
			continue;
		n++;
		std::string rel = fs::relative(e.path(), src).string();
		if (!fs::exists(out + "/" + rel))
			return "missing " + rel;
		if (read_file(e.path().string()) != read_file(out + "/" + rel))
			return "content of " + rel;
	}
	return n ? "" : "no files";
}

// Builds with `opts`, then checks our reader (every file through the
// library, --fsck, --extract) and, if installed, fsck.erofs 1.9.3.
void roundtrip(const TempDir &t, const std::string &opts, bool expect_packed)
{
	INFO("options: " << opts);
	std::string img = t / "i.img";
	auto r = mkfs(opts + " -T0 -Uclear " + quote(img) + " " + quote(t / "src"));
	INFO(r.err);
	REQUIRE(r.status == 0);
	erofs::Image im(img);
	CHECK((im.sb().packed_nid != 0) == expect_packed);
	CHECK(bool(im.sb().feature_incompat & erofs::incompat::kFragments) == expect_packed);
	for (const char *p : {"/big/t300001", "/big/rep", "/big/sub/rep_plus", "/small/f7", "/big/zeros"}) {
		auto ino = erofs::lookup(im, p);
		auto data = read_file(t / ("src" + std::string(p)));
		CHECK(erofs::hash_content(im, ino) ==
		      erofs::sha256({reinterpret_cast<const uint8_t *>(data.data()), data.size()}));
	}
	auto f = inspect("--fsck " + quote(img));
	INFO(f.out + f.err);
	CHECK(f.status == 0);
	fs::remove_all(t / "out");
	REQUIRE(inspect("--extract=" + quote(t / "out") + " " + quote(img)).status == 0);
	CHECK(diff_contents(t / "src", t / "out") == "");
	std::string fsck = peer_fsck();
	if (fsck.empty())
		return;
	auto c = run(quote(fsck) + " " + quote(img));
	INFO(c.out + c.err);
	CHECK(c.status == 0);
	// (1.9.3 without --path first "extracts" the packed inode onto the
	// target directory and fails, on its own images too)
	fs::remove_all(t / "peer");
	fs::create_directories(t / "peer");
	auto x = run(quote(fsck) + " --extract=" + quote(t / "peer") + " --path=/ " + quote(img));
	INFO(x.out + x.err);
	REQUIRE(x.status == 0);
	CHECK(diff_contents(t / "src", t / "peer") == "");
}

}  // namespace

TEST_CASE("fragments, all-fragments and dedupe images read back exactly", "[compress][fragments][peer]")
{
	TempDir t;
	make_tree(t / "src");
	for (const char *o : {"-zlz4hc -Efragments", "-zzstd -Efragments", "-zlz4hc -Eall-fragments",
			      "-zzstd -Eall-fragments", "-zlzma -Efragments,dedupe", "-zdeflate -Eall-fragments,dedupe",
			      "-zlz4 -Efragments -C65536", "-zlz4hc -Efragments,dedupe -C16384",
			      "-zzstd -Efragments,dedupe -Elegacy-compress", "-zlz4hc -Efragments,ztailpacking",
			      "-zzstd -Eall-fragments -C65536", "-zlz4hc -Efragments=16384,dedupe",
			      "-zzstd -Eall-fragments=8192,dedupe", "-zlz4hc -Efragments=4096"})
		roundtrip(t, o, true);
	for (const char *o : {"-zlz4hc -Ededupe", "-zzstd -Ededupe", "-zlz4hc -Ededupe,ztailpacking -C16384"})
		roundtrip(t, o, false);
}

TEST_CASE("fragment and dedupe builds are byte-identical for any --workers", "[compress][fragments][repro]")
{
	TempDir t;
	make_tree(t / "src");
	for (const char *o : {"-zlz4hc -Efragments,dedupe", "-zzstd -Eall-fragments,dedupe",
			      "-zlz4hc -Ededupe -C16384 --ishare_key=trusted.fp"}) {
		INFO(o);
		std::string opts = std::string(o) + " -T0 -Uclear ";
		REQUIRE(mkfs(opts + "--workers=1 " + quote(t / "1.img") + " " + quote(t / "src")).status == 0);
		REQUIRE(mkfs(opts + "--workers=3 " + quote(t / "3.img") + " " + quote(t / "src")).status == 0);
		CHECK(read_bytes(t / "1.img") == read_bytes(t / "3.img"));
	}
}

TEST_CASE("fingerprints stay over the uncompressed content with fragments and dedupe", "[compress][fragments][ishare]")
{
	TempDir t;
	make_tree(t / "src");
	std::string key = " --ishare_key=trusted.erofs.fingerprint -T0 -Uclear ";
	REQUIRE(mkfs(key + quote(t / "plain.img") + " " + quote(t / "src")).status == 0);
	erofs::Image plain(t / "plain.img");
	std::string fsck = peer_fsck();
	for (const char *o : {"-zlz4hc -Efragments,dedupe", "-zzstd -Eall-fragments", "-zlz4hc -Ededupe"}) {
		INFO(o);
		REQUIRE(mkfs(o + key + quote(t / "f.img") + " " + quote(t / "src")).status == 0);
		erofs::Image img(t / "f.img");
		if (img.sb().packed_nid) {
			// Linux 6.12 reads the long prefix table (the key) from
			// the packed inode, whatever plain_xattr_pfx says
			CHECK_FALSE(img.sb().feature_compat & erofs::compat::kPlainXattrPfx);
			CHECK(img.sb().xattr_prefix_start == 0);
		}
		for (const char *p : {"/small/f3", "/small/one", "/big/t4097", "/big/rep", "/big/sub/rep_plus",
				      "/big/rand", "/big/zeros"}) {
			INFO(p);
			auto fp = erofs::stored_fingerprint(img, erofs::lookup(img, p));
			auto want = erofs::stored_fingerprint(plain, erofs::lookup(plain, p));
			REQUIRE(fp);
			REQUIRE(want);
			CHECK(*fp == *want);
			auto data = read_file(t / ("src" + std::string(p)));
			auto d = erofs::sha256({reinterpret_cast<const uint8_t *>(data.data()), data.size()});
			CHECK(fp->substr(7) == std::string(reinterpret_cast<const char *>(d.data()), d.size()));
		}
		auto v = inspect("--fsck --verify-fingerprints " + quote(t / "f.img"));
		INFO(v.out + v.err);
		CHECK(v.status == 0);
		CHECK(v.out.find("0 mismatched") != std::string::npos);
		if (!fsck.empty()) {
			auto c = run(quote(fsck) + " --xattr-inode-digest " + quote(t / "f.img"));
			INFO(c.out + c.err);
			CHECK(c.status == 0);
		}
	}
}

TEST_CASE("fragments and dedupe make images smaller", "[compress][fragments][dedupe]")
{
	TempDir t;
	make_tree(t / "src");
	auto size = [&](const std::string &o) {
		REQUIRE(mkfs(o + " -T0 -Uclear " + quote(t / "s.img") + " " + quote(t / "src")).status == 0);
		return fs::file_size(t / "s.img");
	};
	for (const char *z : {"-zlz4hc", "-zzstd"}) {
		INFO(z);
		auto plain = size(std::string(z) + " -E^dedupe");
		auto frag = size(std::string(z) + " -Efragments,^dedupe");
		auto dedupe = size(std::string(z) + " -Ededupe");
		auto both = size(std::string(z) + " -Efragments,dedupe");
		// 60 small files no longer take a block each; the copies of rep
		// and its pclusters in rep_plus are stored once (> 40 blocks)
		CHECK(frag + 20 * 4096 <= plain);
		CHECK(dedupe + 40 * 4096 <= plain);
		CHECK(both < frag);
		CHECK(both < dedupe);
	}
	// rep_plus points at rep's pclusters: a full index
	REQUIRE(mkfs("-zlz4hc -Ededupe -T0 " + quote(t / "d.img") + " " + quote(t / "src")).status == 0);
	erofs::Image img(t / "d.img");
	CHECK(erofs::lookup(img, "/big/sub/rep_plus").layout == unsigned(erofs::DataLayout::CompressedFull));
	CHECK(erofs::lookup(img, "/big/rep").layout == unsigned(erofs::DataLayout::CompressedCompact));
}

namespace {

uint64_t max_plen(const erofs::ZMap &m)
{
	uint64_t p = 0;
	for (const auto &e : m.extents)
		p = std::max(p, e.plen);
	return p;
}

bool whole_frag(const erofs::ZMap &m)
{
	return m.extents.size() == 1 && m.extents[0].fragment;
}

}  // namespace

TEST_CASE("the packed inode: 64 KiB pclusters, small files whole, incompressible tails too",
	  "[compress][fragments]")
{
	TempDir t;
	std::string d = t / "src";
	fs::create_directories(d);
	for (size_t n : {100u, 20000u, 65536u, 65537u, 200000u})
		write_file(d + "/w" + std::to_string(n), words(n, uint32_t(n)));
	write_file(d + "/rand_a", random_bytes(3000, 1));
	write_file(d + "/rand_b", random_bytes(3000, 1));
	write_file(d + "/rand30k", random_bytes(30000, 2));
	write_file(d + "/rand100k", random_bytes(100000, 3));
	write_file(d + "/rand3m", random_bytes(3u << 20, 4));
	auto build = [&](const std::string &opts) {
		INFO(opts);
		auto r = mkfs(opts + " -T0 -Uclear " + quote(t / "i.img") + " " + quote(d));
		INFO(r.err);
		REQUIRE(r.status == 0);
		return fs::file_size(t / "i.img");
	};
	auto check_reads = [&](const erofs::Image &img) {
		for (auto &e : fs::directory_iterator(d)) {
			auto data = read_file(e.path().string());
			std::string p = "/";
			p += e.path().filename().string();  // ("/" + s: a GCC 12 -Wrestrict false alarm)
			CHECK(erofs::hash_content(img, erofs::lookup(img, p)) ==
			      erofs::sha256({reinterpret_cast<const uint8_t *>(data.data()), data.size()}));
		}
		auto f = inspect("--fsck " + quote(t / "i.img"));
		INFO(f.out + f.err);
		CHECK(f.status == 0);
		std::string fsck = peer_fsck();
		if (fsck.empty())
			return;
		fs::remove_all(t / "peer");
		fs::create_directories(t / "peer");
		auto x = run(quote(fsck) + " --extract=" + quote(t / "peer") + " --path=/ " + quote(t / "i.img"));
		INFO(x.out + x.err);
		REQUIRE(x.status == 0);
		CHECK(diff_contents(d, t / "peer") == "");
	};
	auto zmap = [](const erofs::Image &img, const char *p) {
		return erofs::read_zmap(img, erofs::lookup(img, p));
	};

	SECTION("default: 64 KiB packed pclusters, files up to 64 KiB whole")
	{
		uint64_t def = build("-zlz4hc -Efragments");
		erofs::Image img(t / "i.img");
		check_reads(img);
		auto packed = erofs::read_inode(img, img.sb().packed_nid);
		auto pm = erofs::read_zmap(img, packed);
		CHECK((pm.advise & erofs::zadv::kBigPcluster1));
		CHECK(max_plen(pm) > 4096);
		CHECK(max_plen(pm) <= 65536);
		for (const char *p : {"/w100", "/w20000", "/w65536", "/rand_a", "/rand30k"}) {
			INFO(p);
			CHECK(whole_frag(zmap(img, p)));
		}
		for (const char *p : {"/w65537", "/w200000", "/rand100k"}) {
			INFO(p);
			auto m = zmap(img, p);
			CHECK_FALSE(whole_frag(m));
			REQUIRE_FALSE(m.extents.empty());
			CHECK(m.extents.back().fragment);
		}
		// identical incompressible files: one copy in the packed inode
		CHECK(zmap(img, "/rand_a").fragmentoff == zmap(img, "/rand_b").fragmentoff);
		// a big incompressible file: a fragment would save less than
		// its index costs
		auto big = erofs::lookup(img, "/rand3m");
		CHECK_FALSE(big.compressed());

		uint64_t one = build("-zlz4hc -Efragments=4096");
		erofs::Image img1(t / "i.img");
		check_reads(img1);
		auto pm1 = erofs::read_zmap(img1, erofs::read_inode(img1, img1.sb().packed_nid));
		CHECK(max_plen(pm1) == 4096);
		CHECK_FALSE(whole_frag(zmap(img1, "/w20000")));
		CHECK(whole_frag(zmap(img1, "/w100")));
		CHECK(def < one);
	}
	SECTION("-Efragments=BYTES and -Eall-fragments=BYTES set the packed pcluster")
	{
		build("-zzstd -Efragments=16384,dedupe");
		erofs::Image img(t / "i.img");
		check_reads(img);
		auto pm = erofs::read_zmap(img, erofs::read_inode(img, img.sb().packed_nid));
		CHECK(max_plen(pm) > 4096);
		CHECK(max_plen(pm) <= 16384);
		CHECK(whole_frag(zmap(img, "/w100")));
		CHECK_FALSE(whole_frag(zmap(img, "/rand30k")));  // above 16 KiB, does not shrink

		build("-zlz4hc -Eall-fragments=8192");
		erofs::Image img2(t / "i.img");
		check_reads(img2);
		auto pm2 = erofs::read_zmap(img2, erofs::read_inode(img2, img2.sb().packed_nid));
		CHECK(max_plen(pm2) <= 8192);
		CHECK(whole_frag(zmap(img2, "/w200000")));
	}
	SECTION("bad values are refused")
	{
		for (const char *o : {"-zlz4hc -Efragments=1000", "-zlz4hc -Efragments=x", "-zlz4hc -Ededupe=4096",
				      "-zlz4hc -E^fragments=4096", "-Efragments=4096", "-zlz4hc -b 512 -Efragments=1048576"}) {
			INFO(o);
			auto r = mkfs(std::string(o) + " " + quote(t / "bad.img") + " " + quote(d));
			CHECK(r.status != 0);
			CHECK_FALSE(r.err.empty());
		}
	}
}
