// ISA-L's crc32_iscsi() is CRC-32C without the final inversion, which is
// exactly the EROFS rule; it picks the SSE4.2 / PCLMUL code at run time.
#include "base/crc32c.hpp"

#include <climits>
#include <isa-l/crc.h>

namespace erofs {

uint32_t crc32c_erofs(std::span<const uint8_t> data, uint32_t seed)
{
	uint32_t crc = seed;
	const uint8_t *p = data.data();
	size_t left = data.size();
	while (left) {
		int n = left > size_t(INT_MAX) ? INT_MAX : static_cast<int>(left);
		crc = crc32_iscsi(const_cast<uint8_t *>(p), n, crc);
		p += n;
		left -= size_t(n);
	}
	return crc;
}

}  // namespace erofs
