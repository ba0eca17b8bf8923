// Allocation of 32-byte aligned metadata records (inode + xattr body +
// optional index or chunk map + optional inline tail).  The head of a
// record (inode + xattr body) stays inside one 4 KiB page (one block with
// 4 KiB blocks), so a kernel reads an inode and its xattrs, the page-cache
// sharing fingerprint among them, from a single metadata page; only what
// follows (compressed indexes, a chunk map) may run into the next.  With
// smaller blocks a head may cross a block boundary inside the page (Linux
// reads metadata a page at a time and copes with such inodes, as with
// erofs-utils' images): keeping it inside a 512-byte block cost about 6 %
// of a --tar=i image.  Callers keep a head with an xattr body inside one
// block (`head_in_block`): our module reads the fingerprint from the block
// it read the inode from (erofs_ishare_peek), else it takes the slower
// erofs_getxattr() path.  A tail must stay inside one block (the format's
// rule).  Space skipped for either rule is remembered as a gap and reused
// best-fit by later records.
// Deterministic: the result depends only on the sequence of requests.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <utility>

namespace erofs {

// The span a record's head stays inside (with blocks up to this size).
inline constexpr uint64_t kMetaHeadUnit = 4096;

class MetaAllocator {
public:
	MetaAllocator(uint64_t blksz, uint64_t start)
		: bs_(blksz), hu_(blksz > kMetaHeadUnit ? blksz : kMetaHeadUnit), cur_(start) {}

	// Position for `meta` bytes, the first `head` of which must not cross
	// a 4 KiB page boundary (ignored if longer than that), nor a block
	// boundary with `head_in_block` (if not longer than a block),
	// followed by a `tail` that must not cross a block; nullopt when the
	// tail cannot be kept inline.
	std::optional<uint64_t> place(uint64_t meta, uint64_t tail, uint64_t head, bool head_in_block = false);
	uint64_t end() const { return cur_; }

private:
	std::optional<uint64_t> from_gap(uint64_t need);
	void add_gap(uint64_t pos, uint64_t end);

	uint64_t bs_;
	uint64_t hu_;  // head unit: max(block, 4 KiB)
	uint64_t cur_;
	std::set<std::pair<uint64_t, uint64_t>> gaps_;  // (free bytes, position)
};

}  // namespace erofs
