#include "compress/codec.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <libdeflate.h>
#include <lz4.h>
#include <lz4hc.h>
#include <lzma.h>
#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_getFrameHeader
#include <zstd.h>

#include "base/cli.hpp"
#include "base/error.hpp"

namespace erofs {

const char *alg_name(unsigned alg)
{
	static const char *names[] = {"lz4", "lzma", "deflate", "zstd"};
	return alg < kAlgCount ? names[alg] : "unknown";
}

std::string CodecSpec::text() const
{
	std::string n = alg == Alg::Lz4 ? (hc ? "lz4hc" : "lz4") : alg_name(unsigned(alg));
	if (alg == Alg::Lz4 && !hc)
		return n;
	return n + ",level=" + std::to_string(level);
}

namespace {

CodecSpec parse_one(const std::string &part, const std::string &whole)
{
	std::string name = part.substr(0, part.find(','));
	std::string rest = part.size() > name.size() ? part.substr(name.size() + 1) : "";
	CodecSpec s;
	int lo = 0, hi = 0;
	if (name == "lz4") {
		s = {Alg::Lz4, false, 0};
	} else if (name == "lz4hc") {
		s = {Alg::Lz4, true, 9};
		lo = 0, hi = LZ4HC_CLEVEL_MAX;
	} else if (name == "zstd") {
		s = {Alg::Zstd, false, 3};
		lo = 1, hi = std::min(22, ZSTD_maxCLevel());
	} else if (name == "lzma") {
		s = {Alg::Lzma, false, 6};
		lo = 0, hi = 9;
	} else if (name == "deflate") {
		s = {Alg::Deflate, false, 9};
		lo = 1, hi = 12;
	} else {
		throw Error("unknown compression algorithm '" + name + "' (lz4, lz4hc, zstd, lzma, deflate)",
			    "-z " + whole);
	}
	if (rest.empty())
		return s;
	if (rest.rfind("level=", 0) == 0)
		rest = rest.substr(6);
	if (hi == 0)
		throw Error(name + " has no compression levels", "-z " + whole);
	auto v = parse_int(rest, lo, hi);
	if (!v)
		throw Error("invalid " + name + " level '" + rest + "' (" + std::to_string(lo) + ".." +
				    std::to_string(hi) + ")",
			    "-z " + whole);
	s.level = int(*v);
	return s;
}

}  // namespace

std::vector<CodecSpec> parse_compress_option(const std::string &arg)
{
	std::vector<CodecSpec> out;
	size_t start = 0;
	for (;;) {
		size_t colon = arg.find(':', start);
		std::string part = arg.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
		if (part.empty())
			throw Error("empty algorithm name", "-z " + arg);
		out.push_back(parse_one(part, arg));
		if (colon == std::string::npos)
			break;
		start = colon + 1;
	}
	if (out.size() > 2)
		throw Error("at most two algorithms (HEAD1 and HEAD2)", "-z " + arg);
	if (out.size() == 2 && out[0].alg == out[1].alg)
		throw Error("the two algorithms must differ on disk", "-z " + arg);
	return out;
}

Compressor::Compressor(const CodecSpec &spec, unsigned window_log) : spec_(spec), window_log_(window_log)
{
	if (spec.alg == Alg::Lz4 && spec.hc) {
		state_ = LZ4_createStreamHC();
		if (!state_)
			throw std::bad_alloc();
	} else if (spec.alg == Alg::Zstd) {
		ZSTD_CCtx *c = ZSTD_createCCtx();
		if (!c)
			throw std::bad_alloc();
		ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, spec.level);
		ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, int(window_log));
		ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 0);
		ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1);
		state_ = c;
	} else if (spec.alg == Alg::Deflate) {
		state_ = libdeflate_alloc_compressor(spec.level);
		if (!state_)
			throw std::bad_alloc();
	}
}

Compressor::~Compressor()
{
	if (spec_.alg == Alg::Zstd)
		ZSTD_freeCCtx(static_cast<ZSTD_CCtx *>(state_));
	else if (spec_.alg == Alg::Deflate)
		libdeflate_free_compressor(static_cast<libdeflate_compressor *>(state_));
	else if (spec_.alg == Alg::Lz4 && spec_.hc)
		LZ4_freeStreamHC(static_cast<LZ4_streamHC_t *>(state_));
	else
		std::free(state_);
}

size_t Compressor::destsize(std::span<const uint8_t> src, size_t &consumed, std::span<uint8_t> dst, double ratio,
			    size_t useless)
{
	consumed = 0;
	if (src.empty())
		return 0;
	if (spec_.alg == Alg::Zstd)
		return search_destsize(src, consumed, dst, ratio, useless);
	if (spec_.alg == Alg::Lzma)
		return lzma_destsize(src, consumed, dst);
	if (spec_.alg == Alg::Deflate) {
		size_t n = search_destsize(src, consumed, dst, ratio, useless);
		if (n && dst[0] == 0) {  // a leading stored block: 0-padding would eat it
			consumed = std::min(consumed, dst.size());
			return dst.size() + 1;
		}
		return n;
	}
	int in = int(std::min<size_t>(src.size(), LZ4_MAX_INPUT_SIZE));
	int out;
	const char *s = reinterpret_cast<const char *>(src.data());
	char *d = reinterpret_cast<char *>(dst.data());
	if (spec_.hc) {
		// Same stream as LZ4_compress_HC_destSize(), which clears its 256 KiB
		// state on every call; a fast reset starts an independent stream
		// whose old table entries all lie beyond the 64 KiB window.
		auto *st = static_cast<LZ4_streamHC_t *>(state_);
		LZ4_resetStreamHC_fast(st, spec_.level);
		out = LZ4_compress_HC_continue_destSize(st, s, d, &in, int(dst.size()));
	} else
		out = LZ4_compress_destSize(s, d, &in, int(dst.size()));
	if (out <= 0 || in <= 0)
		throw Error("LZ4 compression failed", "destsize " + std::to_string(dst.size()));
	consumed = size_t(in);
	return size_t(out);
}

// Compresses src[0, len) into scratch_; returns the stream size.
size_t Compressor::try_len(std::span<const uint8_t> src, size_t len)
{
	size_t r;
	if (spec_.alg == Alg::Zstd) {
		size_t bound = ZSTD_compressBound(len);
		if (scratch_.size() < bound)
			scratch_.resize(bound);
		auto *c = static_cast<ZSTD_CCtx *>(state_);
		r = ZSTD_compress2(c, scratch_.data(), bound, src.data(), len);
		if (ZSTD_isError(r))
			throw Error(std::string("zstd compression failed: ") + ZSTD_getErrorName(r), "zstd");
	} else {
		auto *c = static_cast<libdeflate_compressor *>(state_);
		size_t bound = libdeflate_deflate_compress_bound(c, len);
		if (scratch_.size() < bound)
			scratch_.resize(bound);
		r = libdeflate_deflate_compress(c, src.data(), len, scratch_.data(), bound);
		if (!r)
			throw Error("DEFLATE compression failed", "deflate");
	}
	scratch_len_ = r;
	return r;
}

// MicroLZMA is a fixed-output format: the encoder takes as much input as
// fits into the output buffer.
size_t Compressor::lzma_destsize(std::span<const uint8_t> src, size_t &consumed, std::span<uint8_t> dst)
{
	lzma_options_lzma opt;
	if (lzma_lzma_preset(&opt, uint32_t(spec_.level)))
		throw Error("bad LZMA preset " + std::to_string(spec_.level), "lzma");
	opt.dict_size = 1u << window_log_;
	lzma_stream s = LZMA_STREAM_INIT;
	if (lzma_microlzma_encoder(&s, &opt) != LZMA_OK)
		throw Error("MicroLZMA encoder setup failed", "lzma");
	s.next_in = src.data();
	s.avail_in = src.size();
	s.next_out = dst.data();
	s.avail_out = dst.size();
	lzma_ret r = lzma_code(&s, LZMA_FINISH);
	consumed = size_t(s.total_in);
	size_t out = size_t(s.total_out);
	lzma_end(&s);
	if (r != LZMA_STREAM_END || !consumed)
		throw Error("MicroLZMA compression failed (" + std::to_string(int(r)) + ")", "lzma");
	return out;
}

// zstd and libdeflate have no destination-size mode.  Search the input length: start from
// the expected ratio (the caller's, e.g. that of the file's previous pcluster; 4:1 at
// first), grow until a try overflows, then narrow the bracket
// [fits, overflows] by interpolation (bisection as a fallback) until it is
// narrower than 1/256 of the input, a stream fills the destination to
// within 1/128 of it (16 bytes at least), or 12 tries were made.  The result is
// the longest prefix tried that fits: deterministic, possibly a few hundred
// bytes short of the true maximum.  After incompressible input (expected
// ratio below kProbeRatio) the first try is useless + 1 bytes: when even
// that does not fit, the caller stores the input raw, and one try instead
// of a whole search told it so.
size_t Compressor::search_destsize(std::span<const uint8_t> src, size_t &consumed, std::span<uint8_t> dst,
				   double ratio, size_t useless)
{
	constexpr double kProbeRatio = 1.2;
	const size_t cap = dst.size();
	const size_t full_slack = std::max<size_t>(16, cap / 128);
	size_t n = src.size();
	size_t lo = 0, lo_c = 0, hi = n + 1, hi_c = 0;
	auto take = [&](size_t len, size_t c) {
		lo = len, lo_c = c;
		best_.assign(scratch_.begin(), scratch_.begin() + ptrdiff_t(c));
	};
	size_t guess = std::min<size_t>(n, std::max<size_t>(64, size_t(double(cap) * std::clamp(ratio, 0.5, 64.0))));
	bool probe = useless && n > useless + 1 && ratio < kProbeRatio;
	if (probe)
		guess = useless + 1;
	for (int tries = 0; tries < 16; tries++) {
		size_t c = try_len(src, guess);
		if (c <= cap) {
			take(guess, c);
			if (guess == n || c + full_slack >= cap)  // (a full stream: more input would not fit)
				break;
		} else {
			hi = guess, hi_c = c;
			if (probe && tries == 0) {
				consumed = useless;
				return cap + 1;
			}
		}
		if (hi == n + 1) {  // no overflow seen yet: grow
			guess = std::min(n, guess * 2);
			continue;
		}
		if (hi - lo <= std::max<size_t>(64, hi / 256) || tries >= 12)
			break;
		// interpolate between (lo, lo_c) and (hi, hi_c) for size cap
		double f = hi_c > lo_c ? double(cap - lo_c) / double(hi_c - lo_c) : 0.5;
		size_t g = lo + size_t(double(hi - lo) * std::clamp(f * 0.98, 0.05, 0.95));
		guess = std::clamp<size_t>(g, lo + 1, hi - 1);
	}
	if (lo == 0) {  // even the smallest try overflowed: tiny prefixes always fit
		for (size_t len = std::min(n, cap / 2); len; len /= 2) {
			size_t c = try_len(src, len);
			if (c <= cap) {
				take(len, c);
				break;
			}
		}
		if (lo == 0)
			throw Error(std::string(alg_name(unsigned(spec_.alg))) + " cannot fit any input",
				    "destsize " + std::to_string(cap));
	}
	std::memcpy(dst.data(), best_.data(), lo_c);
	consumed = lo;
	return lo_c;
}

namespace {

// The first out.size() bytes of a zstd frame that may hold more.
template <typename Bad>
void zstd_prefix(std::span<const uint8_t> in, std::span<uint8_t> out, const Bad &bad)
{
	std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx *)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
	if (!ctx)
		throw std::bad_alloc();
	ZSTD_inBuffer ib{in.data(), in.size(), 0};
	ZSTD_outBuffer ob{out.data(), out.size(), 0};
	while (ob.pos < ob.size) {
		size_t before_in = ib.pos, before_out = ob.pos;
		size_t r = ZSTD_decompressStream(ctx.get(), &ob, &ib);
		if (ZSTD_isError(r))
			bad(ZSTD_getErrorName(r));
		if (r == 0 || (ib.pos == before_in && ob.pos == before_out))
			break;
	}
	if (ob.pos != out.size())
		bad("decodes to " + std::to_string(ob.pos) + " bytes, expected at least " + std::to_string(out.size()));
}

}  // namespace

void decompress(unsigned alg, std::span<const uint8_t> in, std::span<uint8_t> out, const DecodeParams &p,
		const std::string &where)
{
	auto bad = [&](const std::string &why) {
		throw Error(std::string("corrupt ") + alg_name(alg) + " data (" + why + ")", where);
	};
	if (in.size() > INT32_MAX || out.size() > INT32_MAX)
		bad("extent too large");
	switch (Alg(alg)) {
	case Alg::Lz4: {
		const char *s = reinterpret_cast<const char *>(in.data());
		char *d = reinterpret_cast<char *>(out.data());
		int r = p.lz4_exact && !p.partial ? LZ4_decompress_safe(s, d, int(in.size()), int(out.size()))
				    : LZ4_decompress_safe_partial(s, d, int(in.size()), int(out.size()), int(out.size()));
		if (r != int(out.size()))
			bad(r < 0 ? "invalid stream" : "decodes to " + std::to_string(r) + " bytes, expected " +
							      std::to_string(out.size()));
		return;
	}
	case Alg::Zstd: {
		unsigned long long fcs = ZSTD_getFrameContentSize(in.data(), in.size());
		if (fcs == ZSTD_CONTENTSIZE_ERROR)
			bad("not a zstd frame");
		if (fcs != ZSTD_CONTENTSIZE_UNKNOWN && (p.partial ? fcs < out.size() : fcs != out.size()))
			bad("frame holds " + std::to_string(fcs) + " bytes, expected " + std::to_string(out.size()));
		ZSTD_frameHeader fh;
		if (ZSTD_getFrameHeader(&fh, in.data(), in.size()) != 0)
			bad("truncated frame header");
		if (p.zstd_window && fh.windowSize > p.zstd_window)
			bad("frame window " + std::to_string(fh.windowSize) + " above the configured " +
			    std::to_string(p.zstd_window));
		if (p.partial) {
			zstd_prefix(in, out, bad);
			return;
		}
		size_t r = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
		if (ZSTD_isError(r))
			bad(ZSTD_getErrorName(r));
		if (r != out.size())
			bad("decodes to " + std::to_string(r) + " bytes, expected " + std::to_string(out.size()));
		return;
	}
	case Alg::Lzma: {
		lzma_stream s = LZMA_STREAM_INIT;
		uint32_t dict = std::clamp<uint32_t>(p.lzma_dict, 4096, 1u << 30);
		if (lzma_microlzma_decoder(&s, in.size(), out.size(), !p.partial, dict) != LZMA_OK)
			bad("decoder setup failed");
		s.next_in = in.data();
		s.avail_in = in.size();
		s.next_out = out.data();
		s.avail_out = out.size();
		lzma_ret r = lzma_code(&s, LZMA_FINISH);
		size_t got = out.size() - s.avail_out;
		lzma_end(&s);
		if (r != LZMA_STREAM_END || got != out.size())
			bad("lzma error " + std::to_string(int(r)) + " after " + std::to_string(got) + " bytes");
		return;
	}
	case Alg::Deflate: {
		libdeflate_decompressor *d = libdeflate_alloc_decompressor();
		if (!d)
			throw std::bad_alloc();
		size_t got = 0;
		auto r = libdeflate_deflate_decompress(d, in.data(), in.size(), out.data(), out.size(), &got);
		// libdeflate has no partial output: a prefix extent decodes the
		// whole pcluster into a larger buffer (at most 12 MiB of output).
		if (p.partial && r == LIBDEFLATE_INSUFFICIENT_SPACE) {
			std::vector<uint8_t> whole(std::max<size_t>(out.size() * 2, 1 << 16));
			for (;;) {
				r = libdeflate_deflate_decompress(d, in.data(), in.size(), whole.data(), whole.size(), &got);
				if (r != LIBDEFLATE_INSUFFICIENT_SPACE || whole.size() >= (12u << 20))
					break;
				whole.resize(std::min<size_t>(whole.size() * 2, 12u << 20));
			}
			if (r == LIBDEFLATE_SUCCESS && got >= out.size()) {
				std::copy_n(whole.begin(), out.size(), out.begin());
				got = out.size();
			}
		}
		libdeflate_free_decompressor(d);
		if (r != LIBDEFLATE_SUCCESS)
			bad(r == LIBDEFLATE_INSUFFICIENT_SPACE ? "decodes to more than expected" : "invalid stream");
		if (got != out.size())
			bad("decodes to " + std::to_string(got) + " bytes, expected " + std::to_string(out.size()));
		return;
	}
	}
	throw Error("unknown compression algorithm " + std::to_string(alg), where);
}

}  // namespace erofs
