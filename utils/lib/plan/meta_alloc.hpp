// Allocation of 32-byte aligned metadata records (inode + xattr body +
// optional index or chunk map + optional inline tail).  The head of a
// record (inode + xattr body) stays inside one block, so a kernel reads an
// inode and its xattrs, the page-cache sharing fingerprint among them,
// from a single metadata block; only what follows (compressed indexes, a
// chunk map) may run into the next.  A tail must also stay inside one
// block.  Space skipped for either rule is remembered as a gap and reused
// best-fit by later records.
// Deterministic: the result depends only on the sequence of requests.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <utility>

namespace erofs {

class MetaAllocator {
public:
	MetaAllocator(uint64_t blksz, uint64_t start) : bs_(blksz), cur_(start) {}

	// Position for `meta` bytes, the first `head` of which must not cross
	// a block boundary (ignored if longer than a block), followed by a
	// `tail` that must not cross one either; nullopt when the tail cannot
	// be kept inline.
	std::optional<uint64_t> place(uint64_t meta, uint64_t tail, uint64_t head);
	uint64_t end() const { return cur_; }

private:
	std::optional<uint64_t> from_gap(uint64_t need);
	void add_gap(uint64_t pos, uint64_t end);

	uint64_t bs_;
	uint64_t cur_;
	std::set<std::pair<uint64_t, uint64_t>> gaps_;  // (free bytes, position)
};

}  // namespace erofs
