// Allocation of 32-byte aligned metadata records (inode + xattr body +
// optional inline tail).  A record with a tail must keep the tail inside
// one block (the inode and xattrs may end the previous block); space
// skipped to satisfy that is remembered as a gap and reused best-fit by
// later records.
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

	// Position for `meta` bytes followed by a `tail` that must not cross a
	// block boundary; nullopt when the tail cannot be kept inline.
	std::optional<uint64_t> place(uint64_t meta, uint64_t tail);
	uint64_t end() const { return cur_; }

private:
	std::optional<uint64_t> from_gap(uint64_t need);
	void add_gap(uint64_t pos, uint64_t end);

	uint64_t bs_;
	uint64_t cur_;
	std::set<std::pair<uint64_t, uint64_t>> gaps_;  // (free bytes, position)
};

}  // namespace erofs
