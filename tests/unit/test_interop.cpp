// Interop: images made by erofs-utils 1.9.3 (tests/interop/peer-corpus.sh
// builds them from a generated tree) are read exactly by inspect.erofs++:
// --extract compared with the source tree in every attribute, --fsck,
// --verify-fingerprints, --ls, --stat and --cat.  Without the peer
// (/opt/erofs-utils-1.9.3 or $EROFS_PEER_PREFIX) the test says SKIP and
// passes: the build never depends on it.
#include <catch2/catch.hpp>

#include <sstream>

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

}  // namespace

TEST_CASE("interop: every erofs-utils 1.9.3 image kind extracts exactly", "[interop]")
{
	std::string dir = std::string(INTEROP_DIR) + "/peer";
	auto built = run(quote(std::string(SOURCE_DIR) + "/tests/interop/peer-corpus.sh") + " " + quote(dir));
	if (built.status == 77) {
		WARN("SKIP: " + trim(built.err));
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
}
