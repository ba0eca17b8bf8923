#include "check/overlap.hpp"

#include <map>
#include <set>
#include <unordered_set>

#include "read/content.hpp"
#include "base/parallel.hpp"
#include "read/walk.hpp"

namespace erofs {

namespace {

using ContentKey = std::pair<std::string, uint64_t>;  // digest value, size

struct FileKeys {
	std::vector<ContentKey> keys;
	uint64_t hashed = 0;
};

FileKeys image_keys(const std::string &path, unsigned workers)
{
	Image img(path);
	std::vector<InodeInfo> files;
	std::unordered_set<uint64_t> seen;
	walk_tree(img, [&](const WalkItem &w) {
		if (w.ino.is_reg() && w.ino.size && seen.insert(w.ino.nid).second)
			files.push_back(w.ino);
	});
	FileKeys out;
	out.keys.resize(files.size());
	std::vector<uint8_t> hashed(files.size(), 0);
	parallel_for(files.size(), workers, [&](size_t i, unsigned) {
		auto fp = stored_fingerprint(img, files[i]);
		if (!fp || fp->size() != kFingerprintSize) {
			fp = fingerprint_value(hash_content(img, files[i]));
			hashed[i] = 1;
		}
		out.keys[i] = {*fp, files[i].size};
	});
	for (uint8_t h : hashed)
		out.hashed += h;
	return out;
}

}  // namespace

OverlapReport compute_overlap(const std::vector<std::string> &paths, unsigned workers)
{
	if (!workers)
		workers = default_workers();
	std::vector<FileKeys> all;
	std::map<ContentKey, std::set<size_t>> where;
	for (size_t i = 0; i < paths.size(); i++) {
		all.push_back(image_keys(paths[i], workers));
		for (const auto &k : all.back().keys)
			where[k].insert(i);
	}
	OverlapReport r;
	for (size_t i = 0; i < paths.size(); i++) {
		OverlapImage oi{paths[i], all[i].keys.size(), 0, 0, 0, all[i].hashed};
		for (const auto &k : all[i].keys) {
			oi.bytes += k.second;
			if (where[k].size() > 1) {
				oi.shared_files++;
				oi.shared_bytes += k.second;
			}
		}
		r.total_bytes += oi.bytes;
		r.images.push_back(oi);
	}
	for (const auto &[k, imgs] : where)
		r.unique_bytes += k.second;
	return r;
}

}  // namespace erofs
