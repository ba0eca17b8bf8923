// --fsck: superblock (checked on open), tree walk, dirents, xattrs, every
// data extent read once; optionally every fingerprint recomputed.  File
// contents are checked by the workers while the walk goes on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "read/image.hpp"

namespace erofs {

struct FsckOptions {
	bool verify_fingerprints = false;
	unsigned workers = 0;
	size_t max_errors = 1000;
	bool progress = false;  // a "files a/b, bytes x/y" line on stderr
};

struct FsckReport {
	std::vector<std::string> errors;    // "<what> at <where>"
	std::vector<std::string> warnings;
	uint64_t inodes = 0, dirs = 0, files = 0, symlinks = 0, specials = 0;
	uint64_t data_bytes = 0;
	uint64_t fp_verified = 0, fp_mismatched = 0, fp_missing = 0;
	bool clean() const { return errors.empty(); }
};

FsckReport run_fsck(const Image &img, const FsckOptions &opt);

}  // namespace erofs
