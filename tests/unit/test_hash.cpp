// crc32c (EROFS rule), SHA-256 and xxh32 against known vectors.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "base/crc32c.hpp"
#include "base/digest.hpp"

using namespace erofs;

namespace {
std::span<const uint8_t> bytes(std::string_view s)
{
	return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}
}  // namespace

TEST_CASE("crc32c uses seed ~0 and no final xor", "[crc32c]")
{
	CHECK(crc32c_erofs(bytes("123456789")) == 0x1CF96D7Cu);
	CHECK((crc32c_erofs(bytes("123456789")) ^ 0xFFFFFFFFu) == 0xE3069283u);
	CHECK(crc32c_erofs(bytes("")) == 0xFFFFFFFFu);
	// 32 zero bytes: standard crc32c is 0x8A9136AA (RFC 3720 B.4).
	std::array<uint8_t, 32> z{};
	CHECK((crc32c_erofs(z) ^ 0xFFFFFFFFu) == 0x8A9136AAu);
}

TEST_CASE("crc32c can be computed in pieces", "[crc32c]")
{
	auto whole = crc32c_erofs(bytes("123456789"));
	auto part = crc32c_erofs(bytes("6789"), crc32c_erofs(bytes("12345")));
	CHECK(whole == part);
}

TEST_CASE("sha256 matches FIPS 180-2 vectors", "[digest]")
{
	CHECK(to_hex(sha256(bytes("abc"))) ==
	      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK(to_hex(sha256(bytes(""))) ==
	      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("sha256 matches the FIPS 180-2 multi-block vectors, whole and in pieces", "[digest]")
{
	std::string_view two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	CHECK(to_hex(sha256(bytes(two))) ==
	      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	// one million 'a', whole and fed in uneven pieces that straddle the
	// 64-byte blocks
	constexpr std::string_view million_a = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	std::string a(1000000, 'a');
	Sha256 h;
	for (size_t at = 0, step = 1; at < a.size(); at += step, step = step * 3 % 1021 + 1)
		h.update(bytes(std::string_view(a).substr(at, step)));
	CHECK(to_hex(h.finish()) == million_a);
	CHECK(to_hex(sha256(bytes(a))) == million_a);
}

TEST_CASE("sha256 state moves with the object", "[digest]")
{
	Sha256 h;
	h.update(bytes("ab"));
	Sha256 moved(std::move(h));
	moved.update(bytes("c"));
	Sha256 assigned;
	assigned = std::move(moved);
	CHECK(to_hex(assigned.finish()) ==
	      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("sha256 of zeros streamed equals hashing a zero buffer", "[digest]")
{
	std::vector<uint8_t> z(200000, 0);
	Sha256 h;
	h.update(bytes("x"));
	h.update_zeros(z.size());
	Sha256 g;
	g.update(bytes("x"));
	g.update(z);
	CHECK(h.finish() == g.finish());
}

TEST_CASE("fingerprint value is the tag plus 32 raw bytes", "[digest]")
{
	auto v = fingerprint_value(sha256(bytes("abc")));
	REQUIRE(v.size() == kFingerprintSize);
	CHECK(v.substr(0, 7) == "sha256:");
	CHECK(uint8_t(v[7]) == 0xba);
	CHECK(uint8_t(v[38]) == 0xad);
}

TEST_CASE("xxh32 matches the reference implementation", "[digest]")
{
	// Reference values from the xxHash specification test vectors.
	CHECK(xxh32("", 0) == 0x02CC5D05u);
	CHECK(xxh32("a", 0) == 0x550D7456u);
	CHECK(xxh32("abc", 0) == 0x32D153FFu);
}
