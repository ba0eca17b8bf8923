// The compression step of mkfs: every non-sparse regular file is read once,
// fingerprinted and cut into pclusters by fixed-output compression, in
// parallel, before the layout.  The result depends only on the file and the
// options, never on the number of workers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codec.hpp"
#include "tree.hpp"
#include "xattr_plan.hpp"
#include "zindex.hpp"

namespace erofs {

struct CompressConfig {
	std::vector<CodecSpec> algs;  // empty: no compression
	uint32_t pcluster = 0;        // max pcluster bytes (0: one block)
	bool ztailpacking = false;
	bool legacy_index = false;    // full 8-byte index instead of compact packs
	uint64_t max_extent = 0;      // max decompressed bytes per extent (0: default)

	bool enabled() const { return !algs.empty(); }
	uint32_t pcluster_bytes(unsigned blkbits) const { return pcluster ? pcluster : 1u << blkbits; }
	uint64_t extent_limit(unsigned blkbits) const;
	unsigned zstd_window_log(unsigned blkbits) const;
	unsigned lzma_dict_log(unsigned blkbits) const;
	unsigned window_log(unsigned blkbits) const;  // for the first algorithm
	bool needs_cfgs(unsigned blkbits) const;  // COMPR_CFGS / BIG_PCLUSTER
	uint16_t alg_bitmap() const;
	// The config records written after the superblock (empty without cfgs).
	std::vector<uint8_t> cfg_records(unsigned blkbits) const;
};

struct ZFile {
	bool flat = false;               // did not shrink: stored uncompressed
	std::vector<uint8_t> raw;        // the content, when flat
	std::vector<uint8_t> data;       // pcluster blocks, blocks * blksz bytes
	uint32_t blocks = 0;
	std::vector<ZExtent> extents;
	std::vector<uint8_t> tail;       // last pcluster, when it may go inline
	bool tail_compressed = false;
	std::string fingerprint;         // "" when the node has none
};

// Compresses one file's content (exposed for tests).
ZFile compress_content(std::vector<uint8_t> content, const CompressConfig &c, unsigned blkbits,
		       Compressor &comp);

// Fills Node::at.z for every regular, non-sparse file with data.
void compress_files(Tree &t, const CompressConfig &c, unsigned blkbits, const XattrPlan &xp,
		    unsigned workers);

}  // namespace erofs
