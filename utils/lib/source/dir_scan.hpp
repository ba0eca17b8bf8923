// Scans a source directory into a Tree: sorted names, one Node per inode,
// xattrs, symlink targets, device numbers and the data ranges of sparse
// files.  Applies owner, time and exclusion options.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "source/tree.hpp"

namespace erofs {

enum class TimeMode { Source, Fixed, Clamp };

class PathRegex {
public:
	explicit PathRegex(const std::string &pattern);  // POSIX ERE; throws Error
	~PathRegex();
	PathRegex(const PathRegex &) = delete;
	PathRegex &operator=(const PathRegex &) = delete;
	bool matches(const std::string &s) const;

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

struct ScanOptions {
	std::vector<std::string> exclude_paths;  // relative to the source root
	std::vector<std::shared_ptr<PathRegex>> exclude_regexes;
	bool all_root = false;
	std::optional<uint32_t> force_uid;
	std::optional<uint32_t> force_gid;
	TimeMode time_mode = TimeMode::Source;
	int64_t timestamp = 0;
	bool xattrs = true;
	std::function<void(const std::string &)> warn;
	unsigned threads = 1;  // directories scanned at once (the result does not depend on it)
};

// Sets n's owner and mtime from the source's, applying --all-root,
// --force-uid/gid and -T (fixed or clamped times): one rule for every source.
void apply_owner_time(Node &n, uint32_t uid, uint32_t gid, int64_t mtime,
                      uint32_t mtime_nsec, const ScanOptions &opt);

// Maps st_mode to a Kind; throws "unsupported file type" for anything else.
Kind kind_of_mode(uint32_t mode, const std::string &path);

Tree scan_tree(const std::string &source, const ScanOptions &opt);

// Data ranges of an open regular file (SEEK_DATA/SEEK_HOLE); one range
// covering everything when the filesystem cannot tell.
std::vector<DataRange> data_ranges(int fd, uint64_t size);

}  // namespace erofs
