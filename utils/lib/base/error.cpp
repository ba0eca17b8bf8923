#include "base/error.hpp"

#include <cstring>

namespace erofs {

void throw_errno(const std::string &what, const std::string &path, int err)
{
	throw Error(what + ": " + std::strerror(err), path);
}

}  // namespace erofs
