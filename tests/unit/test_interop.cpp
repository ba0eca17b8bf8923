// Interop: images made by erofs-utils 1.9.3 (tests/interop/peer-corpus.sh
// builds them from a generated tree) are read exactly by inspect.erofs++:
// --extract compared with the source tree in every attribute, --fsck,
// --verify-fingerprints, --ls, --stat and --cat.  Without the peer
// (/opt/erofs-utils-1.9.3 or $EROFS_PEER_PREFIX) the test says SKIP and
// passes: the build never depends on it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "erofs/format.hpp"

#include "helpers.hpp"

using namespace testutil;

namespace {

std::vector<std::string> lines(const std::string &s)
{
	std::vector<std::string> v;
	std::istringstream in(s);
	for (std::string l; std::getline(in, l);)
		if (!l.empty())
			v.push_back(l);
	return v;
}

std::string trim(std::string s)
{
	while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
		s.pop_back();
	return s;
}

// write_file() with the parent folders created.
void put(const std::string &path, const std::string &data)
{
	std::filesystem::create_directories(std::filesystem::path(path).parent_path());
	write_file(path, data);
}

}  // namespace

TEST_CASE("interop: every erofs-utils 1.9.3 image kind extracts exactly and the 6.12-unmountable ones are refused", "[interop]")
{
	std::string dir = std::string(INTEROP_DIR) + "/peer";
	auto built = run(quote(std::string(SOURCE_DIR) + "/tests/interop/peer-corpus.sh") + " " + quote(dir));
	if (built.status == 77) {
		WARN(trim(built.err));  // "SKIP: no erofs-utils peer at ..."
		return;
	}
	INFO(built.err);
	REQUIRE(built.status == 0);
	auto names = lines(read_file(dir + "/corpus.list"));
	REQUIRE(names.size() >= 30);
	TempDir tmp;
	std::string text = read_file(dir + "/tree/text");
	for (const auto &n : names) {
		std::string img = quote(dir + "/images/" + n + ".erofs");
		std::string args = trim(read_file(dir + "/images/" + n + ".args"));
		std::string src = dir + "/" + trim(read_file(dir + "/images/" + n + ".src"));
		std::string x = tmp / n;
		INFO("image " << n << " (" << args << ")");
		auto r = inspect(args + " --extract=" + quote(x) + " " + img);
		INFO(r.err);
		CHECK(r.status == 0);
		if (r.status == 0)
			CHECK(diff_trees(src, x) == "");
		r = inspect(args + " --fsck " + img);
		CHECK(r.status == 0);
		CHECK(r.out.find("clean") != std::string::npos);
		r = inspect(args + " --fsck --verify-fingerprints --workers=2 " + img);
		CHECK(r.status == 0);
		r = inspect(args + " --cat=/text " + img);
		CHECK(r.status == 0);
		CHECK(r.out == text);
		r = inspect(args + " --ls=/small " + img);
		CHECK(r.status == 0);
		CHECK(lines(r.out).size() >= 40);
		r = inspect(args + " --stat=/zeros-5M " + img);
		CHECK(r.status == 0);
		CHECK(r.out.find("5242880") != std::string::npos);
	}
	// Features Linux 6.12 cannot mount: refused by name, one line.
	auto refused = lines(read_file(dir + "/refused.list"));
	REQUIRE(refused.size() == 3);
	for (const auto &l : refused) {
		std::string name = l.substr(0, l.find(' ')), word = l.substr(l.find(' ') + 1);
		INFO("image " << name);
		std::string img = quote(dir + "/images/" + name + ".erofs");
		for (const char *act : {"--sb", "--fsck", "--ls"}) {
			auto r = inspect(std::string(act) + " " + img);
			CHECK(r.status == 1);
			CHECK(r.err.find(word) != std::string::npos);
			CHECK(r.err.find("Linux 6.12") != std::string::npos);
			CHECK(lines(r.err).size() == 1);
		}
	}
}

namespace {

// An image of a small tree made by our mkfs (no peer needed).
std::string our_image(const TempDir &t, const std::string &opts)
{
	std::string src = t / "src";
	put(src + "/a", "alpha\n");
	put(src + "/dir/b", random_bytes(200000, 7));
	put(src + "/dir/c", std::string(100000, 'c'));
	std::string img = t / "our.img";
	auto r = mkfs(opts + " " + quote(img) + " " + quote(src));
	INFO(r.err);
	REQUIRE(r.status == 0);
	return img;
}

uint64_t root_offset(const std::string &img)
{
	auto r = inspect("--stat=/ --json " + quote(img));
	REQUIRE(r.status == 0);
	auto p = r.out.find("\"offset\":");
	REQUIRE(p != std::string::npos);
	return std::stoull(r.out.substr(p + 9));
}

}  // namespace

TEST_CASE("interop: a dot-omitted directory inode is refused by name", "[interop]")
{
	TempDir t;
	std::string img = our_image(t, "");
	auto b = read_bytes(img);
	uint64_t off = root_offset(img);
	b[off] |= 0x10;  // EROFS_I_DOT_OMITTED_BIT in i_format
	fix_sb_crc(b);
	write_bytes(t / "dot.img", b);
	auto r = inspect("--ls " + quote(t / "dot.img"));
	CHECK(r.status == 1);
	CHECK(r.err.find("dot-omitted") != std::string::npos);
	CHECK(r.err.find("Linux 6.12") != std::string::npos);
}

TEST_CASE("interop: superblock epoch + compact mtime does not overflow", "[interop]")
{
	TempDir t;
	std::string img = our_image(t, "-T 1000");
	auto b = read_bytes(img);
	uint64_t off = root_offset(img);
	REQUIRE((b[off] & 1) == 0);  // a compact inode
	erofs::le::store<uint64_t>(std::span<uint8_t>(b).subspan(1024), 24, 0x7FFFFFFFFFFFFFF0ull);
	erofs::le::store<uint32_t>(std::span<uint8_t>(b).subspan(off), 12, 0x100);
	fix_sb_crc(b);
	write_bytes(t / "epoch.img", b);
	// Linux adds them as u64 + u32 into a time64_t: two's complement.
	auto r = inspect("--stat=/ --json " + quote(t / "epoch.img"));
	INFO(r.err);
	CHECK(r.status == 0);
	CHECK(r.out.find("\"mtime\":-9223372036854775568") != std::string::npos);
	CHECK(inspect("--fsck " + quote(t / "epoch.img")).status == 0);
}

TEST_CASE("interop: --extract that fails leaves nothing behind", "[interop]")
{
	TempDir t;
	std::string img = our_image(t, "-zlz4");
	auto r = inspect("--stat=/dir/c --json " + quote(img));
	REQUIRE(r.status == 0);
	auto p = r.out.find("\"physical\":");
	REQUIRE(p != std::string::npos);
	uint64_t phys = std::stoull(r.out.substr(p + 11));
	auto b = read_bytes(img);
	for (size_t k = 0; k < 4096; k++)  // the compressed block of dir/c
		b[phys + k] = uint8_t(0xA5 ^ k);
	write_bytes(t / "bad.img", b);
	// A new directory: not created.
	mkdir((t / "x").c_str(), 0755);
	r = inspect("--extract=" + quote(t / "x/out") + " " + quote(t / "bad.img"));
	CHECK(r.status == 1);
	CHECK(r.err.find("corrupt") != std::string::npos);
	CHECK(list_dir(t / "x").empty());
	// An existing empty directory: stays empty.
	mkdir((t / "x/empty").c_str(), 0755);
	r = inspect("--extract=" + quote(t / "x/empty") + " " + quote(t / "bad.img"));
	CHECK(r.status == 1);
	CHECK(list_dir(t / "x/empty").empty());
	CHECK(list_dir(t / "x") == std::vector<std::string>{"empty"});
	// A non-empty directory is refused before anything is written.
	put(t / "x/full/keep", "k");
	r = inspect("--extract=" + quote(t / "x/full") + " " + quote(img));
	CHECK(r.status == 1);
	CHECK(r.err.find("not empty") != std::string::npos);
	CHECK(list_dir(t / "x/full") == std::vector<std::string>{"keep"});
	// The good image still extracts into both kinds of target.
	CHECK(inspect("--extract=" + quote(t / "x/new") + " " + quote(img)).status == 0);
	CHECK(diff_trees(t / "src", t / "x/new") == "");
	CHECK(inspect("--extract=" + quote(t / "x/empty") + " " + quote(img)).status == 0);
	CHECK(diff_trees(t / "src", t / "x/empty") == "");
}

TEST_CASE("interop: our --tar=i image reads with the tar as a device file and appended", "[interop]")
{
	TempDir t;
	std::string src = t / "src";
	put(src + "/a", "alpha\n");
	put(src + "/dir/b", random_bytes(300000, 9));
	put(src + "/dir/c", std::string(70000, 'c'));
	REQUIRE(run("tar --format=pax --sort=name -C " + quote(src) + " -cf " + quote(t / "l.tar") + " .").status == 0);
	auto r = mkfs("--tar=i " + quote(t / "idx.img") + " " + quote(t / "l.tar"));
	INFO(r.err);
	REQUIRE(r.status == 0);
	REQUIRE(run("cat " + quote(t / "idx.img") + " " + quote(t / "l.tar") + " > " + quote(t / "app.img")).status == 0);
	r = inspect("--device=" + quote(t / "l.tar") + " --extract=" + quote(t / "sep") + " " + quote(t / "idx.img"));
	INFO(r.err);
	CHECK(r.status == 0);
	CHECK(diff_trees(src, t / "sep") == "");
	CHECK(inspect("--device=" + quote(t / "l.tar") + " --fsck --verify-fingerprints " + quote(t / "idx.img")).status == 0);
	r = inspect("--extract=" + quote(t / "app") + " " + quote(t / "app.img"));
	CHECK(r.status == 0);
	CHECK(diff_trees(src, t / "app") == "");
	CHECK(inspect("--fsck --verify-fingerprints " + quote(t / "app.img")).status == 0);
	// The index alone, no device: a clear error, not garbage.
	r = inspect("--cat=/dir/b " + quote(t / "idx.img"));
	CHECK(r.status == 1);
	CHECK(r.err.find("device") != std::string::npos);
}

TEST_CASE("inspect: --fsck --verify-fingerprints shows progress on a terminal only", "[interop]")
{
	TempDir t;
	put(t / "src/small", "hi\n");
	put(t / "src/sparse", "");
	REQUIRE(truncate((t / "src/sparse").c_str(), 300 << 20) == 0);
	std::string img = t / "fp.img";
	REQUIRE(mkfs("--quiet --xattr-inode-digest " + quote(img) + " " + quote(t / "src")).status == 0);
	std::string cmd = quote(inspect_bin()) + " --fsck --verify-fingerprints --workers=1 " + quote(img);
	// script(1) gives the tool a terminal; the progress line is on it.
	auto r = run("script -qec " + quote(cmd) + " /dev/null");
	INFO(r.out << r.err);
	CHECK(r.status == 0);
	CHECK(r.out.find("\rfiles 2/2, bytes 300.0 MiB/300.0 MiB") != std::string::npos);
	CHECK(r.out.find("2 verified") != std::string::npos);
	// Not a terminal: no progress line.
	r = inspect("--fsck --verify-fingerprints " + quote(img));
	CHECK(r.status == 0);
	CHECK(r.err.find("files ") == std::string::npos);
	CHECK(r.out.find("files ") == std::string::npos);
}

TEST_CASE("interop: device-0 chunks in a device's mapped range read from --device", "[interop]")
{
	// Linux with device= options redirects a unified address inside a
	// slot's [mapped_blkaddr, + blocks) to that device.  Our --tar=i image
	// with its (device 1, block B) chunk rewritten as (device 0, block
	// mapped + B) must read the same, from the tar file or appended.
	TempDir t;
	put(t / "src/dir/b", random_bytes(3000, 5));
	REQUIRE(run("tar --format=pax -C " + quote(t / "src") + " -cf " + quote(t / "l.tar") + " .").status == 0);
	REQUIRE(mkfs("--tar=i " + quote(t / "i.img") + " " + quote(t / "l.tar")).status == 0);
	auto sb = inspect("--sb " + quote(t / "i.img")).out;
	auto p = sb.find("blocks at block ");
	REQUIRE(p != std::string::npos);
	uint32_t mapped = uint32_t(std::stoul(sb.substr(p + 16)));
	auto st = inspect("--stat=/dir/b --json " + quote(t / "i.img")).out;
	REQUIRE(st.find("\"layout\":\"chunk-based\"") != std::string::npos);
	uint64_t off = std::stoull(st.substr(st.find("\"offset\":") + 9));
	uint64_t xs = std::stoull(st.substr(st.find("\"xattr_size\":") + 13));
	bool ext = st.find("\"inode\":\"extended\"") != std::string::npos;
	uint64_t idx = (off + (ext ? 64 : 32) + xs + 7) / 8 * 8;
	auto b = read_bytes(t / "i.img");
	std::span<uint8_t> rec(b.data() + idx, 8);
	REQUIRE(erofs::le::u16(rec, 2) == 1);  // one chunk, on device 1
	erofs::le::store<uint16_t>(rec, 2, 0);
	erofs::le::store<uint32_t>(rec, 4, erofs::le::u32(rec, 4) + mapped);
	write_bytes(t / "d0.img", b);
	std::string want = read_file(t / "src/dir/b");
	auto r = inspect("--device=" + quote(t / "l.tar") + " --cat=/dir/b " + quote(t / "d0.img"));
	INFO(r.err);
	CHECK(r.status == 0);
	CHECK(r.out == want);
	REQUIRE(run("cat " + quote(t / "d0.img") + " " + quote(t / "l.tar") + " > " + quote(t / "d0-app.img")).status == 0);
	r = inspect("--cat=/dir/b " + quote(t / "d0-app.img"));
	CHECK(r.status == 0);
	CHECK(r.out == want);
	CHECK(inspect("--cat=/dir/b " + quote(t / "d0.img")).status == 1);
}
