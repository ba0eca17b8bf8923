// Every mkfs error path: one clear "error: ... at <path>" line, a non-zero
// exit, and no image (nor temp file) left behind.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sys/stat.h>

#include "base/error.hpp"
#include "helpers.hpp"
#include "source/dir_scan.hpp"
#include "source/tree.hpp"

using namespace testutil;
namespace fs = std::filesystem;

namespace {

void expect_clean_failure(const RunResult &r, const TempDir &out, const std::string &mention)
{
	CHECK(r.status != 0);
	CHECK(r.err.rfind("mkfs.erofs++: error: ", 0) == 0);
	CHECK(r.err.find(mention) != std::string::npos);
	CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
	CHECK(list_dir(out.path()).empty());  // no image, no temp file
	INFO(r.err);
}

RunResult mkfs_to(const TempDir &out, const std::string &src, const std::string &extra = "")
{
	return run(quote(mkfs_bin()) + " " + extra + " " + quote(out / "x.img") + " " + quote(src));
}

// Runs mkfs with a shell command executed between the scan and the copy.
RunResult mkfs_with_hook(const TempDir &src, const TempDir &out, const std::string &hook)
{
	return run("EROFSPP_TEST_AFTER_SCAN=" + quote(hook) + " " + quote(mkfs_bin()) + " " +
		   quote(out / "x.img") + " " + quote(src.path()));
}

}  // namespace

TEST_CASE("unreadable file", "[mkfs][errors]")
{
	TempDir src, out;
	write_file(src / "ok", "fine");
	write_file(src / "secret", "no");
	chmod((src / "secret").c_str(), 0);
	chmod(out.path().c_str(), 0777);
	auto r = run("setpriv --reuid=65534 --regid=65534 --clear-groups " + quote(mkfs_bin()) + " " +
		     quote(out / "x.img") + " " + quote(src.path()));
	expect_clean_failure(r, out, src / "secret");
	CHECK(r.err.find("Permission denied") != std::string::npos);
}

TEST_CASE("a killed mkfs leaves no temporary image behind", "[mkfs][errors]")
{
	TempDir src;
	write_file(src / "f", "data");
	// (SIGINT cannot be sent this way: system() ignores it in mkfs while
	// the hook runs.  The handler covers INT, TERM, HUP and QUIT alike.)
	for (const char *sig : {"TERM", "HUP"}) {
		TempDir out;
		// The hook runs while the temporary image exists; $PPID is mkfs.
		auto r = mkfs_with_hook(src, out, std::string("kill -") + sig + " $PPID; sleep 5");
		INFO(sig);
		CHECK(r.status != 0);
		CHECK(list_dir(out.path()).empty());
	}
}

TEST_CASE("file vanished between scan and copy", "[mkfs][errors]")
{
	TempDir src, out;
	write_file(src / "gone", "soon gone");
	auto r = mkfs_with_hook(src, out, "rm " + quote(src / "gone"));
	expect_clean_failure(r, out, src / "gone");
	CHECK(r.err.find("vanished") != std::string::npos);
}

TEST_CASE("file changed size between scan and copy", "[mkfs][errors]")
{
	TempDir src, out;
	write_file(src / "grows", "short");
	auto r = mkfs_with_hook(src, out, "echo more >> " + quote(src / "grows"));
	expect_clean_failure(r, out, src / "grows");
	CHECK(r.err.find("changed") != std::string::npos);
}

TEST_CASE("full disk (file size limit) leaves nothing behind", "[mkfs][errors]")
{
	TempDir src, out;
	write_file(src / "big", random_bytes(4 << 20, 7));
	auto r = run("ulimit -f 1024; " + quote(mkfs_bin()) + " " + quote(out / "x.img") + " " + quote(src.path()));
	expect_clean_failure(r, out, out / "x.img");
	CHECK(r.err.find("File too large") != std::string::npos);
}

TEST_CASE("output inside the source tree", "[mkfs][errors]")
{
	TempDir src;
	fs::create_directories(src / "sub");
	write_file(src / "f", "x");
	auto r = run(quote(mkfs_bin()) + " " + quote(src / "sub/x.img") + " " + quote(src.path()));
	CHECK(r.status != 0);
	CHECK(r.err.find("inside the source tree") != std::string::npos);
	CHECK_FALSE(fs::exists(src / "sub/x.img"));
}

TEST_CASE("invalid ishare key, block size, uuid and label", "[mkfs][errors]")
{
	TempDir src, out;
	write_file(src / "f", "x");
	expect_clean_failure(mkfs_to(out, src.path(), "--ishare_key=user."), out, "--ishare_key=user.");
	expect_clean_failure(mkfs_to(out, src.path(), "--xattr-inode-digest='bad name'"), out, "bad name");
	expect_clean_failure(mkfs_to(out, src.path(), "--ishare_key=system.fp"), out, "system.fp");
	expect_clean_failure(mkfs_to(out, src.path(), "-b 1000"), out, "-b 1000");
	expect_clean_failure(mkfs_to(out, src.path(), "-b 8192"), out, "-b 8192");
	expect_clean_failure(mkfs_to(out, src.path(), "-U nonsense"), out, "-U nonsense");
	expect_clean_failure(mkfs_to(out, src.path(), "-L a-label-longer-than-15"), out, "-L");
	expect_clean_failure(mkfs_to(out, src.path(), "--exclude-regex='('"), out, "regular expression");
	expect_clean_failure(mkfs_to(out, src / "missing"), out, src / "missing");
	CHECK(run(quote(mkfs_bin()) + " only-one-arg").status == 2);
}

TEST_CASE("names over 255 bytes and unsupported types are refused", "[mkfs][errors]")
{
	// Linux filesystems cannot hold such names, so the checks are driven
	// through the library the scanner feeds.
	erofs::Tree t;
	auto root = std::make_unique<erofs::Node>();
	root->kind = erofs::Kind::Directory;
	root->path = "/src";
	t.root = t.add(std::move(root));
	t.root->parent = t.root;
	auto f = std::make_unique<erofs::Node>();
	f->path = "/src/long";
	erofs::Node *fn = t.add(std::move(f));
	t.root->children.push_back({std::string(256, 'x'), fn});
	CHECK_THROWS_WITH(erofs::validate_tree(t), Catch::Contains("longer than 255 bytes"));
	t.root->children[0].name = std::string(255, 'x');
	CHECK_NOTHROW(erofs::validate_tree(t));
	t.root->children.push_back({std::string(255, 'x'), fn});
	CHECK_THROWS_WITH(erofs::validate_tree(t), Catch::Contains("duplicate"));
	CHECK_THROWS_WITH(erofs::kind_of_mode(0170000, "/src/odd"), Catch::Contains("unsupported file type at /src/odd"));
	CHECK(erofs::kind_of_mode(S_IFSOCK, "s") == erofs::Kind::Socket);
}

TEST_CASE("the first scan error in name order is the one reported, for any --workers", "[mkfs][errors][scan]")
{
	TempDir src, out;
	chmod(out.path().c_str(), 0777);
	chmod(src.path().c_str(), 0755);
	for (int d = 0; d < 30; d++) {
		fs::create_directories(src / ("b/d" + std::to_string(d) + "/e"));
		write_file(src / ("b/d" + std::to_string(d) + "/e/f"), "x");
	}
	fs::create_directories(src / "a/c/locked");
	fs::create_directories(src / "b/d29/locked");
	fs::create_directories(src / "z/locked");
	run("chmod -R a+rX " + quote(src.path()));
	for (const char *l : {"a/c/locked", "b/d29/locked", "z/locked"})
		chmod((src / l).c_str(), 0);
	for (int w : {1, 2, 5}) {
		auto r = run("setpriv --reuid=65534 --regid=65534 --clear-groups " + quote(mkfs_bin()) +
			     " --workers=" + std::to_string(w) + " " + quote(out / "x.img") + " " + quote(src.path()));
		expect_clean_failure(r, out, src / "a/c/locked");
		CHECK(r.err.find("cannot open directory") != std::string::npos);
	}
}
