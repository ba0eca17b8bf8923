// Host-side judge of a VM test run: parses the guest's TAP stream and scans
// the kernel console log for splats.  Used by tests/vm/run.sh through the
// `vmlog` tool, and unit-tested in tests/unit/test_vmlog.cpp.
#pragma once

#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace vmlog {

// What the guest's TAP stream said.
//
// Stream shape (written by tests/vm/guest/runner.sh):
//   1..K                      top-level plan: K test scripts
//   # begin NAME              marker before each script
//       1..n                  the script's own plan (indented 4 spaces)
//       ok 1 - ...            the script's checks
//   ok 1 - NAME               verdict on the script as a whole
struct TapReport {
	std::optional<int> planned;       // top-level plan, if seen
	int results = 0;                  // top-level ok/not ok lines
	int passed = 0;                   // top-level ok lines
	int checks = 0;                   // indented (sub-test) result lines
	std::string current;              // last "# begin" name
	bool finished_current = false;    // a top-level result followed it
	std::vector<std::string> errors;  // every reason the run failed
};

TapReport parse_tap(std::istream &in);

// Lines of a kernel console log that mean the kernel went wrong: oops,
// BUG, WARNING, call traces, GPF, lockdep, hung tasks, KASAN/UBSAN, panics,
// soft lockups, RCU stalls.
std::vector<std::string> kernel_splats(std::istream &in);

// True when one console line is a splat (exposed for tests).
bool is_splat(const std::string &line);

}  // namespace vmlog
