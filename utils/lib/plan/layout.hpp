// The layout step: decides every byte position before anything is written.
// Metadata (sb, shared xattrs, prefix table, inodes with xattr bodies and
// inline tails) comes first, then the data blocks, in one deterministic
// order (breadth-first, names sorted by bytes).  A later compression step
// would slot in as another per-file data layout choice here.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "source/tree.hpp"
#include "plan/xattr_name.hpp"
#include "plan/xattr_plan.hpp"
#include "compress/zindex.hpp"

namespace erofs {

// -Ededupe: a compressed file some of whose pclusters are byte-identical
// to pclusters placed earlier (of this or another file): its extents point
// there, it keeps blocks only for the others, and it gets a full index
// (compact packs derive block addresses from their order).
struct ZDedupe {
	const Node *whole_owner = nullptr;  // every pcluster is this file's, in the same order
	std::vector<std::pair<const Node *, uint32_t>> ref;  // per extent: (owner, its extent) or (null, 0)
	std::vector<ZExtent> ext;           // final extents, blk absolute (partial sharing only)
};

struct Layout {
	unsigned blkbits = 12;
	uint64_t blksz = 4096;
	std::vector<Node *> order;   // placement order, each inode once
	uint64_t shared_off = 0;     // byte offset of the shared xattr area
	uint64_t prefix_off = 0;     // byte offset of the long prefix table
	uint64_t inode_off = 0;      // first inode
	uint32_t meta_blkaddr = 0;
	uint64_t meta_end = 0;       // end of metadata bytes
	uint64_t data_blkaddr = 0;
	uint64_t total_blocks = 0;
	uint64_t data_bytes = 0;     // regular file content bytes (for progress)
	uint64_t shared_blocks = 0;  // blocks not written again thanks to dedupe
	std::unordered_map<const Node *, ZDedupe> zdedupe;  // -Ededupe
	bool any_chunked = false;
	bool any_device = false;     // chunks on device 1 (--tar=i)
	bool any_xattr_body = false;

	uint64_t image_size() const { return total_blocks * blksz; }
};

struct LayoutInput {
	unsigned blkbits = 12;
	int64_t epoch = 0;
	uint64_t head_extra = 0;     // bytes after the superblock (compression configs)
	bool compact_index = true;   // compressed files: compact or full index
	bool dedupe = false;         // identical compressed files share their blocks
	bool inline_data = true;     // regular files may keep their tail inline
	bool source_order = false;   // data blocks in source (tar stream) order
	bool extent_dedupe = false;  // identical pclusters are stored once (ZFile::pcl_hash)
	Node *packed = nullptr;      // the packed inode (fragments), not in any directory
};

Layout compute_layout(Tree &t, const XattrPlan &xp, const XattrPrefixes &pfx,
		      const LayoutInput &in);

// Whether n needs the 64-byte inode form.
bool needs_extended(const Node &n, int64_t epoch);

}  // namespace erofs
