// The byte stream a tar is read from: a file or standard input, passed
// through gzip, zstd or xz when its first bytes say so (or when forced).
// Data moves through a fixed window; nothing holds the whole stream.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace erofs {

enum class TarCompression { Auto, None, Gzip, Zstd, Xz };

// Something that yields bytes until it returns 0 (the end).
class ByteSource {
public:
	virtual ~ByteSource() = default;
	// Fills up to buf.size() bytes; 0 only at the end of the stream.
	virtual size_t read(std::span<uint8_t> buf) = 0;
};

// Bytes held by the caller (tests, fuzzing).
class MemorySource : public ByteSource {
public:
	explicit MemorySource(std::span<const uint8_t> b) : b_(b) {}
	size_t read(std::span<uint8_t> buf) override;

private:
	std::span<const uint8_t> b_;
	size_t pos_ = 0;
};

// A descriptor, read sequentially (pipes work).
class FdSource : public ByteSource {
public:
	FdSource(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
	size_t read(std::span<uint8_t> buf) override;

private:
	int fd_;
	std::string name_;
};

// Wraps `raw`, detecting the compression by magic when `c` is Auto.
// Errors name `name`.  The result reads the decompressed bytes.
std::unique_ptr<ByteSource> open_decompressed(std::unique_ptr<ByteSource> raw, TarCompression c,
					      const std::string &name);

// The magic-number guess on the first bytes of a stream.
TarCompression sniff_compression(std::span<const uint8_t> head);

}  // namespace erofs
