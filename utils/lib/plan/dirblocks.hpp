// Directory data: all entries including "." and "..", sorted by name bytes,
// packed greedily into self-contained blocks.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "source/tree.hpp"

namespace erofs {

struct DirItem {
	std::string_view name;
	const Node *node;
};

// Sorted entries of `dir` with "." and ".." merged in.
std::vector<DirItem> dir_items(const Node &dir);
// Exact i_size of the directory data.
uint64_t dir_size(const Node &dir, unsigned blksz);
// Encodes the directory data (dir_size bytes); nids come from Placement.
std::vector<uint8_t> encode_dir(const Node &dir, unsigned blksz);

}  // namespace erofs
