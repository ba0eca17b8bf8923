#include "plan/dirblocks.hpp"

#include "erofs/format.hpp"

namespace erofs {

std::vector<DirItem> dir_items(const Node &dir)
{
	std::vector<DirItem> specials{{".", &dir}, {"..", dir.parent ? dir.parent : &dir}};
	std::vector<DirItem> out;
	out.reserve(dir.children.size() + 2);
	size_t s = 0;
	for (const auto &c : dir.children) {
		while (s < specials.size() && specials[s].name < std::string_view(c.name))
			out.push_back(specials[s++]);
		out.push_back({c.name, c.node});
	}
	while (s < specials.size())
		out.push_back(specials[s++]);
	return out;
}

namespace {

// Calls fn(first, last, block) for each block's range of items.
template <typename Fn>
void for_each_block(const std::vector<DirItem> &items, unsigned blksz, Fn fn)
{
	size_t first = 0, used = 0, block = 0;
	for (size_t i = 0; i < items.size(); i++) {
		size_t need = Dirent::kSize + items[i].name.size();
		if (used + need > blksz) {
			fn(first, i, block++, used);
			first = i;
			used = 0;
		}
		used += need;
	}
	fn(first, items.size(), block, used);
}

}  // namespace

uint64_t dir_size(const Node &dir, unsigned blksz)
{
	uint64_t size = 0;
	for_each_block(dir_items(dir), blksz, [&](size_t, size_t, size_t block, size_t used) {
		size = uint64_t(block) * blksz + used;
	});
	return size;
}

std::vector<uint8_t> encode_dir(const Node &dir, unsigned blksz)
{
	auto items = dir_items(dir);
	std::vector<uint8_t> out(dir_size(dir, blksz), 0);
	for_each_block(items, blksz, [&](size_t first, size_t last, size_t block, size_t) {
		std::span<uint8_t> b(out.data() + block * blksz,
				     std::min<size_t>(blksz, out.size() - block * blksz));
		size_t nameoff = Dirent::kSize * (last - first);
		for (size_t i = first; i < last; i++) {
			const auto &it = items[i];
			Dirent d{it.node->at.nid, uint16_t(nameoff), uint8_t(file_type_of(it.node->kind))};
			d.encode(b.subspan(Dirent::kSize * (i - first)));
			std::copy(it.name.begin(), it.name.end(), b.begin() + nameoff);
			nameoff += it.name.size();
		}
	});
	return out;
}

}  // namespace erofs
