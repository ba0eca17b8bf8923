// Builds the writer's Tree from a tar stream in one pass: names are
// normalized inside the image (no "..", no absolute paths, nothing
// followed), a later entry replaces an earlier one at the same path,
// directories may come after their children, hard links join the node of
// an earlier entry, and --aufs whiteouts become overlayfs ones.  Regular
// file content is fingerprinted as it passes and either copied to a data
// file (--tar=f) or left where it lies in the tar (--tar=i), or is absent
// (headerball).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "source/dir_scan.hpp"
#include "source/tar/reader.hpp"
#include "source/tree.hpp"

namespace erofs {

class Spill;

enum class TarMode { Full, Index, Headerball };

struct TarTreeOptions {
	TarMode mode = TarMode::Full;
	bool aufs = false;          // .wh.NAME / .wh..wh..opq -> overlayfs whiteouts
	bool ovlfs_strip = false;   // drop whiteouts and overlayfs xattrs
	bool fingerprints = false;  // hash regular file content on the way
	ScanOptions scan;           // owners, times, xattrs, warn
	// Full mode: told of each regular file whose whole content is in the
	// data file (offset, size, path), on another thread, while the
	// stream goes on.
	std::function<void(uint64_t off, uint64_t size, const std::string &path)> stored;
};

struct TarTree {
	Tree tree;
	uint64_t tar_bytes = 0;  // bytes of the (decompressed) tar stream
};

// Reads every entry of `r`.  Full mode appends file data to `data` (the
// nodes then point into it); throws Error naming the entry and its byte
// offset on anything malformed or unsafe.
TarTree read_tar_tree(TarReader &r, const TarTreeOptions &opt, Spill *data);

// Splits a tar path into normalized components inside the image: empty
// and "." parts dropped, ".." removed together with the part before it
// (never above the root).  Throws on a NUL byte.
std::vector<std::string> tar_path_parts(const std::string &path, const std::string &where);

}  // namespace erofs
