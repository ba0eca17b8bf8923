// The compression step of mkfs: every non-sparse regular file is read once,
// fingerprinted and cut into pclusters by fixed-output compression, in
// parallel, before the layout.  The result depends only on the file and the
// options, never on the number of workers.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/digest.hpp"
#include "compress/codec.hpp"
#include "source/dir_scan.hpp"
#include "write/spill.hpp"
#include "source/tree.hpp"
#include "plan/xattr_plan.hpp"
#include "compress/zindex.hpp"

namespace erofs {

// One line of --compress-hints: files whose path (relative to the source,
// no leading slash) matches `re` use this pcluster size and algorithm.
struct CompressHint {
	uint32_t pcluster = 0;
	unsigned alg = 0;  // index into CompressConfig::algs
	std::shared_ptr<PathRegex> re;
};

struct CompressConfig {
	std::vector<CodecSpec> algs;  // empty: no compression
	std::vector<CompressHint> hints;  // first match wins
	uint32_t pcluster = 0;        // max pcluster bytes (0: one block)
	bool ztailpacking = false;
	bool legacy_index = false;    // full 8-byte index instead of compact packs
	bool dedupe = true;           // identical files (same fingerprint) share blocks
	bool fragments = false;       // -Efragments: file tails (and whole files up to
	                              // the packed pcluster size) go to the packed inode
	bool all_fragments = false;   // -Eall-fragments: whole files go there
	uint32_t packed_pcluster = 0; // -Efragments=BYTES: pcluster of the packed inode
	                              // (0: kDefaultPackedPcluster, at least `pcluster`)
	bool extent_dedupe = false;   // -Ededupe: identical pclusters are stored once
	uint64_t max_extent = 0;      // max decompressed bytes per extent (0: default)

	bool enabled() const { return !algs.empty(); }
	bool any_fragments() const { return fragments || all_fragments; }  // a packed inode
	uint32_t pcluster_bytes(unsigned blkbits) const { return pcluster ? pcluster : 1u << blkbits; }
	uint32_t max_pcluster_bytes(unsigned blkbits) const;
	// The packed inode's pcluster; with -Efragments also the size up to
	// which whole files go to the packed inode.
	uint32_t packed_pcluster_bytes(unsigned blkbits) const;
	uint64_t extent_limit(unsigned blkbits) const;
	unsigned zstd_window_log(unsigned blkbits) const;
	unsigned lzma_dict_log(unsigned blkbits) const;
	unsigned window_log(unsigned blkbits, unsigned idx = 0) const;  // for algs[idx]
	bool needs_cfgs(unsigned blkbits) const;  // COMPR_CFGS / BIG_PCLUSTER
	uint16_t alg_bitmap() const;
	// The config records written after the superblock (empty without cfgs).
	std::vector<uint8_t> cfg_records(unsigned blkbits) const;
};

struct ZFile {
	uint8_t alg = 0;                 // on-disk algorithm of HEAD1
	bool big = false;                // pclusters may exceed a block
	bool flat = false;               // did not shrink: stored uncompressed,
	                                 // read again from the source by the fill
	// Pcluster blocks, blocks * blksz bytes: first those parked in the
	// spill file, in order, then those still in memory.
	const Spill *spill = nullptr;
	std::vector<Spill::Extent> spilled;
	std::vector<uint8_t> data;
	uint32_t blocks = 0;
	std::vector<ZExtent> extents;
	std::vector<uint8_t> tail;       // last pcluster, when it may go inline
	bool tail_compressed = false;
	std::string fingerprint;         // "" when the node has none
	// The fragment (last extent, fragment == true): its raw bytes, parked
	// in the spill file (or held in frag_data) until the packed inode is
	// built; then fragmentoff is its offset in the packed inode.
	std::vector<Spill::Extent> frag_spill;
	std::vector<uint8_t> frag_data;
	uint64_t frag_len = 0;
	uint64_t fragmentoff = 0;
	bool has_fragment() const { return !extents.empty() && extents.back().fragment; }
	// -Ededupe: per extent, the SHA-256 of its pcluster blocks as stored
	// (all zeros for extents without blocks of their own).
	std::vector<Sha256Digest> pcl_hash;
	// SHA-256 of the whole content (with fragments or -Ededupe, also for
	// flat files): identical files share their blocks.
	std::optional<Sha256Digest> content_hash;
};

// The packed inode's default pcluster: its fragments (many small files and
// tails) compress far better together in 64 KiB than in one block each,
// and a read decompresses at most 64 KiB more than the fragment.
inline constexpr uint32_t kDefaultPackedPcluster = 64u << 10;

// Reads a hints file: "PCLUSTER_BYTES REGEX [ALG_INDEX]" per line, '#'
// comments.  Throws Error naming the file and line.
std::vector<CompressHint> load_compress_hints(const std::string &path, const CompressConfig &c,
					     unsigned blkbits);

// Files above this size are compressed through a sliding window instead
// of being held in memory whole.
inline constexpr uint64_t kWholeFileLimit = 8u << 20;

// While a file is compressed, its pcluster blocks go to the spill file in
// pieces of this size (when there is one).
inline constexpr size_t kSpillPiece = 4u << 20;

// What one compressing thread keeps from file to file: a compressor per
// algorithm (made on first use) and its whole-file read buffer.
struct ZWorker {
	std::vector<std::unique_ptr<Compressor>> comps;
	std::vector<uint8_t> raw;

	Compressor &compressor(const CompressConfig &c, unsigned blkbits, unsigned ai);
	// n's content (at most kWholeFileLimit bytes), valid until the next call.
	std::span<const uint8_t> read_whole(const Node &n);
	void trim();  // drops a read buffer grown for an unusually big file
};

// The pcluster size and algorithm (index into c.algs) of the file at
// `path`: the first matching --compress-hints line, else the defaults.
// `root` (the source directory) is stripped from `path` for the match.
std::pair<uint32_t, unsigned> compress_choice(const CompressConfig &c, unsigned blkbits, const std::string &root,
					      const std::string &path);

// Compresses one regular file's content: read whole, or through a window
// above kWholeFileLimit, and hashed (SHA-256) into *digest when `digest`
// is given.  The result depends only on the content and the options.
std::shared_ptr<ZFile> compress_file(const Node &n, const CompressConfig &c, unsigned blkbits, ZWorker &w,
				     uint32_t pcluster, unsigned ai, std::optional<Sha256Digest> *digest,
				     Spill *spill);

// compress_file() on content read whole already (at most kWholeFileLimit
// bytes).
std::shared_ptr<ZFile> compress_whole(std::span<const uint8_t> all, const CompressConfig &c, unsigned blkbits,
				      ZWorker &w, uint32_t pcluster, unsigned ai, Spill *spill);

// Files with equal keys (content digest, pcluster size, algorithm)
// compress to the same ZFile: one compresses, the others may copy it.
std::string same_key(const Sha256Digest &d, uint32_t pcluster, unsigned ai);

class EarlyCompress;

// Fills Node::at.z for every regular, non-sparse file with data, parking
// the compressed blocks in `spill` (kept in memory when it is null).
// `files_done` / `bytes_done` count what is compressed (for progress).
// Files that `early` (stopped) already compressed take its results;
// returns how many did.
uint64_t compress_files(Tree &t, const std::string &source, const CompressConfig &c, unsigned blkbits,
		    const XattrPlan &xp, unsigned workers, Spill *spill,
		    std::atomic<uint64_t> *files_done = nullptr,
		    std::atomic<uint64_t> *bytes_done = nullptr, EarlyCompress *early = nullptr);

// -Efragments / -Eall-fragments: gathers the fragments of every file in
// `t` (node order, identical fragments stored once) into the content of a
// new packed inode, compresses it (without fragments) and adds it to the
// tree as an unlinked node.  Returns it, or null when no file has a
// fragment.  Deterministic: only node order and content decide offsets.
// `head` goes first in the packed content (Linux 6.12 reads the long xattr
// prefix table from the packed inode when there is one).
Node *build_packed_inode(Tree &t, const CompressConfig &c, unsigned blkbits, std::span<const uint8_t> head,
			 Spill &spill);

}  // namespace erofs
