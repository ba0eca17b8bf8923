// Little-endian load/store helpers for on-disk structures.  Every access
// goes through these so the format code never depends on host byte order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace erofs::le {

template <typename T>
inline T load(std::span<const uint8_t> b, size_t off)
{
	T v = 0;
	for (size_t i = 0; i < sizeof(T); i++)
		v |= static_cast<T>(static_cast<T>(b[off + i]) << (8 * i));
	return v;
}

template <typename T>
inline void store(std::span<uint8_t> b, size_t off, T v)
{
	for (size_t i = 0; i < sizeof(T); i++)
		b[off + i] = static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i));
}

inline uint16_t u16(std::span<const uint8_t> b, size_t off) { return load<uint16_t>(b, off); }
inline uint32_t u32(std::span<const uint8_t> b, size_t off) { return load<uint32_t>(b, off); }
inline uint64_t u64(std::span<const uint8_t> b, size_t off) { return load<uint64_t>(b, off); }

}  // namespace erofs::le
