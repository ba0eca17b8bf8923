// Decides where every xattr goes: the shared area (pairs used by more than
// `tolerance` inodes) or inline in the inode body, in canonical order, and
// encodes xattr bodies.  The fingerprint entry is always inline.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "source/tree.hpp"
#include "plan/xattr_name.hpp"

namespace erofs {

struct XattrItem {
	std::string full;
	EncodedName name;
	std::string value;
	uint32_t users = 0;
	bool shared = false;
	uint32_t shared_off = 0;  // offset inside the shared area

	size_t entry_size() const
	{
		return XattrEntry{uint8_t(name.suffix.size()), 0, uint16_t(value.size())}.total_size();
	}
};

// Marks the fingerprint entry in Placement::inline_xattrs.
inline constexpr size_t kFingerprintItem = size_t(-1);

class XattrPlan {
public:
	struct Config {
		int tolerance = 2;                  // share pairs used by more inodes
		std::optional<uint8_t> fingerprint; // long prefix id of the key
		std::function<void(const std::string &)> warn;
	};

	XattrPlan(Tree &t, const XattrPrefixes &p, Config cfg);

	size_t shared_area_size() const { return shared_size_; }
	void encode_shared_area(std::span<uint8_t> out) const;
	// Fills the xattr part of n.at given where the shared area starts
	// (byte offset from xattr_blkaddr 0).
	void assign(Node &n, uint64_t shared_base) const;
	// Encodes the body for n (n.at.xattr_size bytes).
	void encode_body(const Node &n, std::span<uint8_t> out, const std::string &fingerprint) const;
	bool has_fingerprint(const Node &n) const;

private:
	void encode_entry(const XattrItem &it, std::span<uint8_t> out) const;

	const XattrPrefixes &prefixes_;
	Config cfg_;
	std::vector<XattrItem> items_;                 // sorted by (full, value)
	std::vector<uint32_t> node_first_;  // per Tree node index (+ 1): its first entry in node_items_
	std::vector<uint32_t> node_items_;  // item indexes, node after node
	size_t shared_size_ = 0;
	XattrItem fp_item_;
};

}  // namespace erofs
