// Content hashes: SHA-256 through libgcrypt, xxh32 through libxxhash.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace erofs {

using Sha256Digest = std::array<uint8_t, 32>;

class Sha256 {
public:
	Sha256();
	~Sha256();
	Sha256(Sha256 &&) noexcept;
	Sha256 &operator=(Sha256 &&) noexcept;
	void update(std::span<const uint8_t> data);
	void update_zeros(uint64_t count);  // holes hash as zeros
	Sha256Digest finish();

private:
	struct Ctx;
	std::unique_ptr<Ctx> ctx_;
};

Sha256Digest sha256(std::span<const uint8_t> data);
std::string to_hex(std::span<const uint8_t> bytes);

uint32_t xxh32(std::string_view data, uint32_t seed);

// The fingerprint xattr value: "sha256:" followed by the 32 raw bytes.
inline constexpr std::string_view kFingerprintTag = "sha256:";
inline constexpr size_t kFingerprintSize = 7 + 32;
std::string fingerprint_value(const Sha256Digest &d);

}  // namespace erofs
