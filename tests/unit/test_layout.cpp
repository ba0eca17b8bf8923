// Placement of metadata records: the allocator's rules on their own, then
// the same rules checked on whole images made by mkfs.erofs++.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>

#include "helpers.hpp"
#include "read/image.hpp"
#include "plan/meta_alloc.hpp"
#include "read/walk.hpp"

using namespace erofs;
using namespace testutil;

namespace {

bool one_block(uint64_t pos, uint64_t len, uint64_t bs)
{
	return !len || pos / bs == (pos + len - 1) / bs;
}

}  // namespace

TEST_CASE("metadata records: back to back while they fit", "[layout]")
{
	MetaAllocator a(4096, 1024);
	CHECK(a.place(80, 0, 80) == 1024u);
	CHECK(a.place(80, 100, 80) == 1120u);  // 1024 + 80 rounded to 32 bytes
	CHECK(a.end() == 1312u);               // 1120 + 180 rounded
}

TEST_CASE("metadata records: inode and xattrs never cross a block", "[layout]")
{
	MetaAllocator a(4096, 4096 - 64);
	// 80 bytes of head would cross: the record starts the next block and
	// the 64 bytes skipped are a gap for a later small record.
	CHECK(a.place(80, 0, 80) == 4096u);
	CHECK(a.place(64, 0, 64) == 4096u - 64);
	// A compressed record may run its index into the next block.
	MetaAllocator z(4096, 4096 - 128);
	CHECK(z.place(300, 0, 80) == 4096u - 128);
	CHECK(z.end() == 4096u - 128 + 320);
}

TEST_CASE("metadata records: with 512-byte blocks a head may cross a block, not a 4 KiB page", "[layout]")
{
	// --tar=i records (64-byte inode + one 8-byte chunk index): back to
	// back over block boundaries, no gap (erofs-utils packs them so too).
	MetaAllocator a(512, 1024);
	for (uint64_t i = 0; i < 40; i++)
		CHECK(a.place(72, 0, 64) == 1024 + 96 * i);
	// A head ending exactly at the page is fine; one crossing it is not.
	MetaAllocator b(512, 4096 - 64);
	CHECK(b.place(72, 0, 64) == 4096u - 64);
	MetaAllocator c(512, 4096 - 32);
	CHECK(c.place(72, 0, 64) == 4096u);
	CHECK(c.place(32, 0, 32) == 4096u - 32);  // the skipped slot was kept as a gap
	// A head with an xattr body keeps to its block (the fingerprint is
	// read from the inode's block).
	MetaAllocator x(512, 512 - 32);
	CHECK(x.place(72, 0, 64, true) == 512u);
	// A tail still never crosses a block.
	MetaAllocator d(512, 512 - 64);
	CHECK(d.place(64, 100, 64) == 512u - 64);  // inode ends the block, tail starts the next
	MetaAllocator e(512, 512 - 96);
	CHECK(e.place(80, 100, 80) == 512u - 64);  // inode crosses, the tail lies in the next block
	CHECK((512u - 64 + 80) % 512 + 100 <= 512);
}

TEST_CASE("metadata records: a tail that does not fit starts the next block", "[layout]")
{
	MetaAllocator a(4096, 4096 - 64);
	// The 64-byte inode ends this block and its tail starts the next.
	CHECK(a.place(64, 1000, 64) == 4096u - 64);
	// An 80-byte head cannot end the block exactly (32-byte slots), so
	// the record moves to the next block, tail and all.
	MetaAllocator b(4096, 4096 - 256);
	CHECK(b.place(80, 4020, 80) == std::nullopt);  // 80 + 4020 > 4096
	CHECK(b.place(80, 3900, 80) == 4096u);
}

TEST_CASE("metadata records: random requests keep every rule", "[layout]")
{
	for (uint64_t bs : {512u, 4096u}) {
		std::mt19937 rng{static_cast<uint32_t>(bs)};
		MetaAllocator a(bs, 3 * bs + 96);
		std::map<uint64_t, uint64_t> used;  // start -> end
		for (int i = 0; i < 5000; i++) {
			uint64_t head = 32 + rng() % 160;
			uint64_t meta = head + (rng() % 3 ? 0 : rng() % 600);
			uint64_t tail = rng() % 2 ? rng() % bs : 0;
			bool in_block = rng() % 4 == 0;
			auto pos = a.place(meta, tail, head, in_block);
			if (!pos) {
				REQUIRE(tail);
				pos = a.place(meta, 0, head, in_block);
				tail = 0;
			}
			REQUIRE(pos);
			INFO("bs " << bs << " request " << i << " at " << *pos);
			CHECK(*pos % 32 == 0);
			CHECK(one_block(*pos, head, in_block ? bs : std::max<uint64_t>(bs, 4096)));
			CHECK(one_block(*pos + meta, tail, bs));
			uint64_t end = *pos + meta + tail;
			auto next = used.lower_bound(*pos);
			if (next != used.end())
				CHECK(end <= next->first);
			if (next != used.begin())
				CHECK(std::prev(next)->second <= *pos);
			used[*pos] = end;
		}
	}
}

TEST_CASE("images: every inode lies in one 4 KiB page, with its xattrs in one block", "[layout][mkfs]")
{
	TempDir t;
	make_zoo(t / "src", false);
	for (int i = 0; i < 300; i++)  // many tails of every size
		write_file(t / ("src/t" + std::to_string(i)), random_bytes(i * 37 % 4096 + 4096 * (i % 3), i));
	for (std::string opts : {"", "-zlz4hc -E ztailpacking", "-b 512"}) {
		INFO("options " << opts);
		REQUIRE(mkfs(opts + " --ishare_key=trusted.erofs.fingerprint " + quote(t / "img") + " " +
			     quote(t / "src")).status == 0);
		Image img(t / "img");
		int n = 0;
		walk_tree(img, [&](const WalkItem &w) {
			INFO(w.path << " at " << w.ino.off << ", " << w.ino.isize() << " + " << w.ino.xattr_size);
			uint64_t head = w.ino.isize() + w.ino.xattr_size;
			if (head <= 4096)  // (the zoo has a 3 KiB xattr body)
				CHECK(one_block(w.ino.off, head, 4096));
			if (w.ino.xattr_size && head <= img.blksz())  // (fingerprints among them)
				CHECK(one_block(w.ino.off, head, img.blksz()));
			n++;
		});
		CHECK(n > 300);
	}
}
