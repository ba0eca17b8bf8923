// Directory entries of an image, validated block by block, and path lookup.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "read/inode_read.hpp"

namespace erofs {

struct DirEntryInfo {
	std::string name;
	uint64_t nid = 0;
	uint8_t file_type = 0;
};

// All entries (including "." and ".."), checked: name offsets, lengths,
// characters, file types and order within each block.
std::vector<DirEntryInfo> read_dir(const Image &img, const InodeInfo &dir);

// Resolves an absolute or relative path from the root; throws if missing.
InodeInfo lookup(const Image &img, const std::string &path);

uint8_t file_type_of_mode(uint32_t mode);

}  // namespace erofs
