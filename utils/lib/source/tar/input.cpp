#include "source/tar/input.hpp"

#include <cerrno>
#include <cstring>
#include <isa-l/igzip_lib.h>
#include <lzma.h>
#include <unistd.h>
#include <vector>
#include <zstd.h>

#include "base/error.hpp"

namespace erofs {

namespace {

constexpr size_t kWindow = 256 << 10;

// Replays the sniffed bytes, then reads on from the source.
class Prefixed : public ByteSource {
public:
	Prefixed(std::vector<uint8_t> head, std::unique_ptr<ByteSource> rest)
		: head_(std::move(head)), rest_(std::move(rest)) {}
	size_t read(std::span<uint8_t> buf) override
	{
		if (pos_ < head_.size()) {
			size_t n = std::min(buf.size(), head_.size() - pos_);
			std::memcpy(buf.data(), head_.data() + pos_, n);
			pos_ += n;
			return n;
		}
		return rest_->read(buf);
	}

private:
	std::vector<uint8_t> head_;
	size_t pos_ = 0;
	std::unique_ptr<ByteSource> rest_;
};

// Common frame of the three decoders: an input window refilled from the
// source, and a step() that turns input into output.
class Decoder : public ByteSource {
public:
	Decoder(std::unique_ptr<ByteSource> src, std::string name, const char *what)
		: src_(std::move(src)), name_(std::move(name)), what_(what), in_(kWindow) {}

	size_t read(std::span<uint8_t> buf) override
	{
		while (!buf.empty()) {
			if (in_pos_ == in_len_ && !eof_) {
				in_len_ = src_->read(in_);
				in_pos_ = 0;
				eof_ = in_len_ == 0;
			}
			size_t out = 0;
			bool progress = step(buf, out);
			if (out)
				return out;
			if (finished_)
				return 0;
			if (eof_ && !progress)
				throw Error(std::string("truncated ") + what_ + " stream", name_);
		}
		return 0;
	}

protected:
	// Decodes from in_[in_pos_, in_len_) into buf; sets `out`; returns
	// whether anything moved.  Sets finished_ at the true end.
	virtual bool step(std::span<uint8_t> buf, size_t &out) = 0;
	[[noreturn]] void fail(const std::string &why) const
	{
		throw Error(std::string("corrupt ") + what_ + " stream (" + why + ")", name_);
	}
	// More input after the end of a frame: another frame follows.
	bool more_input()
	{
		if (in_pos_ < in_len_)
			return true;
		if (eof_)
			return false;
		in_len_ = src_->read(in_);
		in_pos_ = 0;
		eof_ = in_len_ == 0;
		return !eof_;
	}

	std::unique_ptr<ByteSource> src_;
	std::string name_;
	const char *what_;
	std::vector<uint8_t> in_;
	size_t in_pos_ = 0, in_len_ = 0;
	bool eof_ = false;
	bool finished_ = false;
};

// gzip through ISA-L's inflate (2-3x zlib's speed on layer tarballs, where
// inflating is most of a conversion's time).  Members may follow each
// other; each one's CRC-32 and length are checked.
class GzipDecoder : public Decoder {
public:
	GzipDecoder(std::unique_ptr<ByteSource> src, std::string name)
		: Decoder(std::move(src), std::move(name), "gzip"), s_(std::make_unique<inflate_state>())
	{
		start_member();
	}

protected:
	bool step(std::span<uint8_t> buf, size_t &out) override
	{
		size_t avail = in_len_ - in_pos_;
		size_t room = std::min<size_t>(buf.size(), 1u << 30);
		s_->next_in = in_.data() + in_pos_;
		s_->avail_in = uint32_t(avail);
		s_->next_out = buf.data();
		s_->avail_out = uint32_t(room);
		int r = isal_inflate(s_.get());
		size_t used = avail - s_->avail_in;
		in_pos_ += used;
		out = room - s_->avail_out;
		if (r < 0)
			fail(why(r));
		if (s_->block_state == ISAL_BLOCK_FINISH) {
			// concatenated members decode as one stream
			if (more_input())
				start_member();
			else
				finished_ = true;
			return true;
		}
		return used || out;
	}

private:
	void start_member()
	{
		isal_inflate_init(s_.get());
		s_->crc_flag = ISAL_GZIP;
	}
	static std::string why(int r)
	{
		switch (r) {
		case ISAL_INVALID_BLOCK: return "invalid block";
		case ISAL_INVALID_SYMBOL: return "invalid symbol";
		case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
		case ISAL_INVALID_WRAPPER: return "incorrect header check";
		case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
		case ISAL_INCORRECT_CHECKSUM: return "incorrect data check";
		default: return "inflate error " + std::to_string(r);
		}
	}

	std::unique_ptr<inflate_state> s_;  // about 40 KiB: not on the stack of a caller
};

class ZstdDecoder : public Decoder {
public:
	ZstdDecoder(std::unique_ptr<ByteSource> src, std::string name)
		: Decoder(std::move(src), std::move(name), "zstd"), d_(ZSTD_createDStream())
	{
		if (!d_)
			throw Error("cannot start the zstd decoder", name_);
		ZSTD_DCtx_setParameter(d_, ZSTD_d_windowLogMax, 27);  // 128 MiB windows at most
	}
	~ZstdDecoder() override { ZSTD_freeDStream(d_); }

protected:
	bool step(std::span<uint8_t> buf, size_t &out) override
	{
		if (in_pos_ == in_len_ && eof_) {
			finished_ = frame_done_;
			return finished_;
		}
		ZSTD_inBuffer in{in_.data() + in_pos_, in_len_ - in_pos_, 0};
		ZSTD_outBuffer o{buf.data(), buf.size(), 0};
		size_t r = ZSTD_decompressStream(d_, &o, &in);
		if (ZSTD_isError(r))
			fail(ZSTD_getErrorName(r));
		in_pos_ += in.pos;
		out = o.pos;
		frame_done_ = r == 0;
		return in.pos || o.pos || frame_done_;
	}

private:
	ZSTD_DStream *d_;
	bool frame_done_ = false;
};

class XzDecoder : public Decoder {
public:
	XzDecoder(std::unique_ptr<ByteSource> src, std::string name) : Decoder(std::move(src), std::move(name), "xz")
	{
		if (lzma_stream_decoder(&s_, uint64_t(256) << 20, LZMA_CONCATENATED) != LZMA_OK)
			throw Error("cannot start the xz decoder", name_);
	}
	~XzDecoder() override { lzma_end(&s_); }

protected:
	bool step(std::span<uint8_t> buf, size_t &out) override
	{
		s_.next_in = in_.data() + in_pos_;
		s_.avail_in = in_len_ - in_pos_;
		s_.next_out = buf.data();
		s_.avail_out = buf.size();
		lzma_ret r = lzma_code(&s_, eof_ ? LZMA_FINISH : LZMA_RUN);
		size_t used = (in_len_ - in_pos_) - s_.avail_in;
		in_pos_ += used;
		out = buf.size() - s_.avail_out;
		if (r == LZMA_STREAM_END) {
			finished_ = true;
			return true;
		}
		if (r != LZMA_OK && r != LZMA_BUF_ERROR)
			fail("lzma error " + std::to_string(int(r)));
		return used || out;
	}

private:
	lzma_stream s_ = LZMA_STREAM_INIT;
};

}  // namespace

size_t MemorySource::read(std::span<uint8_t> buf)
{
	size_t n = std::min(buf.size(), b_.size() - pos_);
	std::memcpy(buf.data(), b_.data() + pos_, n);
	pos_ += n;
	return n;
}

size_t FdSource::read(std::span<uint8_t> buf)
{
	for (;;) {
		ssize_t r = ::read(fd_, buf.data(), buf.size());
		if (r >= 0)
			return size_t(r);
		if (errno != EINTR)
			throw_errno("cannot read", name_, errno);
	}
}

TarCompression sniff_compression(std::span<const uint8_t> h)
{
	if (h.size() >= 2 && h[0] == 0x1f && h[1] == 0x8b)
		return TarCompression::Gzip;
	if (h.size() >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd)
		return TarCompression::Zstd;
	if (h.size() >= 6 && h[0] == 0xfd && h[1] == '7' && h[2] == 'z' && h[3] == 'X' && h[4] == 'Z' && h[5] == 0)
		return TarCompression::Xz;
	return TarCompression::None;
}

std::unique_ptr<ByteSource> open_decompressed(std::unique_ptr<ByteSource> raw, TarCompression c,
					      const std::string &name)
{
	if (c == TarCompression::Auto) {
		std::vector<uint8_t> head(6);
		size_t got = 0;
		while (got < head.size()) {
			size_t n = raw->read(std::span<uint8_t>(head).subspan(got));
			if (!n)
				break;
			got += n;
		}
		head.resize(got);
		c = sniff_compression(head);
		raw = std::make_unique<Prefixed>(std::move(head), std::move(raw));
	}
	switch (c) {
	case TarCompression::Gzip: return std::make_unique<GzipDecoder>(std::move(raw), name);
	case TarCompression::Zstd: return std::make_unique<ZstdDecoder>(std::move(raw), name);
	case TarCompression::Xz: return std::make_unique<XzDecoder>(std::move(raw), name);
	default: return raw;
	}
}

}  // namespace erofs
