// --overlap: how much regular-file content several images share, from
// their fingerprints (or SHA-256 computed on the fly), and the page-cache
// saving ceiling when every file of every image is read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace erofs {

struct OverlapImage {
	std::string path;
	uint64_t files = 0, bytes = 0;
	uint64_t shared_files = 0, shared_bytes = 0;  // content also in another image
	uint64_t hashed_files = 0;                    // no fingerprint, hashed here
};

struct OverlapReport {
	std::vector<OverlapImage> images;
	uint64_t total_bytes = 0;   // all regular-file bytes of all images
	uint64_t unique_bytes = 0;  // each distinct content counted once
	double ceiling() const
	{
		return total_bytes ? double(total_bytes - unique_bytes) / double(total_bytes) : 0.0;
	}
};

OverlapReport compute_overlap(const std::vector<std::string> &paths, unsigned workers);

}  // namespace erofs
