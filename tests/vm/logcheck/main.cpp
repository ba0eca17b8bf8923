// vmlog: decide whether a VM test run passed.
//
// usage: vmlog --tap FILE --console FILE [--timeout SECONDS] [--name SUITE]
//
// Prints every reason for failure (not ok lines, plan problems, kernel
// splats, a timeout with the test that was running), then one summary line
// "vm: N passed, M failed".  Exit 0 only when the run is clean.
#include "vmlog.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

namespace {

[[noreturn]] void usage(int code)
{
	(code ? std::cerr : std::cout)
		<< "usage: vmlog --tap FILE --console FILE [--timeout SECONDS] [--name SUITE]\n";
	std::exit(code);
}

}  // namespace

int main(int argc, char **argv)
{
	std::string tap_path, console_path, name = "vm";
	long timeout = 0;
	for (int i = 1; i < argc; i++) {
		auto arg = [&](const char *flag) -> const char * {
			if (std::strcmp(argv[i], flag) != 0)
				return nullptr;
			if (i + 1 >= argc)
				usage(2);
			return argv[++i];
		};
		if (const char *v = arg("--tap"))
			tap_path = v;
		else if (const char *v = arg("--console"))
			console_path = v;
		else if (const char *v = arg("--timeout"))
			timeout = std::strtol(v, nullptr, 10);
		else if (const char *v = arg("--name"))
			name = v;
		else if (!std::strcmp(argv[i], "-h") || !std::strcmp(argv[i], "--help"))
			usage(0);
		else
			usage(2);
	}
	if (tap_path.empty() || console_path.empty())
		usage(2);

	std::ifstream tap(tap_path), console(console_path);
	if (!tap) {
		std::cerr << "vmlog: cannot read " << tap_path << ": " << std::strerror(errno) << "\n";
		return 2;
	}
	if (!console) {
		std::cerr << "vmlog: cannot read " << console_path << ": " << std::strerror(errno) << "\n";
		return 2;
	}

	vmlog::TapReport rep = vmlog::parse_tap(tap);
	std::vector<std::string> splats = vmlog::kernel_splats(console);

	int failures = 0;
	if (timeout > 0) {
		std::cout << name << ": FAIL: timeout after " << timeout << " s";
		if (!rep.current.empty() && !rep.finished_current)
			std::cout << " while running " << rep.current;
		std::cout << "\n";
		failures++;
	}
	for (const auto &e : rep.errors) {
		std::cout << name << ": FAIL: " << e << "\n";
		failures++;
	}
	for (const auto &s : splats) {
		std::cout << name << ": FAIL: kernel log: " << s << "\n";
		failures++;
	}
	int planned = rep.planned.value_or(rep.results);
	int failed = planned - rep.passed;
	if (failures && failed == 0)
		failed = 1;  // a clean TAP stream with a dirty kernel log still fails
	std::cout << name << ": " << rep.checks << " checks in " << planned << " tests\n";
	std::cout << name << ": " << rep.passed << " passed, " << failed << " failed\n";
	return failures ? 1 : 0;
}
