// build_image(): scan -> layout -> parallel fill -> superblock + crc32c ->
// rename.  The same inputs always give the same bytes.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "source/dir_scan.hpp"
#include "source/tar/input.hpp"
#include "source/tar/tar_tree.hpp"
#include "compress/zwrite.hpp"

namespace erofs {

struct MkfsOptions {
	std::string image;
	std::string source;                          // directory, or tar file ("" or "-": stdin)
	std::optional<TarMode> tar;                  // --tar=f|i|headerball
	TarCompression tar_compression = TarCompression::Auto;
	bool aufs = false;                           // --aufs
	bool ovlfs_strip = false;                    // --ovlfs-strip=1
	bool inline_data = true;                     // -E ^inline_data / noinline_data
	bool sort_none = false;                      // --sort=none: data in stream order
	bool mkfs_time = false;                      // -T sets the build time only
	unsigned blkbits = 12;
	int xattr_tolerance = 2;  // < 0: no xattrs
	std::vector<std::string> xattr_prefixes;
	std::optional<std::string> ishare_key;
	std::optional<int64_t> fixed_time;          // -T
	std::optional<int64_t> source_date_epoch;   // clamps mtimes
	std::optional<std::array<uint8_t, 16>> uuid; // nullopt = random
	std::string label;
	bool all_root = false;
	std::optional<uint32_t> force_uid;
	std::optional<uint32_t> force_gid;
	std::vector<std::string> exclude_paths;
	std::vector<std::string> exclude_regexes;
	CompressConfig compress;
	unsigned workers = 0;  // 0 = number of CPUs
	bool progress = false;
	std::function<void(const std::string &)> warn;
	std::string after_scan_hook;  // test hook: shell command run after the scan
	// --tar=f with compression: compress each file as soon as the stream
	// has passed it (Off: after the whole stream; All: tests, also what is
	// still queued when the stream ends).
	enum class Early { Off, On, All } early_compress = Early::On;
};

struct MkfsResult {
	uint64_t inodes = 0;
	uint64_t blocks = 0;
	uint64_t image_bytes = 0;
	uint64_t shared_blocks = 0;  // blocks identical files did not store again
	uint64_t early_files = 0;    // files compressed while the tar stream was read
	uint64_t early_copies = 0;   // ... of which copied from an earlier file of the same content
};

MkfsResult build_image(const MkfsOptions &opt);

// Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"; nullopt if malformed.
std::optional<std::array<uint8_t, 16>> parse_uuid(const std::string &s);
std::array<uint8_t, 16> random_uuid();

}  // namespace erofs
