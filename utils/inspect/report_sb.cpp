// --sb rendering.
#include <cstdio>
#include <ctime>

#include "base/digest.hpp"
#include "base/json.hpp"
#include "compress/codec.hpp"
#include "report.hpp"

namespace erofs {

namespace {

struct Feature {
	uint32_t bit;
	const char *name;
};

const Feature kCompat[] = {
	{compat::kSbChksum, "sb_csum"}, {compat::kMtime, "mtime"},
	{compat::kXattrFilter, "xattr_filter"}, {compat::kSharedEaInMetabox, "shared_ea_in_metabox"},
	{compat::kPlainXattrPfx, "plain_xattr_pfx"}, {compat::kIshareXattrs, "ishare_xattrs"},
};

const Feature kIncompat[] = {
	{incompat::kZeroPadding, "0padding"}, {incompat::kComprCfgs, "compr_cfgs/big_pcluster"},
	{incompat::kChunkedFile, "chunked_file"}, {incompat::kDeviceTable, "device_table/compr_head2"},
	{incompat::kZtailpacking, "ztailpacking"}, {incompat::kFragments, "fragments/dedupe"},
	{incompat::kXattrPrefixes, "xattr_prefixes"}, {incompat::k48bit, "48bit"},
	{incompat::kMetabox, "metabox"},
};

template <size_t N>
std::vector<std::string> feature_names(uint32_t bits, const Feature (&tab)[N])
{
	std::vector<std::string> out;
	for (const auto &f : tab)
		if (bits & f.bit)
			out.push_back(f.name);
	return out;
}

std::string uuid_text(const std::array<uint8_t, 16> &u)
{
	std::string h = to_hex(u);
	return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

std::string label_text(const std::array<uint8_t, 16> &l)
{
	std::string s;
	for (uint8_t c : l) {
		if (!c)
			break;
		s += char(c);
	}
	return s;
}

std::string hex32(uint32_t v)
{
	char b[16];
	snprintf(b, sizeof(b), "0x%08x", v);
	return b;
}

std::string join(const std::vector<std::string> &v)
{
	std::string s;
	for (const auto &x : v)
		s += (s.empty() ? "" : " ") + x;
	return s;
}

}  // namespace

// Algorithms the image may use, with their config records.
std::string compression_text(const Image &img)
{
	std::string out;
	for (unsigned a = 0; a < kAlgCount; a++) {
		if (!(img.available_algs() & (1u << a)))
			continue;
		out += out.empty() ? "" : ", ";
		out += alg_name(a);
		if (a == unsigned(Alg::Lz4))
			out += " (pclusters up to " + std::to_string(img.lz4_max_pclusterblks()) + " blocks)";
		else if (a == unsigned(Alg::Lzma))
			out += " (dictionary " + std::to_string(img.lzma_dict_size()) + ")";
		else if (a == unsigned(Alg::Deflate) && img.deflate_windowbits() >= 0)
			out += " (window bits " + std::to_string(img.deflate_windowbits()) + ")";
		else if (a == unsigned(Alg::Zstd) && img.zstd_windowlog() >= 0)
			out += " (window log " + std::to_string(img.zstd_windowlog()) + ")";
	}
	if (!img.has_compr_cfgs())
		out += ", no config records";
	return out;
}

std::string sb_text(const Image &img)
{
	const auto &s = img.sb();
	char b[4096];
	snprintf(b, sizeof(b),
		 "magic:             %s\n"
		 "checksum:          %s (verified: %s)\n"
		 "block size:        %llu\n"
		 "blocks:            %u\n"
		 "inodes:            %llu\n"
		 "root nid:          %u\n"
		 "meta blkaddr:      %u\n"
		 "xattr blkaddr:     %u\n"
		 "epoch:             %llu\n"
		 "fixed nsec:        %u\n"
		 "uuid:              %s\n"
		 "label:             %s\n"
		 "compat features:   %s (%s)\n"
		 "incompat features: %s (%s)\n"
		 "xattr prefixes:    %u at byte %llu%s\n",
		 hex32(s.magic).c_str(), hex32(s.checksum).c_str(),
		 (s.feature_compat & compat::kSbChksum) ? "yes" : "no crc",
		 (unsigned long long)img.blksz(), s.blocks, (unsigned long long)s.inos, s.root_nid,
		 s.meta_blkaddr, s.xattr_blkaddr, (unsigned long long)s.epoch, s.fixed_nsec,
		 uuid_text(s.uuid).c_str(), label_text(s.volume_name).c_str(),
		 join(feature_names(s.feature_compat, kCompat)).c_str(), hex32(s.feature_compat).c_str(),
		 join(feature_names(s.feature_incompat, kIncompat)).c_str(), hex32(s.feature_incompat).c_str(),
		 s.xattr_prefix_count, (unsigned long long)s.xattr_prefix_start * 4,
		 s.xattr_prefix_count && s.packed_nid && !(s.feature_compat & compat::kPlainXattrPfx)
			 ? " of the packed inode"
			 : "");
	std::string out = b;
	const auto &longs = img.prefixes().longs();
	for (size_t i = 0; i < longs.size(); i++)
		out += "  prefix " + std::to_string(i) + ": " + img.prefixes().long_full(i) + "\n";
	auto key = img.ishare_key();
	out += "ishare key:        " + (key ? *key + " (prefix " + std::to_string(s.ishare_xattr_prefix_id & 0x7F) + ")" : std::string("none")) + "\n";
	for (size_t i = 0; i < img.devices().size(); i++) {
		const auto &d = img.devices()[i];
		std::string tag(reinterpret_cast<const char *>(d.tag.data()), d.tag.size());
		tag.resize(tag.find('\0') == std::string::npos ? tag.size() : tag.find('\0'));
		out += "device " + std::to_string(i + 1) + ":          " + std::to_string(d.blocks) + " blocks at block " +
		       std::to_string(d.mapped_blkaddr) + (tag.empty() ? "" : ", tag " + tag) + "\n";
	}
	if (s.packed_nid)
		out += "packed nid:        " + std::to_string(s.packed_nid) + "\n";
	if (s.feature_incompat & incompat::kZeroPadding || img.has_compr_cfgs())
		out += "compression:       " + compression_text(img) + "\n";
	return out;
}

std::string sb_json(const Image &img)
{
	const auto &s = img.sb();
	Json j;
	j.begin_object();
	j.str("magic", hex32(s.magic)).str("checksum", hex32(s.checksum));
	j.num("block_size", uint64_t(img.blksz())).num("blocks", uint64_t(s.blocks));
	j.num("inodes", s.inos).num("root_nid", uint64_t(s.root_nid));
	j.num("meta_blkaddr", uint64_t(s.meta_blkaddr)).num("xattr_blkaddr", uint64_t(s.xattr_blkaddr));
	j.num("epoch", s.epoch).num("fixed_nsec", uint64_t(s.fixed_nsec));
	j.str("uuid", uuid_text(s.uuid)).str("label", label_text(s.volume_name));
	j.num("feature_compat", uint64_t(s.feature_compat));
	j.begin_array("compat_features");
	for (auto &f : feature_names(s.feature_compat, kCompat))
		j.str_item(f);
	j.end_array().num("feature_incompat", uint64_t(s.feature_incompat));
	j.begin_array("incompat_features");
	for (auto &f : feature_names(s.feature_incompat, kIncompat))
		j.str_item(f);
	j.end_array().begin_array("xattr_prefixes");
	for (size_t i = 0; i < img.prefixes().longs().size(); i++)
		j.str_item(img.prefixes().long_full(i));
	j.end_array();
	auto key = img.ishare_key();
	if (key)
		j.str("ishare_key", *key).num("ishare_prefix_id", uint64_t(s.ishare_xattr_prefix_id & 0x7F));
	j.num("packed_nid", s.packed_nid);
	if (s.feature_incompat & incompat::kZeroPadding || img.has_compr_cfgs()) {
		j.begin_array("compression");
		for (unsigned a = 0; a < kAlgCount; a++)
			if (img.available_algs() & (1u << a))
				j.str_item(alg_name(a));
		j.end_array();
	}
	j.end_object();
	return j.text() + "\n";
}

}  // namespace erofs
