// Compressed-file indexes (ONDISK c.10): the writer's extent list turned
// into the full (8 bytes per lcluster) or compact (2B/4B packs) index, and
// the reader's decoder, which follows the Linux 6.12 zmap.c rules lcluster
// by lcluster and checks every field it uses.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "read/inode_read.hpp"

namespace erofs {

namespace zadv {
inline constexpr uint16_t kCompacted2B = 0x01;
inline constexpr uint16_t kBigPcluster1 = 0x02;
inline constexpr uint16_t kBigPcluster2 = 0x04;
inline constexpr uint16_t kInlinePcluster = 0x08;
inline constexpr uint16_t kInterlaced = 0x10;
inline constexpr uint16_t kFragment = 0x20;
}  // namespace zadv

namespace ltype {
inline constexpr uint8_t kPlain = 0;
inline constexpr uint8_t kHead1 = 1;
inline constexpr uint8_t kNonhead = 2;
inline constexpr uint8_t kHead2 = 3;
}  // namespace ltype

inline constexpr uint16_t kCblkcnt = 0x800;
inline constexpr uint64_t kMaxPclusterBytes = 1u << 20;   // Z_EROFS_PCLUSTER_MAX_SIZE
inline constexpr uint64_t kMaxExtentBytes = 12u << 20;    // Z_EROFS_PCLUSTER_MAX_DSIZE

// One extent as mkfs produced it: logical [start, start + len) stored in
// `blocks` blocks from block `blk` of the file's data (relative), or inline
// after the index (then blocks == 0).
struct ZExtent {
	uint64_t start = 0;
	uint64_t len = 0;
	bool compressed = false;  // HEAD1; otherwise PLAIN (raw bytes at offset 0)
	bool inline_tail = false;
	bool fragment = false;    // the tail (or whole file) in the packed inode
	uint32_t blk = 0;
	uint32_t blocks = 0;

	bool operator==(const ZExtent &) const = default;
};

struct ZIndexSpec {
	unsigned blkbits = 12;
	uint64_t size = 0;         // i_size
	bool compact = true;
	bool big = false;          // BIG_PCLUSTER_1|2 advise
	uint8_t alg = 0;           // algorithm of HEAD1
	uint32_t startblk = 0;     // absolute block of relative block 0
	uint32_t total_blocks = 0; // blocks of all pclusters
	uint16_t idata_size = 0;   // inline pcluster size (0 = none)
	bool fragment = false;     // the last extent is in the packed inode
	uint64_t fragmentoff = 0;  // its offset there
};

// Whether the whole file is one fragment: then the map header alone (its
// top bit set, the other 63 bits the offset) replaces the index.
bool whole_fragment(std::span<const ZExtent> ext);

// Bytes from the map header (at hdr_pos, 8-aligned) to the end of the index
// (8 when `whole_frag`: the header alone).
uint64_t zindex_bytes(bool compact, uint64_t size, unsigned blkbits, uint64_t hdr_pos, bool whole_frag = false);
// Writes the map header and the index (zindex_bytes() bytes).
void encode_zindex(std::span<const ZExtent> ext, const ZIndexSpec &s, uint64_t hdr_pos, std::span<uint8_t> out);

// Reader side.
struct ZMapExtent {
	uint64_t start = 0;
	uint64_t len = 0;
	uint8_t type = 0;        // ltype
	unsigned alg = 0;        // for HEAD1/HEAD2
	bool inline_tail = false;
	uint64_t phys = 0;       // byte offset of the pcluster (or inline data)
	uint64_t plen = 0;       // pcluster bytes
	uint64_t lcn = 0;
	bool partial = false;    // PARTIAL_REF: decodes a prefix of its pcluster
	bool fragment = false;   // the tail in the packed inode at ZMap::fragmentoff
};

struct ZMap {
	bool compact = false;
	uint16_t advise = 0;
	uint8_t algs[2] = {0, 0};
	unsigned lclusterbits = 12;
	uint16_t idata_size = 0;
	uint64_t hdr_pos = 0;
	uint64_t lclusters = 0;
	uint64_t fragmentoff = 0;  // of the fragment extent in the packed inode
	std::vector<ZMapExtent> extents;
};

// Decodes and checks the map of a compressed inode; Error("<what>", "nid N ...").
ZMap read_zmap(const Image &img, const InodeInfo &ino);

// One lcluster exactly as z_erofs_load_{full,compact}_lcluster() decodes
// it (for tests that replay the kernel's map_blocks); `m` from read_zmap.
struct ZLcluster {
	uint8_t type = 0;
	uint16_t clusterofs = 0;   // heads; 1 << lclusterbits for NONHEAD
	uint16_t delta[2] = {0, 0};
	uint32_t compressedblks = 0;  // from CBLKCNT, else 0
	uint32_t pblk = 0;
	uint64_t nextpackoff = 0;
};
ZLcluster zmap_lcluster(const Image &img, const InodeInfo &ino, const ZMap &m, uint64_t lcn, bool lookahead);

}  // namespace erofs
