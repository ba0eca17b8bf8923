// Hostile images: truncations and flipped bytes in the superblock, inodes,
// xattrs, dirents and chunk maps.  Every reader path must either succeed
// or throw erofs::Error; never crash, hang or throw anything else.  The
// superblock crc is recomputed after each flip so the damage reaches the
// deeper parsers.  Run under ASan/UBSan in the utils-san build.
#include <catch2/catch.hpp>

#include <filesystem>

#include "read/content.hpp"
#include "read/dir_read.hpp"
#include "base/error.hpp"
#include "check/fsck.hpp"
#include "helpers.hpp"
#include "read/image.hpp"
#include "read/walk.hpp"
#include "compress/zindex.hpp"

using namespace testutil;
namespace fs = std::filesystem;

namespace {

// Builds a small image that uses every structure the reader parses.
std::vector<uint8_t> sample_image(const TempDir &t)
{
	fs::create_directories(t / "src/d/e");
	write_file(t / "src/small", "hello");
	write_file(t / "src/block", random_bytes(5000, 3));
	write_file(t / "src/d/e/x", "x");
	symlink("small", (t / "src/link").c_str());
	for (const char *f : {"small", "block", "d/e/x"})
		set_xattr(t / ("src/" + std::string(f)), "user.shared", "v");
	set_xattr(t / "src/block", "trusted.inline", "some value");
	write_file(t / "src/sparse", "");
	fs::resize_file(t / "src/sparse", 64 << 10);
	auto r = run(quote(mkfs_bin()) + " -T 1 -Uclear -x 1 --xattr-prefix=user.sh --ishare_key=trusted.fp " +
		     quote(t / "s.img") + " " + quote(t / "src"));
	REQUIRE(r.status == 0);
	return read_bytes(t / "s.img");
}

// Exercises every reader path on an image; returns "" or the Error text.
std::string read_everything(const std::vector<uint8_t> &bytes)
{
	try {
		erofs::Image img("test image", bytes);
		erofs::run_fsck(img, {true, 1, 1000});
		erofs::walk_tree(img, [&](const erofs::WalkItem &w) {
			erofs::read_xattrs(img, w.ino);
			if (w.ino.is_reg())
				erofs::hash_content(img, w.ino);
			else if (w.ino.is_dir() || w.ino.is_symlink())
				erofs::read_all(img, w.ino);
		});
		return "";
	} catch (const erofs::Error &e) {
		return e.what();
	}
}

std::string read_everything(const std::string &path)
{
	return read_everything(read_bytes(path));
}

void check_all(const std::vector<uint8_t> &bytes)
{
	std::string msg;
	REQUIRE_NOTHROW(msg = read_everything(bytes));
	if (!msg.empty())
		CHECK(msg.find(" at ") != std::string::npos);
}

}  // namespace

TEST_CASE("the sample image is clean", "[corrupt]")
{
	TempDir t;
	auto img = sample_image(t);
	write_bytes(t / "c.img", img);
	CHECK(read_everything(t / "c.img") == "");
}

TEST_CASE("truncated images fail cleanly", "[corrupt]")
{
	TempDir t;
	auto img = sample_image(t);
	for (size_t len : {size_t(0), size_t(100), size_t(1024), size_t(1100), size_t(1151), size_t(2048),
			   size_t(4095), size_t(4096), img.size() / 2, img.size() - 4096, img.size() - 1}) {
		std::vector<uint8_t> cut(img.begin(), img.begin() + std::min(len, img.size()));
		write_bytes(t / "c.img", cut);
		auto msg = read_everything(t / "c.img");
		CHECK(msg != "");
	}
}

TEST_CASE("flipped metadata bytes never crash the reader", "[corrupt]")
{
	TempDir t;
	auto img = sample_image(t);
	erofs::Image clean(t / "s.img");
	size_t meta_end = std::min<size_t>(img.size(), 2 * clean.blksz());
	for (size_t off = 1024; off < meta_end; off++) {
		const uint8_t flips[] = {0x01, 0x80, 0xFF, 0x10};
		auto bad = img;
		bad[off] ^= flips[off % 4];
		fix_sb_crc(bad);
		check_all(bad);
	}
}

TEST_CASE("flipped superblock bytes without crc fix are caught by the crc", "[corrupt]")
{
	TempDir t;
	auto img = sample_image(t);
	for (size_t off = 1024 + 8; off < 1024 + 128; off += 7) {
		auto bad = img;
		bad[off] ^= 0x10;
		write_bytes(t / "c.img", bad);
		CHECK(read_everything(t / "c.img").find("checksum mismatch") != std::string::npos);
	}
}

TEST_CASE("a directory cycle is reported, not followed forever", "[corrupt]")
{
	TempDir t;
	auto img = sample_image(t);
	erofs::Image clean(t / "s.img");
	auto e = erofs::lookup(clean, "/d/e");
	auto d = erofs::lookup(clean, "/d");
	// point d's entry "e" at d itself: d/e/e/e... would loop forever
	auto data = erofs::read_all(clean, d);
	auto ents = erofs::read_dir(clean, d);
	uint64_t dir_data = d.inline_off;  // the small dir is inline
	for (size_t i = 0; i < ents.size(); i++)
		if (ents[i].name == "e")
			erofs::le::store<uint64_t>(img, dir_data + i * 12, d.nid);
	fix_sb_crc(img);
	write_bytes(t / "c.img", img);
	CHECK(e.nid != d.nid);
	auto r = run(quote(inspect_bin()) + " --fsck " + quote(t / "c.img"));
	CHECK(r.status == 1);
	CHECK(r.out.find("directory reached twice") != std::string::npos);
}

TEST_CASE("the inspect binary reports corruption as error ... at ... and exit 1", "[corrupt]")
{
	TempDir t;
	auto img = sample_image(t);
	auto bad = img;
	bad[1024] ^= 0xFF;  // magic
	write_bytes(t / "c.img", bad);
	for (const char *opt : {"--sb", "--ls", "--fsck", "--stat=/small", "--cat=/small"}) {
		auto r = run(quote(inspect_bin()) + " " + opt + " " + quote(t / "c.img"));
		CHECK(r.status == 1);
		CHECK(r.err.rfind("inspect.erofs++: error: bad magic", 0) == 0);
		CHECK(r.err.find(" at superblock") != std::string::npos);
	}
	std::vector<uint8_t> cut(img.begin(), img.begin() + 3000);
	write_bytes(t / "t.img", cut);
	auto r = run(quote(inspect_bin()) + " --fsck " + quote(t / "t.img"));
	CHECK(r.status == 1);
	CHECK(r.err.find("error: ") != std::string::npos);
}

TEST_CASE("extract refuses names and links that escape the directory", "[corrupt]")
{
	TempDir t;
	fs::create_directories(t / "src/sub");
	write_file(t / "src/sub/aaaa", "x");
	symlink("/etc", (t / "src/aaab").c_str());
	REQUIRE(run(quote(mkfs_bin()) + " " + quote(t / "e.img") + " " + quote(t / "src")).status == 0);
	// rename "sub" to "aaab" (same length) so that the extractor would
	// descend into the symlink it just created, and "aaaa" to "../x".
	auto img = read_bytes(t / "e.img");
	std::string s(img.begin(), img.end());
	auto p = s.find("aaaa");
	REQUIRE(p != std::string::npos);
	img[p] = '.', img[p + 1] = '.', img[p + 2] = '/', img[p + 3] = 'x';
	fix_sb_crc(img);
	write_bytes(t / "bad.img", img);
	auto r = run(quote(inspect_bin()) + " --extract=" + quote(t / "out") + " " + quote(t / "bad.img"));
	CHECK(r.status == 1);
	CHECK_FALSE(fs::exists(t / "x"));
	CHECK_FALSE(fs::exists("/etc/x"));
}

namespace {

// A small compressed image: text that compresses, a plain-block mix,
// zeros, inline tails; `opts` picks algorithm, pcluster size and index.
std::vector<uint8_t> compressed_image(const TempDir &t, const std::string &opts)
{
	fs::create_directories(t / "zsrc/d");
	std::string text;
	for (int i = 0; text.size() < 70000; i++)
		text += "line " + std::to_string(i * 7919 % 1000) + " of the erofs compressed sample\n";
	write_file(t / "zsrc/text", text);
	write_file(t / "zsrc/d/t9000", text.substr(0, 9000));
	write_file(t / "zsrc/zeros", std::string(300000, '\0'));
	write_file(t / "zsrc/mixed", random_bytes(9000, 5) + text.substr(0, 20000) + random_bytes(5000, 6));
	write_file(t / "zsrc/small", "small");
	auto r = run(quote(mkfs_bin()) + " -T 1 -Uclear --ishare_key=trusted.fp " + opts + " " + quote(t / "z.img") +
		     " " + quote(t / "zsrc"));
	REQUIRE(r.status == 0);
	return read_bytes(t / "z.img");
}

// Byte ranges of every compressed inode's map (header, index, inline
// pcluster) and of its pclusters.
void zranges(const std::string &path, std::vector<std::pair<uint64_t, uint64_t>> &maps,
	     std::vector<std::pair<uint64_t, uint64_t>> &data)
{
	erofs::Image img(path);
	erofs::walk_tree(img, [&](const erofs::WalkItem &w) {
		if (!w.ino.compressed())
			return;
		auto m = erofs::read_zmap(img, w.ino);
		uint64_t end = m.hdr_pos + erofs::zindex_bytes(m.compact, w.ino.size, m.lclusterbits, m.hdr_pos) +
			       m.idata_size;
		maps.push_back({m.hdr_pos, end});
		for (const auto &e : m.extents)
			if (!e.inline_tail)
				data.push_back({e.phys, e.phys + e.plen});
	});
}

}  // namespace

TEST_CASE("compressed images: flipped index, header and pcluster bytes never crash the reader", "[corrupt][compress]")
{
	TempDir t;
	for (const char *opts : {"-zlz4hc -C16384 -Eztailpacking", "-zlz4 -Elegacy-compress,ztailpacking",
				 "-zzstd -C65536", "-zlz4hc"}) {
		INFO(opts);
		auto img = compressed_image(t, opts);
		REQUIRE(read_everything(img) == "");
		std::vector<std::pair<uint64_t, uint64_t>> maps, data;
		zranges(t / "z.img", maps, data);
		REQUIRE(maps.size() >= 3);
		const uint8_t flips[] = {0x01, 0x80, 0xFF, 0x10, 0x08, 0x40};
		size_t k = 0;
		for (auto [a, b] : maps)
			for (uint64_t off = a; off < b; off++, k++) {
				auto bad = img;
				bad[off] ^= flips[k % 6];
				fix_sb_crc(bad);
				check_all(bad);
			}
		for (auto [a, b] : data)
			for (uint64_t off = a; off < b; off += std::max<uint64_t>(1, (b - a) / 24), k++) {
				auto bad = img;
				bad[off] ^= flips[k % 6];
				check_all(bad);
			}
		for (uint64_t off = 1024 + 84; off < 1024 + 128 + 32; off++, k++) {  // algs, cfg records
			auto bad = img;
			bad[off] ^= flips[k % 6];
			fix_sb_crc(bad);
			check_all(bad);
		}
	}
}

TEST_CASE("compressed images: targeted damage gives a precise error", "[corrupt][compress]")
{
	TempDir t;
	auto img = compressed_image(t, "-zlz4hc -C16384 -Eztailpacking");
	erofs::Image clean(t / "z.img");
	auto ino = erofs::lookup(clean, "/text");
	auto m = erofs::read_zmap(clean, ino);
	REQUIRE(m.compact);
	auto expect = [&](std::vector<uint8_t> bad, const std::string &what) {
		fix_sb_crc(bad);
		write_bytes(t / "c.img", bad);
		auto r = run(quote(inspect_bin()) + " --cat=/text " + quote(t / "c.img"));
		CHECK(r.status == 1);
		INFO(r.err);
		CHECK(r.err.find("error: " + what) != std::string::npos);
		CHECK(r.err.find(" at ") != std::string::npos);
	};
	auto bad = img;
	bad[m.hdr_pos + 6] = 0x0F;  // unknown HEAD1 algorithm
	expect(bad, "unknown compression algorithm 15");
	bad = img;
	bad[m.hdr_pos + 7] = 0x80;  // "whole file in the packed inode"
	expect(bad, "file stored in the packed inode");
	bad = img;
	auto first = m.extents[0];
	std::fill(bad.begin() + ptrdiff_t(first.phys), bad.begin() + ptrdiff_t(first.phys + first.plen), 0);
	expect(bad, "pcluster without data (all zeros)");
	bad = img;
	// a literal run longer than the stream
	std::fill(bad.begin() + ptrdiff_t(first.phys + first.plen - 64), bad.begin() + ptrdiff_t(first.phys + first.plen),
		  0xFF);
	expect(bad, "corrupt lz4 data");
	bad = img;
	erofs::le::store<uint16_t>(bad, 1024 + 84, 0x20);  // an algorithm id the kernel does not know
	expect(bad, "unknown compression algorithms");
	auto fsck = run(quote(inspect_bin()) + " --fsck " + quote(t / "c.img"));
	CHECK(fsck.status == 1);
}
