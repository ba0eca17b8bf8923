#include "base/cli.hpp"

#include <charconv>
#include <cstdio>
#include <exception>
#include <new>

#include "base/error.hpp"

namespace erofs {

std::optional<int64_t> parse_int(const std::string &s, int64_t lo, int64_t hi)
{
	int64_t v = 0;
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
	if (ec != std::errc() || p != s.data() + s.size() || s.empty() || v < lo || v > hi)
		return std::nullopt;
	return v;
}

int run_main(const char *tool, const std::function<int()> &body)
{
	try {
		return body();
	} catch (const Error &e) {
		std::fprintf(stderr, "%s: error: %s\n", tool, e.what());
	} catch (const std::bad_alloc &) {
		std::fprintf(stderr, "%s: error: out of memory\n", tool);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "%s: error: %s\n", tool, e.what());
	}
	return 1;
}

}  // namespace erofs
