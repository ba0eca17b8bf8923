#include "base/digest.hpp"

#include <algorithm>
#include <gcrypt.h>
#include <stdexcept>
#include <xxhash.h>

namespace erofs {

namespace {

// libgcrypt wants gcry_check_version() before any other call, once per
// process.  Only message digests are used, so its secure memory (which
// would lock pages and print warnings when it cannot) stays off.  If the
// program already initialised the library, this leaves it as it is.
void gcrypt_init()
{
	static const bool ready = [] {
		if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
			if (!gcry_check_version(GCRYPT_VERSION))
				return false;
			gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
			gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
		}
		return true;
	}();
	if (!ready)
		throw std::runtime_error("libgcrypt older than " GCRYPT_VERSION " (the version built against)");
}

}  // namespace

struct Sha256::Ctx {
	gcry_md_hd_t md = nullptr;
	~Ctx() { gcry_md_close(md); }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>())
{
	gcrypt_init();
	if (gcry_md_open(&ctx_->md, GCRY_MD_SHA256, 0) != 0)
		throw std::runtime_error("libgcrypt SHA-256 initialisation failed");
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256 &&) noexcept = default;
Sha256 &Sha256::operator=(Sha256 &&) noexcept = default;

void Sha256::update(std::span<const uint8_t> data)
{
	if (!data.empty())
		gcry_md_write(ctx_->md, data.data(), data.size());
}

void Sha256::update_zeros(uint64_t count)
{
	static const std::array<uint8_t, 65536> zeros{};
	while (count) {
		size_t n = count < zeros.size() ? size_t(count) : zeros.size();
		update({zeros.data(), n});
		count -= n;
	}
}

Sha256Digest Sha256::finish()
{
	Sha256Digest d{};
	const unsigned char *r = gcry_md_read(ctx_->md, GCRY_MD_SHA256);
	if (!r)
		throw std::runtime_error("libgcrypt SHA-256 finalisation failed");
	std::copy_n(r, d.size(), d.begin());
	return d;
}

Sha256Digest sha256(std::span<const uint8_t> data)
{
	Sha256 h;
	h.update(data);
	return h.finish();
}

std::string to_hex(std::span<const uint8_t> bytes)
{
	static const char digits[] = "0123456789abcdef";
	std::string s;
	s.reserve(bytes.size() * 2);
	for (uint8_t b : bytes) {
		s.push_back(digits[b >> 4]);
		s.push_back(digits[b & 15]);
	}
	return s;
}

uint32_t xxh32(std::string_view data, uint32_t seed)
{
	return XXH32(data.data(), data.size(), seed);
}

std::string fingerprint_value(const Sha256Digest &d)
{
	std::string v(kFingerprintTag);
	v.append(reinterpret_cast<const char *>(d.data()), d.size());
	return v;
}

}  // namespace erofs
