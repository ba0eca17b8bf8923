// mkfs.erofs++ end to end: round trip of the file zoo through our reader,
// fingerprints against sha256sum, reproducibility, and Debian's
// erofs-utils 1.5 as the independent checker.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "check/fsck.hpp"
#include "read/content.hpp"
#include "read/dir_read.hpp"
#include "base/error.hpp"
#include "helpers.hpp"
#include "read/image.hpp"
#include "source/dir_scan.hpp"

using namespace testutil;
namespace fs = std::filesystem;

TEST_CASE("round trip: zoo -> image -> extract gives the same tree", "[mkfs][roundtrip]")
{
	TempDir t;
	make_zoo(t / "src", true);
	auto r = mkfs("-Uclear " + quote(t / "zoo.img") + " " + quote(t / "src"));
	REQUIRE(r.status == 0);
	CHECK(r.out.empty());  // not a TTY: silent
	auto f = inspect("--fsck " + quote(t / "zoo.img"));
	CHECK(f.status == 0);
	CHECK(f.out.find("clean") == 0);
	auto x = inspect("--extract=" + quote(t / "out") + " " + quote(t / "zoo.img"));
	REQUIRE(x.status == 0);
	CHECK(diff_trees(t / "src", t / "out") == "");
	// the image stays small: the 5 GiB file is a chunk map, not zeros
	CHECK(fs::file_size(t / "zoo.img") < 8u << 20);
	erofs::Image img(t / "zoo.img");
	auto huge = erofs::lookup(img, "/huge-sparse");
	CHECK(huge.extended);
	CHECK(huge.size == (uint64_t(5) << 30) + 4);
	CHECK(huge.layout == unsigned(erofs::DataLayout::ChunkBased));
}

TEST_CASE("round trip with 512-byte blocks and -T keeps compact inodes", "[mkfs][roundtrip]")
{
	TempDir t;
	make_zoo(t / "src", false);
	REQUIRE(mkfs("-b 512 -T 1700000000 -Uclear " + quote(t / "z.img") + " " + quote(t / "src")).status == 0);
	erofs::Image img(t / "z.img");
	CHECK(img.blksz() == 512);
	CHECK(img.sb().epoch == 1700000000);
	auto f = erofs::lookup(img, "/f4097");
	CHECK_FALSE(f.extended);
	CHECK(f.mtime == 1700000000);
	CHECK(f.layout == unsigned(erofs::DataLayout::FlatInline));
	CHECK(erofs::lookup(img, "/f511").extended);  // uid 70000
	REQUIRE(inspect("--fsck " + quote(t / "z.img")).status == 0);
	REQUIRE(inspect("--extract=" + quote(t / "out") + " " + quote(t / "z.img")).status == 0);
	CHECK(diff_trees(t / "src", t / "out") != "");  // -T changed the mtimes
	CHECK(read_file(t / "out/f4097") == read_file(t / "src/f4097"));
}

TEST_CASE("fingerprints equal sha256sum of each file", "[mkfs][ishare]")
{
	TempDir t;
	make_zoo(t / "src", false);
	REQUIRE(mkfs("--ishare_key=trusted.erofs.fingerprint " + quote(t / "fp.img") + " " + quote(t / "src")).status == 0);
	erofs::Image img(t / "fp.img");
	CHECK((img.sb().feature_compat & erofs::compat::kIshareXattrs));
	CHECK((img.sb().feature_incompat & erofs::incompat::kXattrPrefixes));
	REQUIRE(img.ishare_key() == std::string("trusted.erofs.fingerprint"));
	CHECK(img.prefixes().longs()[0].base_index == erofs::xidx::kTrusted);
	for (const char *name : {"f1", "f4096", "f4097", "f1000000", "dup1", "a/b/c/d/deep", "hard1"}) {
		auto ino = erofs::lookup(img, std::string("/") + name);
		auto fp = erofs::stored_fingerprint(img, ino);
		REQUIRE(fp);
		REQUIRE(fp->size() == 39);
		auto s = run("sha256sum " + quote(t / ("src/" + std::string(name))));
		REQUIRE(s.status == 0);
		CHECK("sha256:" + erofs::to_hex({reinterpret_cast<const uint8_t *>(fp->data()) + 7, 32}) ==
		      "sha256:" + s.out.substr(0, 64));
	}
	CHECK_FALSE(erofs::stored_fingerprint(img, erofs::lookup(img, "/f0")));
	CHECK_FALSE(erofs::stored_fingerprint(img, erofs::lookup(img, "/link")));
	CHECK_FALSE(erofs::stored_fingerprint(img, erofs::lookup(img, "/a")));
	auto v = inspect("--fsck --verify-fingerprints " + quote(t / "fp.img"));
	CHECK(v.status == 0);
	CHECK(v.out.find("mismatched") != std::string::npos);
	auto st = inspect("--stat=/dup1 " + quote(t / "fp.img"));
	CHECK(st.out.find("trusted.erofs.fingerprint = sha256:") != std::string::npos);
}

TEST_CASE("default digest name is hidden and sparse holes hash as zeros", "[mkfs][ishare]")
{
	TempDir t;
	fs::create_directories(t / "src");
	write_file(t / "src/holey", "");
	fs::resize_file(t / "src/holey", 3 << 20);
	write_file(t / "src/plain", "abc");
	REQUIRE(mkfs("--xattr-inode-digest " + quote(t / "d.img") + " " + quote(t / "src")).status == 0);
	erofs::Image img(t / "d.img");
	REQUIRE(img.ishare_key() == std::string("erofs.fingerprint.v1"));
	CHECK(img.prefixes().longs()[0].base_index == 0);
	auto fp = erofs::stored_fingerprint(img, erofs::lookup(img, "/holey"));
	REQUIRE(fp);
	auto s = run("sha256sum " + quote(t / "src/holey"));
	CHECK(erofs::to_hex({reinterpret_cast<const uint8_t *>(fp->data()) + 7, 32}) == s.out.substr(0, 64));
	CHECK(inspect("--fsck --verify-fingerprints " + quote(t / "d.img")).status == 0);
}

TEST_CASE("fingerprint mismatches are reported by path", "[mkfs][ishare]")
{
	TempDir t;
	fs::create_directories(t / "src");
	write_file(t / "src/victim", std::string(10000, 'a'));
	write_file(t / "src/other", std::string(10000, 'b'));
	REQUIRE(mkfs("--ishare_key=user.fp " + quote(t / "m.img") + " " + quote(t / "src")).status == 0);
	auto b = read_bytes(t / "m.img");
	erofs::Image img(t / "m.img");
	auto ino = erofs::lookup(img, "/victim");
	uint64_t data = uint64_t(ino.i_u) * img.blksz();
	b[data + 5] ^= 1;  // content changed, fingerprint kept
	write_bytes(t / "m2.img", b);
	auto v = inspect("--fsck --verify-fingerprints " + quote(t / "m2.img"));
	CHECK(v.status == 1);
	CHECK(v.out.find("fingerprint mismatch") != std::string::npos);
	CHECK(v.out.find("/victim") != std::string::npos);
	CHECK(v.out.find("/other") == std::string::npos);
	auto j = inspect("--fsck --verify-fingerprints --json " + quote(t / "m2.img"));
	CHECK(j.out.find("\"mismatched\":1") != std::string::npos);
}

TEST_CASE("fsck reports mismatches in walk order whatever the worker count", "[mkfs][ishare]")
{
	// More files than the checker's queue holds (256), small ones whose
	// inline tail comes with the inode's read and larger ones read from
	// their blocks; corrupt both kinds and expect the same report, in
	// path order, from 1 and 3 workers.
	TempDir t;
	for (int i = 0; i < 600; i++) {
		char name[32];
		snprintf(name, sizeof(name), "src/d%d/f%03d", i % 3, i);
		fs::create_directories(t / ("src/d" + std::to_string(i % 3)));
		write_file(t / name, random_bytes(size_t(i % 7 == 0 ? 9000 + i * 37 : 1 + i * 5), unsigned(i)));
	}
	REQUIRE(mkfs("-T 0 --ishare_key=user.fp " + quote(t / "w.img") + " " + quote(t / "src")).status == 0);
	auto b = read_bytes(t / "w.img");
	std::vector<std::string> victims;
	{
		erofs::Image img(t / "w.img");
		for (int i : {5, 21, 133, 134, 400, 598}) {
			char path[32];
			snprintf(path, sizeof(path), "/d%d/f%03d", i % 3, i);
			auto ino = erofs::lookup(img, path);
			auto tail = erofs::inline_tail(img, ino);
			uint64_t at = tail.len ? tail.off + tail.len / 2 : uint64_t(ino.i_u) * img.blksz() + 7;
			b[at] ^= 0x40;
			victims.push_back(path);
		}
	}
	std::sort(victims.begin(), victims.end());
	write_bytes(t / "w2.img", b);
	erofs::Image img(t / "w2.img");
	std::vector<std::string> first;
	for (unsigned workers : {1u, 3u}) {
		auto r = erofs::run_fsck(img, {true, workers, 1000});
		CHECK(r.files == 600);
		CHECK(r.fp_verified == 594);
		CHECK(r.fp_mismatched == 6);
		REQUIRE(r.errors.size() == 6);
		for (size_t k = 0; k < 6; k++) {
			CHECK(r.errors[k].find("fingerprint mismatch") != std::string::npos);
			CHECK(r.errors[k].ends_with(" at " + victims[k]));
		}
		if (first.empty())
			first = r.errors;
		else
			CHECK(r.errors == first);
	}
}

TEST_CASE("builds are byte-identical across worker counts and readdir order", "[mkfs][repro]")
{
	TempDir t;
	make_zoo(t / "a", false);
	// same tree, files created in the opposite order
	fs::create_directories(t / "b");
	REQUIRE(run("cp -a " + quote(t / "a") + "/. " + quote(t / "b")).status == 0);
	fs::remove_all(t / "b/big");
	fs::create_directories(t / "b/big");
	for (int i = 399; i >= 0; i--)
		write_file(t / ("b/big/entry-with-a-rather-long-name-" + std::to_string(i)), std::to_string(i));
	std::string opts = "-T 1600000000 -U 11111111-2222-3333-4444-555555555555 --all-root "
			   "--ishare_key=trusted.fp ";
	REQUIRE(mkfs(opts + "--workers=1 " + quote(t / "1.img") + " " + quote(t / "a")).status == 0);
	REQUIRE(mkfs(opts + "--workers=7 " + quote(t / "2.img") + " " + quote(t / "a")).status == 0);
	REQUIRE(mkfs(opts + "--workers=3 " + quote(t / "3.img") + " " + quote(t / "b")).status == 0);
	auto one = read_bytes(t / "1.img");
	CHECK(one == read_bytes(t / "2.img"));
	CHECK(one == read_bytes(t / "3.img"));
}

TEST_CASE("identity options: label, uuid, owners, SOURCE_DATE_EPOCH, excludes", "[mkfs][options]")
{
	TempDir t;
	make_zoo(t / "src", false);
	REQUIRE(run("SOURCE_DATE_EPOCH=1500000000 " + quote(mkfs_bin()) +
		    " -L vol1 -U 01234567-89ab-cdef-0123-456789abcdef --force-uid=7 --force-gid=8"
		    " --exclude-path=big --exclude-regex='^a/b/c' " + quote(t / "i.img") + " " + quote(t / "src")).status == 0);
	erofs::Image img(t / "i.img");
	CHECK(std::string(reinterpret_cast<const char *>(img.sb().volume_name.data())) == "vol1");
	CHECK(img.sb().uuid[0] == 0x01);
	CHECK(img.sb().uuid[15] == 0xef);
	CHECK(img.sb().epoch == 1500000000);
	auto f = erofs::lookup(img, "/f100");
	CHECK(f.uid == 7);
	CHECK(f.gid == 8);
	CHECK(f.mtime == 1500000000);  // clamped: the file is newer
	CHECK(erofs::lookup(img, "/f512").mtime == 1234567890);  // older: kept
	CHECK_THROWS_AS(erofs::lookup(img, "/big"), erofs::Error);
	CHECK_THROWS_AS(erofs::lookup(img, "/a/b/c"), erofs::Error);
	CHECK_NOTHROW(erofs::lookup(img, "/a/b/hard3"));
	auto s = inspect("--sb --json " + quote(t / "i.img"));
	CHECK(s.out.find("\"label\":\"vol1\"") != std::string::npos);
}

TEST_CASE("Debian fsck.erofs 1.5 accepts our images", "[mkfs][crosstool]")
{
	TempDir t;
	make_zoo(t / "src", false);
	REQUIRE(mkfs("-x 1 " + quote(t / "d.img") + " " + quote(t / "src")).status == 0);
	auto r = run("fsck.erofs " + quote(t / "d.img"));
	CHECK(r.status == 0);
	auto x = run("fsck.erofs --extract=" + quote(t / "out") + " " + quote(t / "d.img"));
	CHECK(x.status == 0);
	CHECK(fs::file_size(t / "out/f1000000") == 1000000);
	CHECK(read_file(t / "out/f70000") == read_file(t / "src/f70000"));
	CHECK(read_file(t / "out/a/b/c/d/deep") == "deep\n");
	// erofs-utils 1.5 only reads 4 KiB blocks; fingerprinted images need
	// XATTR_PREFIXES, which 1.5 does not know either.
	REQUIRE(mkfs("--ishare_key=trusted.fp " + quote(t / "f.img") + " " + quote(t / "src")).status == 0);
	CHECK(run("fsck.erofs " + quote(t / "f.img")).status != 0);
}

TEST_CASE("our reader accepts Debian mkfs.erofs 1.5 images", "[inspect][crosstool]")
{
	TempDir t;
	make_zoo(t / "src", false);
	fs::remove(t / ("src/a/" + std::string(255, 'n')));  // 1.5 fails on 255-byte names
	REQUIRE(run("mkfs.erofs --quiet " + quote(t / "deb.img") + " " + quote(t / "src")).status == 0);
	auto f = inspect("--fsck " + quote(t / "deb.img"));
	CHECK(f.status == 0);
	INFO(f.out + f.err);
	REQUIRE(inspect("--extract=" + quote(t / "out") + " " + quote(t / "deb.img")).status == 0);
	CHECK(diff_trees(t / "src", t / "out") == "");
	CHECK(inspect("--cat=/f4097 " + quote(t / "deb.img")).out == read_file(t / "src/f4097"));
}

TEST_CASE("overlap counts shared content between images", "[inspect][overlap]")
{
	TempDir t;
	fs::create_directories(t / "a");
	fs::create_directories(t / "b");
	write_file(t / "a/same", std::string(30000, 's'));
	write_file(t / "b/same-renamed", std::string(30000, 's'));
	write_file(t / "a/only-a", std::string(10000, 'a'));
	write_file(t / "b/only-b", std::string(20000, 'b'));
	REQUIRE(mkfs("--ishare_key=trusted.fp " + quote(t / "a.img") + " " + quote(t / "a")).status == 0);
	REQUIRE(mkfs(quote(t / "b.img") + " " + quote(t / "b")).status == 0);  // no fingerprints
	auto r = inspect("--overlap --json " + quote(t / "a.img") + " " + quote(t / "b.img"));
	REQUIRE(r.status == 0);
	CHECK(r.out.find("\"total_bytes\":90000") != std::string::npos);
	CHECK(r.out.find("\"unique_bytes\":60000") != std::string::npos);
	CHECK(r.out.find("\"shared_bytes\":30000") != std::string::npos);
	CHECK(r.out.find("\"hashed_files\":2") != std::string::npos);
	auto txt = inspect("--overlap " + quote(t / "a.img") + " " + quote(t / "b.img"));
	CHECK(txt.out.find("ceiling 33.33%") != std::string::npos);
}

TEST_CASE("the parallel directory scan gives the serial scan's tree", "[mkfs][scan][repro]")
{
	TempDir t;
	make_zoo(t / "src", false);
	// many more directories than threads, hard links across them
	for (int d = 0; d < 40; d++) {
		std::string dir = t / ("src/many/d" + std::to_string(d));
		fs::create_directories(dir + "/sub/deeper");
		write_file(dir + "/f", std::to_string(d));
		write_file(dir + "/sub/deeper/g", std::string(size_t(d) * 100, 'x'));
		if (d)
			fs::create_hard_link(t / "src/many/d0/f", dir + "/link");
	}
	erofs::ScanOptions o;
	o.exclude_regexes.push_back(std::make_shared<erofs::PathRegex>("^many/d1[0-9]/sub/deeper$"));
	auto describe = [&](unsigned threads) {
		o.threads = threads;
		erofs::Tree tr = erofs::scan_tree(t / "src", o);
		std::string s;
		for (const auto &n : tr.nodes) {
			s += std::to_string(n->id) + " " + n->path + " " + std::to_string(int(n->kind)) + " " +
			     std::to_string(n->nlink) + " " + std::to_string(n->size) + " " +
			     std::to_string(n->xattrs.size()) + " " + std::to_string(n->parent->id) + ":";
			for (const auto &c : n->children)
				s += " " + c.name + "=" + std::to_string(c.node->id);
			s += "\n";
		}
		return s;
	};
	std::string one = describe(1);
	for (int d : {1, 7, 39})  // every link is the node of d0/f
		CHECK(one.find("many/d" + std::to_string(d) + "/link ") == std::string::npos);
	CHECK(one.find("many/d0/f 0 40 ") != std::string::npos);
	CHECK(one.find("d12/sub/deeper") == std::string::npos);
	CHECK(one.find("d20/sub/deeper/g") != std::string::npos);
	for (unsigned threads : {2u, 3u, 8u})
		CHECK(describe(threads) == one);
}
