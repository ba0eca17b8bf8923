#include "read/content.hpp"

#include <algorithm>
#include <cerrno>
#include <unistd.h>

#include "base/crc32c.hpp"
#include "base/error.hpp"
#include "base/fsutil.hpp"

namespace erofs {

namespace {

// Each worker's pread buffer for Image::stream.
std::vector<uint8_t> &stream_buffer()
{
	thread_local std::vector<uint8_t> buf;
	return buf;
}

}  // namespace

InlineTail inline_tail(const Image &img, const InodeInfo &ino)
{
	if (ino.compressed() || ino.layout != unsigned(DataLayout::FlatInline) || !ino.size)
		return {};
	uint64_t bs = img.blksz();
	return {ino.inline_off, ino.size - (ino.size - 1) / bs * bs};
}

Sha256Digest hash_content(const Image &img, const InodeInfo &ino, std::atomic<uint64_t> *done,
			  std::span<const uint8_t> tail)
{
	constexpr uint64_t kStep = 64u << 20;
	Sha256 h;
	InlineTail t = tail.empty() ? InlineTail{} : inline_tail(img, ino);
	for_each_extent(img, ino, [&](const Extent &e) {
		if (!e.hole && t.len && e.pos == ino.size - t.len && e.phys == t.off && e.len == t.len &&
		    tail.size() == t.len) {
			h.update(tail);
			if (done)
				*done += e.len;
			return;
		}
		if (!e.hole) {
			img.stream(e.data, stream_buffer(), [&](std::span<const uint8_t> p) { h.update(p); });
			if (done)
				*done += e.len;
			return;
		}
		for (uint64_t z = 0; z < e.len; z += kStep) {
			uint64_t n = std::min(kStep, e.len - z);
			h.update_zeros(n);
			if (done)
				*done += n;
		}
	});
	return h.finish();
}

uint32_t touch_content(const Image &img, const InodeInfo &ino, std::atomic<uint64_t> *done)
{
	uint32_t crc = 0xFFFFFFFF;
	for_each_extent(img, ino, [&](const Extent &e) {
		if (!e.hole)
			img.stream(e.data, stream_buffer(), [&](std::span<const uint8_t> p) { crc = crc32c_erofs(p, crc); });
		if (done)
			*done += e.len;
	});
	return crc;
}

std::optional<std::string> stored_fingerprint(const Image &img, const InodeInfo &ino)
{
	auto idx = img.ishare_index();
	if (!idx)
		return std::nullopt;
	std::string key = *img.ishare_key();
	for (const auto &x : read_xattrs(img, ino))
		if (x.name == key)
			return x.value;
	return std::nullopt;
}

void copy_content(const Image &img, const InodeInfo &ino, int fd, const std::string &dest, bool sparse)
{
	static const std::vector<uint8_t> zeros(1 << 16, 0);
	for_each_extent(img, ino, [&](const Extent &e) {
		if (!e.hole && sparse) {
			pwrite_full(fd, e.data, e.pos, dest);
		} else if (!e.hole) {
			write_full(fd, e.data, dest);
		} else if (!sparse) {
			for (uint64_t z = 0; z < e.len; z += zeros.size()) {
				size_t n = size_t(std::min<uint64_t>(zeros.size(), e.len - z));
				write_full(fd, std::span<const uint8_t>(zeros).first(n), dest);
			}
		}
	});
	if (sparse && ftruncate(fd, off_t(ino.size)) != 0)
		throw_errno("cannot set the file size", dest, errno);
}

}  // namespace erofs
