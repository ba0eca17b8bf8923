#include "base/digest.hpp"

#include <openssl/evp.h>
#include <stdexcept>
#include <xxhash.h>

namespace erofs {

struct Sha256::Ctx {
	EVP_MD_CTX *md = nullptr;
	~Ctx() { EVP_MD_CTX_free(md); }
};

namespace {

// Fetching the implementation once avoids a provider lookup per file.
const EVP_MD *sha256_md()
{
	static const EVP_MD *md = [] {
		const EVP_MD *m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
		return m ? m : EVP_sha256();
	}();
	return md;
}

}  // namespace

Sha256::Sha256() : ctx_(std::make_unique<Ctx>())
{
	ctx_->md = EVP_MD_CTX_new();
	if (!ctx_->md || EVP_DigestInit_ex2(ctx_->md, sha256_md(), nullptr) != 1)
		throw std::runtime_error("OpenSSL SHA-256 initialisation failed");
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256 &&) noexcept = default;
Sha256 &Sha256::operator=(Sha256 &&) noexcept = default;

void Sha256::update(std::span<const uint8_t> data)
{
	if (!data.empty())
		EVP_DigestUpdate(ctx_->md, data.data(), data.size());
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
	unsigned len = 0;
	EVP_DigestFinal_ex(ctx_->md, d.data(), &len);
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
