#include "base/parallel.hpp"

namespace erofs {

unsigned default_workers()
{
	unsigned n = std::thread::hardware_concurrency();
	return n ? n : 1;
}

}  // namespace erofs
