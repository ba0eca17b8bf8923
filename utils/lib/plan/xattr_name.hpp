// Xattr names on disk: a name index (short namespace prefix or long
// prefix number) plus the remaining suffix.  Also the name filter hash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "erofs/format.hpp"

namespace erofs {

struct EncodedName {
	uint8_t index = 0;
	std::string suffix;
	bool operator==(const EncodedName &) const = default;
};

// "user.", "trusted.", ... for a short index; "" when there is none.
std::string_view short_prefix(uint8_t index);

// Why `name` cannot be used as a fingerprint/prefix xattr name, or "".
std::string invalid_xattr_name_reason(std::string_view name);

class XattrPrefixes {
public:
	XattrPrefixes() = default;
	explicit XattrPrefixes(std::vector<LongPrefix> longs) : longs_(std::move(longs)) {}

	// Registers a long prefix given as a full string; returns its id.
	uint8_t add_long(std::string_view full_prefix);
	const std::vector<LongPrefix> &longs() const { return longs_; }
	std::string long_full(size_t id) const;

	// Best encoding of a full name (longest long prefix, else short prefix);
	// nullopt when the namespace cannot be stored in EROFS.
	std::optional<EncodedName> encode(std::string_view full_name) const;
	// Full name of an on-disk (index, suffix); nullopt for unknown indexes.
	std::optional<std::string> decode(uint8_t index, std::string_view suffix) const;
	// Bit of the 32-bit name filter that this name sets.
	unsigned filter_bit(const EncodedName &n) const;

private:
	std::vector<LongPrefix> longs_;
};

}  // namespace erofs
