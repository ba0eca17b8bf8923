#include "plan/xattr_name.hpp"

#include <array>
#include <stdexcept>

#include "base/digest.hpp"

namespace erofs {

namespace {

struct ShortPrefix {
	uint8_t index;
	std::string_view text;
	bool exact;  // the ACL names are whole names, not prefixes
};

constexpr std::array<ShortPrefix, 6> kShort{{
	{xidx::kUser, "user.", false},
	{xidx::kAclAccess, "system.posix_acl_access", true},
	{xidx::kAclDefault, "system.posix_acl_default", true},
	{xidx::kTrusted, "trusted.", false},
	{xidx::kLustre, "lustre.", false},
	{xidx::kSecurity, "security.", false},
}};

bool starts_with(std::string_view s, std::string_view p)
{
	return s.substr(0, p.size()) == p;
}

}  // namespace

std::string_view short_prefix(uint8_t index)
{
	for (const auto &p : kShort)
		if (p.index == index)
			return p.text;
	return {};
}

std::string invalid_xattr_name_reason(std::string_view name)
{
	if (name.empty())
		return "empty xattr name";
	if (name.size() > kNameMax)
		return "xattr name longer than 255 bytes";
	for (char c : name)
		if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
			return "xattr name contains a control or blank character";
	if (starts_with(name, "system."))
		return "the system. namespace cannot carry a fingerprint";
	for (const auto &p : kShort)
		if (!p.exact && name == p.text)
			return "xattr name has an empty suffix after its namespace";
	return "";
}

uint8_t XattrPrefixes::add_long(std::string_view full)
{
	for (size_t i = 0; i < longs_.size(); i++)
		if (long_full(i) == full)
			return static_cast<uint8_t>(i);
	if (longs_.size() >= 128)
		throw std::length_error("more than 128 long xattr prefixes");
	LongPrefix lp{xidx::kNone, std::string(full)};
	for (const auto &p : kShort) {
		if (!p.exact && p.index != xidx::kLustre && starts_with(full, p.text)) {
			lp = {p.index, std::string(full.substr(p.text.size()))};
			break;
		}
	}
	longs_.push_back(std::move(lp));
	return static_cast<uint8_t>(longs_.size() - 1);
}

std::string XattrPrefixes::long_full(size_t id) const
{
	const auto &lp = longs_.at(id);
	return std::string(short_prefix(lp.base_index)) + lp.infix;
}

std::optional<EncodedName> XattrPrefixes::encode(std::string_view name) const
{
	std::optional<EncodedName> best;
	size_t best_len = 0;
	for (size_t i = 0; i < longs_.size(); i++) {
		std::string full = long_full(i);
		if (starts_with(name, full) && (!best || full.size() > best_len)) {
			best = EncodedName{uint8_t(xidx::kLongPrefix | i),
					   std::string(name.substr(full.size()))};
			best_len = full.size();
		}
	}
	if (best)
		return best;
	for (const auto &p : kShort) {
		if (p.index == xidx::kLustre)
			continue;
		if (p.exact ? name == p.text
			    : (starts_with(name, p.text) && name.size() > p.text.size()))
			return EncodedName{p.index, std::string(name.substr(p.text.size()))};
	}
	return std::nullopt;
}

std::optional<std::string> XattrPrefixes::decode(uint8_t index, std::string_view suffix) const
{
	if (index & xidx::kLongPrefix) {
		size_t id = index & xidx::kLongPrefixMask;
		if (id >= longs_.size())
			return std::nullopt;
		return long_full(id) + std::string(suffix);
	}
	if (index == xidx::kNone)
		return std::string(suffix);
	auto p = short_prefix(index);
	if (p.empty())
		return std::nullopt;
	return std::string(p) + std::string(suffix);
}

unsigned XattrPrefixes::filter_bit(const EncodedName &n) const
{
	uint8_t base = n.index;
	std::string name = n.suffix;
	if (n.index & xidx::kLongPrefix) {
		const auto &lp = longs_.at(n.index & xidx::kLongPrefixMask);
		base = lp.base_index;
		name = lp.infix + n.suffix;
	}
	return xxh32(name, kXattrFilterSeed + base) & (kXattrFilterBits - 1);
}

}  // namespace erofs
