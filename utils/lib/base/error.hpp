// The one error type of the library: "<what> at <where>".  Tool mains print
// it as "error: <what> at <where>" and exit non-zero.
#pragma once

#include <stdexcept>
#include <string>

namespace erofs {

class Error : public std::runtime_error {
public:
	Error(std::string what, std::string where)
		: std::runtime_error(what + " at " + where), what_(std::move(what)),
		  where_(std::move(where)) {}
	const std::string &what_part() const { return what_; }
	const std::string &where_part() const { return where_; }

private:
	std::string what_;
	std::string where_;
};

// Error from a failed system call: "<what>: <strerror(errno)> at <path>".
[[noreturn]] void throw_errno(const std::string &what, const std::string &path, int err);

}  // namespace erofs
