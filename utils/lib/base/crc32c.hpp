// CRC-32C as EROFS uses it: seed 0xFFFFFFFF, no final inversion.
#pragma once

#include <cstdint>
#include <span>

namespace erofs {

uint32_t crc32c_erofs(std::span<const uint8_t> data, uint32_t seed = 0xFFFFFFFF);

}  // namespace erofs
