// Compression algorithms of EROFS: fixed-output ("destination size")
// compressors for mkfs (LZ4, LZ4HC, zstd, MicroLZMA, raw DEFLATE) and
// exact-length decompressors for the reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace erofs {

// On-disk algorithm ids (h_algorithmtype nibbles, available_compr_algs bits).
enum class Alg : uint8_t { Lz4 = 0, Lzma = 1, Deflate = 2, Zstd = 3 };
inline constexpr unsigned kAlgCount = 4;

const char *alg_name(unsigned alg);

struct CodecSpec {
	Alg alg = Alg::Lz4;
	bool hc = false;  // LZ4HC encoder (same on-disk algorithm as LZ4)
	int level = 0;
	std::string text() const;  // "lz4hc,level=9"
};

// Parses one -z argument: "ALG[,level=N][:ALG2...]", also mkfs.erofs's
// "lz4hc,9".  Throws Error naming the bad part.
std::vector<CodecSpec> parse_compress_option(const std::string &arg);

// One encoder per worker thread (keeps its state between calls).
class Compressor {
public:
	// window_log: zstd window / LZMA dictionary / DEFLATE window (log2).
	Compressor(const CodecSpec &spec, unsigned window_log);
	~Compressor();
	Compressor(const Compressor &) = delete;
	Compressor &operator=(const Compressor &) = delete;

	// Compresses the longest prefix of `src` it can fit into `dst` as one
	// independent stream.  Sets `consumed` (> 0 unless src is empty) and
	// returns the stream length (<= dst.size()), or dst.size() + 1 when the
	// stream would start with a zero byte (breaks the 0-padding rule) and
	// must not be used.  `ratio` is the expected compression ratio (the
	// searching encoders start there; the others ignore it).  `useless`:
	// the caller has no use for a prefix of at most this many bytes (it
	// stores such input raw); when the expected ratio is low the searching
	// encoders first try useless + 1 bytes and, if they do not fit, give up
	// at once (returning dst.size() + 1).
	size_t destsize(std::span<const uint8_t> src, size_t &consumed, std::span<uint8_t> dst, double ratio = 4.0,
			size_t useless = 0);

	// Whether destsize() searches the input length (zstd, DEFLATE): then
	// `ratio` and `useless` matter.
	bool searches() const { return spec_.alg == Alg::Zstd || spec_.alg == Alg::Deflate; }

private:
	size_t search_destsize(std::span<const uint8_t> src, size_t &consumed, std::span<uint8_t> dst, double ratio,
			       size_t useless);
	size_t try_len(std::span<const uint8_t> src, size_t len);
	size_t lzma_destsize(std::span<const uint8_t> src, size_t &consumed, std::span<uint8_t> dst);

	CodecSpec spec_;
	unsigned window_log_;
	void *state_ = nullptr;  // LZ4HC state or ZSTD_CCtx
	std::vector<uint8_t> scratch_;
	size_t scratch_len_ = 0;  // bytes of the last zstd attempt in scratch_
	std::vector<uint8_t> best_;  // the longest fitting stream of a search
};

struct DecodeParams {
	bool lz4_exact = true;       // false: old images without 0-padding
	uint32_t lzma_dict = 8u << 20;
	uint64_t zstd_window = 0;    // frames may not need more (0: unchecked)
	bool partial = false;        // the stream may hold more than out.size()
};

// Decodes `in` into exactly out.size() bytes (with p.partial: the first
// out.size() bytes of a possibly longer stream, as Linux's partial
// decoding of a PARTIAL_REF extent does), or throws
// Error("corrupt <alg> data ...", where).
void decompress(unsigned alg, std::span<const uint8_t> in, std::span<uint8_t> out,
		const DecodeParams &p, const std::string &where);

}  // namespace erofs
