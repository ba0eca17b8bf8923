// Unit tests of the VM run judge (tests/vm/logcheck).  A wrong judge makes
// every VM test worthless, so each failure mode it must catch is pinned here.
#include <catch2/catch.hpp>

#include <sstream>

#include "vmlog.hpp"

using vmlog::parse_tap;

namespace {

vmlog::TapReport tap(const std::string &s)
{
	std::istringstream in(s);
	return parse_tap(in);
}

bool mentions(const vmlog::TapReport &r, const std::string &what)
{
	for (const auto &e : r.errors)
		if (e.find(what) != std::string::npos)
			return true;
	return false;
}

}  // namespace

TEST_CASE("a clean run passes", "[vmlog]")
{
	auto r = tap("TAP version 13\n1..2\n"
		     "# begin a\n    1..2\n    ok 1 - x\n    ok 2 - y\nok 1 - a\n"
		     "# begin b\n    1..1\n    ok 1 - z\nok 2 - b\n");
	CHECK(r.errors.empty());
	CHECK(r.planned == 2);
	CHECK(r.results == 2);
	CHECK(r.passed == 2);
	CHECK(r.checks == 3);
}

TEST_CASE("a not ok check fails the run and names the test", "[vmlog]")
{
	auto r = tap("1..1\n# begin basic\n    1..2\n    ok 1 - x\n    not ok 2 - sizes match\n"
		     "not ok 1 - basic\n");
	REQUIRE(r.errors.size() == 2);
	CHECK(r.errors[0] == "not ok 2 - sizes match (in basic)");
	CHECK(r.errors[1] == "not ok 1 - basic");
	CHECK(r.passed == 0);
}

TEST_CASE("TODO results do not fail the run", "[vmlog]")
{
	auto r = tap("1..1\n# begin t\n    1..1\n    not ok 1 - later # TODO not built\nok 1 - t\n");
	CHECK(r.errors.empty());
}

TEST_CASE("a missing plan fails", "[vmlog]")
{
	auto r = tap("# begin boot\n");
	CHECK(mentions(r, "no plan"));
	CHECK(mentions(r, "boot"));
	CHECK(tap("").errors.size() == 1);
}

TEST_CASE("a short plan fails and says where the guest stopped", "[vmlog]")
{
	auto r = tap("1..3\n# begin a\n    1..1\n    ok 1\nok 1 - a\n# begin races\n    1..4\n    ok 1\n");
	CHECK(mentions(r, "planned 3 tests, 1 reported"));
	CHECK(mentions(r, "stopped during races"));
}

TEST_CASE("a sub-plan that does not match its checks fails", "[vmlog]")
{
	CHECK(mentions(tap("1..1\n# begin a\n    1..3\n    ok 1\n    ok 2\nok 1 - a\n"),
		       "planned 3 checks, ran 2 (in a)"));
	CHECK(mentions(tap("1..1\n# begin a\n    ok 1\nok 1 - a\n"), "no plan for its checks"));
}

TEST_CASE("numbering gaps and bail outs fail", "[vmlog]")
{
	CHECK(mentions(tap("1..2\nok 1\nok 3\n"), "numbered 3, expected 2"));
	CHECK(mentions(tap("1..1\n# begin a\n    1..2\n    ok 1\n    ok 5\nok 1 - a\n"),
		       "check numbered 5"));
	CHECK(mentions(tap("1..1\nBail out! no module\n"), "Bail out! no module"));
}

TEST_CASE("words that merely start with ok are not results", "[vmlog]")
{
	auto r = tap("1..1\nokay this is chatter\nok 1 - real\n");
	CHECK(r.errors.empty());
	CHECK(r.results == 1);
}

TEST_CASE("kernel splats are found", "[vmlog]")
{
	using vmlog::is_splat;
	CHECK(is_splat("[    3.1] WARNING: CPU: 0 PID: 1 at warn.c:9 init+0x5/0x10 [warn_test]"));
	CHECK(is_splat("[    3.1] BUG: kernel NULL pointer dereference, address: 0000000000000008"));
	CHECK(is_splat("[    3.1] Oops: 0000 [#1] PREEMPT SMP NOPTI"));
	CHECK(is_splat("[    3.1] Call Trace:"));
	CHECK(is_splat("[    3.1] general protection fault, probably for non-canonical address"));
	CHECK(is_splat("[  140.0] INFO: task mount:77 blocked for more than 30 seconds."));
	CHECK(is_splat("[    3.1] WARNING: possible circular locking dependency detected"));
	CHECK(is_splat("[    3.1] possible recursive locking detected"));
	CHECK(is_splat("[    3.1] BUG: KASAN: use-after-free in erofs_read_folio"));
	CHECK(is_splat("[    3.1] Kernel panic - not syncing: Fatal exception"));
	CHECK(is_splat("[    3.1] watchdog: BUG: soft lockup - CPU#1 stuck for 22s!"));

	CHECK_FALSE(is_splat("[    0.9] erofs: (device vda): mounted with root inode @ nid 36."));
	CHECK_FALSE(is_splat("[    0.9] erofs: module verification failed: signature and/or required key missing - tainting kernel"));
	CHECK_FALSE(is_splat("[    0.1] Booting paravirtualized kernel on KVM"));
	// Debug kernel boot banner and the harness's own test markers.
	CHECK_FALSE(is_splat("[    0.000000] rcu: \tRCU lockdep checking is enabled."));
	CHECK_FALSE(is_splat("[   11.5] erofs-test: begin t10-lockdep"));
	CHECK_FALSE(is_splat("[   12.5] erofs-test: end t10-kasan rc=0"));
	CHECK(is_splat("[   12.3] ? lockdep_hardirqs_on_prepare+0x3e0/0x3e0"));

	std::istringstream log("[ 1] ok\n[ 2] WARNING: CPU: 1\n[ 3] fine\n[ 4] Call Trace:\n");
	auto s = vmlog::kernel_splats(log);
	REQUIRE(s.size() == 2);
	CHECK(s[0] == "[ 2] WARNING: CPU: 1");
}
