#include "plan/xattr_plan.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "base/digest.hpp"
#include "base/error.hpp"

namespace erofs {

namespace {
constexpr size_t kMaxBody = 12 + 4 * size_t(0xFFFF - 1);
constexpr size_t kMaxShared = 255;
}  // namespace

XattrPlan::XattrPlan(Tree &t, const XattrPrefixes &p, Config cfg)
	: prefixes_(p), cfg_(std::move(cfg))
{
	std::string fp_name;
	if (cfg_.fingerprint) {
		fp_name = prefixes_.long_full(*cfg_.fingerprint);
		fp_item_ = {fp_name, {uint8_t(xidx::kLongPrefix | *cfg_.fingerprint), ""},
			    std::string(kFingerprintSize, '\0')};
	}
	// Which xattrs of a node are written (warns once per skipped one).
	auto usable = [&](const Node &n, const Xattr &x, bool warn) {
		if (cfg_.fingerprint && x.name == fp_name)
			return false;  // the computed fingerprint replaces it
		if (x.value.size() > 0xFFFF)
			throw Error("xattr " + x.name + " value larger than 65535 bytes", n.path);
		if (!prefixes_.encode(x.name)) {
			if (warn && cfg_.warn)
				cfg_.warn("skipping xattr " + x.name + " (namespace not supported) at " + n.path);
			return false;
		}
		return true;
	};
	std::map<std::pair<std::string, std::string>, size_t> ids;
	size_t refs = 0;
	for (const auto &np : t.nodes)
		for (const auto &x : np->xattrs)
			if (usable(*np, x, true)) {
				ids.emplace(std::make_pair(x.name, x.value), 0);
				refs++;
			}
	for (auto &[k, idx] : ids) {
		idx = items_.size();
		items_.push_back({k.first, *prefixes_.encode(k.first), k.second});
	}
	// per node, its items: node_items_[node_first_[i], node_first_[i + 1])
	node_first_.assign(t.nodes.size() + 1, 0);
	node_items_.reserve(refs);
	for (size_t i = 0; i < t.nodes.size(); i++) {
		const Node &n = *t.nodes[i];
		for (const auto &x : n.xattrs) {
			if (!usable(n, x, false))
				continue;
			size_t idx = ids.at({x.name, x.value});
			node_items_.push_back(uint32_t(idx));
			items_[idx].users++;
		}
		node_first_[i + 1] = uint32_t(node_items_.size());
	}
	for (auto &it : items_) {
		if (cfg_.tolerance >= 0 && it.users > uint32_t(cfg_.tolerance)) {
			it.shared = true;
			it.shared_off = uint32_t(shared_size_);
			shared_size_ += it.entry_size();
		}
	}
}

bool XattrPlan::has_fingerprint(const Node &n) const
{
	return cfg_.fingerprint && n.kind == Kind::Regular && n.size > 0;
}

void XattrPlan::assign(Node &n, uint64_t shared_base) const
{
	auto &at = n.at;
	at.shared_xattr_ids.clear();
	at.inline_xattrs.clear();
	size_t body = XattrIbodyHeader::kSize;
	unsigned bits = 0;
	for (uint32_t k = node_first_.at(n.id); k < node_first_.at(n.id + 1); k++) {
		size_t idx = node_items_[k];
		const auto &it = items_[idx];
		bits |= 1u << prefixes_.filter_bit(it.name);
		if (it.shared && at.shared_xattr_ids.size() < kMaxShared) {
			at.shared_xattr_ids.push_back(uint32_t((shared_base + it.shared_off) / 4));
			body += 4;
		} else {
			at.inline_xattrs.push_back(idx);
			body += it.entry_size();
		}
	}
	if (has_fingerprint(n)) {
		bits |= 1u << prefixes_.filter_bit(fp_item_.name);
		auto pos = std::find_if(at.inline_xattrs.begin(), at.inline_xattrs.end(),
					[&](size_t i) { return items_[i].full > fp_item_.full; });
		at.inline_xattrs.insert(pos, kFingerprintItem);
		body += fp_item_.entry_size();
	}
	if (body == XattrIbodyHeader::kSize) {
		at.xattr_size = 0;
		at.name_filter = 0;
		return;
	}
	if (body > kMaxBody)
		throw Error("too many xattrs for one inode", n.path);
	std::sort(at.shared_xattr_ids.begin(), at.shared_xattr_ids.end());
	at.xattr_size = uint32_t(body);
	at.name_filter = ~bits;
}

void XattrPlan::encode_entry(const XattrItem &it, std::span<uint8_t> out) const
{
	XattrEntry e{uint8_t(it.name.suffix.size()), it.name.index, uint16_t(it.value.size())};
	std::fill(out.begin(), out.begin() + e.total_size(), uint8_t(0));
	e.encode(out);
	std::copy(it.name.suffix.begin(), it.name.suffix.end(), out.begin() + 4);
	std::copy(it.value.begin(), it.value.end(), out.begin() + 4 + it.name.suffix.size());
}

void XattrPlan::encode_shared_area(std::span<uint8_t> out) const
{
	for (const auto &it : items_)
		if (it.shared)
			encode_entry(it, out.subspan(it.shared_off));
}

void XattrPlan::encode_body(const Node &n, std::span<uint8_t> out, const std::string &fingerprint) const
{
	const auto &at = n.at;
	if (!at.xattr_size)
		return;
	XattrIbodyHeader{at.name_filter, uint8_t(at.shared_xattr_ids.size())}.encode(out);
	size_t pos = XattrIbodyHeader::kSize;
	for (uint32_t id : at.shared_xattr_ids) {
		le::store<uint32_t>(out, pos, id);
		pos += 4;
	}
	for (size_t idx : at.inline_xattrs) {
		if (idx == kFingerprintItem) {
			XattrItem fp = fp_item_;
			fp.value = fingerprint;
			encode_entry(fp, out.subspan(pos));
			pos += fp.entry_size();
		} else {
			encode_entry(items_[idx], out.subspan(pos));
			pos += items_[idx].entry_size();
		}
	}
}

}  // namespace erofs
