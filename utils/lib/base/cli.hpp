// Helpers shared by the tool mains: strict number parsing and the
// "error: ..." reporting wrapper.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace erofs {

// Parses a whole decimal integer in [lo, hi]; nullopt otherwise.
std::optional<int64_t> parse_int(const std::string &s, int64_t lo, int64_t hi);

// Runs body(); prints "error: <msg>" for any exception and returns 1;
// otherwise returns body's status.
int run_main(const char *tool, const std::function<int()> &body);

}  // namespace erofs
