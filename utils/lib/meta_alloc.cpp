#include "meta_alloc.hpp"

#include <algorithm>

#include "erofs/format.hpp"

namespace erofs {

namespace {
constexpr uint64_t kSlot = uint64_t(1) << kSlotBits;
uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }
}  // namespace

void MetaAllocator::add_gap(uint64_t pos, uint64_t end)
{
	pos = round_up(pos, kSlot);
	if (pos + kSlot <= end)
		gaps_.insert({end - pos, pos});
}

std::optional<uint64_t> MetaAllocator::from_gap(uint64_t need)
{
	auto it = gaps_.lower_bound({need, 0});
	if (it == gaps_.end())
		return std::nullopt;
	auto [free, pos] = *it;
	gaps_.erase(it);
	add_gap(pos + need, pos + free);
	return pos;
}

std::optional<uint64_t> MetaAllocator::place(uint64_t meta, uint64_t tail)
{
	uint64_t need = meta + tail;
	if (need <= bs_) {
		if (auto p = from_gap(need))
			return p;
	}
	uint64_t pos = cur_;
	if (tail && (pos + meta) % bs_ + tail > bs_) {
		// Let the inode end the current block so that the tail starts
		// the next one; the bytes skipped become a gap.
		pos = round_up(round_up(cur_ + meta, bs_) - meta, kSlot);
		if ((pos + meta) % bs_ + tail > bs_)
			return std::nullopt;  // caller stores the tail in a block
		add_gap(cur_, std::min(pos, round_up(cur_ + 1, bs_)));
	}
	cur_ = round_up(pos + need, kSlot);
	return pos;
}

}  // namespace erofs
