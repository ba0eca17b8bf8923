// Hostile images: truncations and flipped bytes in the superblock, inodes,
// xattrs, dirents and chunk maps.  Every reader path must either succeed
// or throw erofs::Error; never crash, hang or throw anything else.  The
// superblock crc is recomputed after each flip so the damage reaches the
// deeper parsers.  Run under ASan/UBSan in the utils-san build.
#include <catch2/catch.hpp>

#include <filesystem>

#include "content.hpp"
#include "dir_read.hpp"
#include "error.hpp"
#include "fsck.hpp"
#include "helpers.hpp"
#include "image.hpp"
#include "walk.hpp"

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
