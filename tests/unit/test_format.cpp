// Encoders and decoders of every on-disk structure: byte positions are
// checked against the offsets in ONDISK.md, then decode(encode(x)) == x.
#include <catch2/catch.hpp>

#include <vector>

#include "erofs/format.hpp"

using namespace erofs;

TEST_CASE("superblock fields land at their documented offsets", "[format]")
{
	Superblock s;
	s.checksum = 0x11223344;
	s.feature_compat = compat::kSbChksum | compat::kIshareXattrs;
	s.blkszbits = 12;
	s.root_nid = 0x1234;
	s.inos = 0x0102030405060708;
	s.epoch = 1700000000;
	s.blocks = 77;
	s.meta_blkaddr = 3;
	s.xattr_blkaddr = 4;
	s.uuid[0] = 0xAA;
	s.volume_name[0] = 'L';
	s.feature_incompat = incompat::kXattrPrefixes;
	s.xattr_prefix_count = 2;
	s.xattr_prefix_start = 293;
	s.ishare_xattr_prefix_id = 1;
	s.packed_nid = 9;
	std::vector<uint8_t> b(Superblock::kSize, 0xEE);
	s.encode(b);
	CHECK(b[0] == 0xE2);
	CHECK(b[3] == 0xE0);
	CHECK(le::u32(b, 4) == 0x11223344);
	CHECK(le::u32(b, 8) == 0x21);
	CHECK(b[12] == 12);
	CHECK(le::u16(b, 14) == 0x1234);
	CHECK(le::u64(b, 16) == 0x0102030405060708);
	CHECK(le::u64(b, 24) == 1700000000);
	CHECK(le::u32(b, 36) == 77);
	CHECK(le::u32(b, 40) == 3);
	CHECK(le::u32(b, 44) == 4);
	CHECK(b[48] == 0xAA);
	CHECK(b[64] == 'L');
	CHECK(le::u32(b, 80) == 0x40);
	CHECK(b[91] == 2);
	CHECK(le::u32(b, 92) == 293);
	CHECK(le::u64(b, 96) == 9);
	CHECK(b[105] == 1);
	CHECK(b[127] == 0);  // reserved bytes are zeroed
	CHECK(Superblock::decode(b) == s);
}

TEST_CASE("compact inode encodes 32 bytes", "[format]")
{
	InodeCompact i;
	i.format = make_format(false, DataLayout::FlatInline);
	i.xattr_icount = 12;
	i.mode = 0100644;
	i.nlink = 3;
	i.size = 5000;
	i.i_u = 0xFFFFFFFF;
	i.ino = 42;
	i.uid = 1000;
	i.gid = 1001;
	std::vector<uint8_t> b(32, 0xEE);
	i.encode(b);
	CHECK(le::u16(b, 0) == 4);
	CHECK(le::u16(b, 2) == 12);
	CHECK(le::u16(b, 4) == 0100644);
	CHECK(le::u16(b, 6) == 3);
	CHECK(le::u32(b, 8) == 5000);
	CHECK(le::u32(b, 16) == 0xFFFFFFFF);
	CHECK(le::u32(b, 20) == 42);
	CHECK(le::u16(b, 24) == 1000);
	CHECK(le::u16(b, 26) == 1001);
	CHECK(le::u32(b, 28) == 0);
	CHECK(InodeCompact::decode(b) == i);
	CHECK(format_layout(i.format) == 2);
	CHECK_FALSE(format_extended(i.format));
}

TEST_CASE("extended inode encodes 64 bytes", "[format]")
{
	InodeExtended i;
	i.format = make_format(true, DataLayout::ChunkBased);
	i.mode = 040755;
	i.size = 5ull << 30;
	i.i_u = 0x25;
	i.ino = 7;
	i.uid = 70000;
	i.gid = 80000;
	i.mtime = 1700000001;
	i.mtime_nsec = 999;
	i.nlink = 70000;
	std::vector<uint8_t> b(64, 0xEE);
	i.encode(b);
	CHECK(le::u16(b, 0) == 9);
	CHECK(le::u64(b, 8) == 5ull << 30);
	CHECK(le::u32(b, 16) == 0x25);
	CHECK(le::u32(b, 24) == 70000);
	CHECK(le::u32(b, 28) == 80000);
	CHECK(le::u64(b, 32) == 1700000001);
	CHECK(le::u32(b, 40) == 999);
	CHECK(le::u32(b, 44) == 70000);
	CHECK(b[63] == 0);
	CHECK(InodeExtended::decode(b) == i);
	CHECK(format_extended(i.format));
	CHECK(format_layout(i.format) == 4);
}

TEST_CASE("xattr body size and icount are inverse", "[format]")
{
	CHECK(xattr_ibody_size(0) == 0);
	CHECK(xattr_ibody_size(1) == 12);
	CHECK(xattr_ibody_size(12) == 56);  // header + fingerprint entry
	CHECK(xattr_icount(56) == 12);
	CHECK(xattr_icount(0) == 0);
	for (size_t s = 16; s < 400; s += 4)
		CHECK(xattr_ibody_size(xattr_icount(s)) == s);
}

TEST_CASE("xattr header and entry encode", "[format]")
{
	XattrIbodyHeader h{0xFFFF0000u, 3};
	std::vector<uint8_t> b(12, 0xEE);
	h.encode(b);
	CHECK(le::u32(b, 0) == 0xFFFF0000u);
	CHECK(b[4] == 3);
	CHECK(b[11] == 0);
	CHECK(XattrIbodyHeader::decode(b) == h);

	XattrEntry e{5, xidx::kUser, 300};
	std::vector<uint8_t> c(4);
	e.encode(c);
	CHECK(c[0] == 5);
	CHECK(c[1] == 1);
	CHECK(le::u16(c, 2) == 300);
	CHECK(XattrEntry::decode(c) == e);
	CHECK(e.total_size() == 312);  // 4 + 5 + 300 = 309 -> 312
	CHECK((XattrEntry{0, 0x80, 39}.total_size()) == 44);
}

TEST_CASE("dirent encodes 12 bytes", "[format]")
{
	Dirent d{0x123456789A, 36, uint8_t(FileType::Symlink)};
	std::vector<uint8_t> b(12, 0xEE);
	d.encode(b);
	CHECK(le::u64(b, 0) == 0x123456789A);
	CHECK(le::u16(b, 8) == 36);
	CHECK(b[10] == 7);
	CHECK(b[11] == 0);
	CHECK(Dirent::decode(b) == d);
}

TEST_CASE("long prefix record is length, base index, infix, padded", "[format]")
{
	LongPrefix p{xidx::kTrusted, "erofs.fingerprint"};
	REQUIRE(p.record_size() == 20);  // 2 + 1 + 17 = 20
	std::vector<uint8_t> b(p.record_size(), 0xEE);
	p.encode(b);
	CHECK(le::u16(b, 0) == 18);
	CHECK(b[2] == 4);
	CHECK(b[3] == 'e');
	LongPrefix q;
	size_t used = 0;
	REQUIRE(LongPrefix::decode(b, q, used));
	CHECK(q == p);
	CHECK(used == 20);
	CHECK_FALSE(LongPrefix::decode(std::span<const uint8_t>(b).first(10), q, used));
}

TEST_CASE("device numbers use the new encoding", "[format]")
{
	CHECK(encode_dev(1, 3) == 0x103);
	CHECK(dev_major(encode_dev(259, 70000)) == 259);
	CHECK(dev_minor(encode_dev(259, 70000)) == 70000);
}
