#include "plan/meta_alloc.hpp"

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

std::optional<uint64_t> MetaAllocator::place(uint64_t meta, uint64_t tail, uint64_t head, bool head_in_block)
{
	uint64_t hu = head_in_block && head <= bs_ ? bs_ : hu_;  // (a longer head: the page)
	uint64_t need = meta + tail;
	if (need <= bs_) {
		if (auto p = from_gap(need))  // gaps lie within one block
			return p;
	}
	if (head > hu)
		head = 0;
	auto fits = [&](uint64_t p) {
		return p % hu + head <= hu && (!tail || (p + meta) % bs_ + tail <= bs_);
	};
	// Where the record goes next, else where the inode ends the current
	// block so that the tail starts the next one, else the next block,
	// else the next page.
	uint64_t at_end = round_up(round_up(cur_ + meta, bs_) - meta, kSlot);
	std::optional<uint64_t> pos;
	for (uint64_t p : {cur_, tail ? at_end : cur_, round_up(cur_, bs_), round_up(cur_, hu)})
		if (fits(p)) {
			pos = p;
			break;
		}
	if (!pos)
		return std::nullopt;  // only with a tail: caller stores it in a block
	// the skipped space: one gap per block it touches
	for (uint64_t g = cur_; g < *pos; g = round_up(g + 1, bs_))
		add_gap(g, std::min(*pos, round_up(g + 1, bs_)));
	cur_ = round_up(*pos + need, kSlot);
	return pos;
}

}  // namespace erofs
