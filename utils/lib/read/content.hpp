// Reading a regular file's content out of an image: hashing it (holes as
// zeros), finding its stored fingerprint, and copying it to a descriptor.
#pragma once

#include <atomic>
#include <optional>
#include <span>
#include <string>

#include "base/digest.hpp"
#include "read/inode_read.hpp"

namespace erofs {

// SHA-256 of the whole logical content; `done`, when given, counts the
// bytes hashed so far (holes too, in 64 MiB steps: a huge sparse file
// shows progress).
// `tail`, when not empty, is the inline tail of an uncompressed
// flat-inline file, already read by the caller (it is used instead of
// reading the image again).
Sha256Digest hash_content(const Image &img, const InodeInfo &ino, std::atomic<uint64_t> *done = nullptr,
			  std::span<const uint8_t> tail = {});
// The inline tail of an uncompressed flat-inline file: its position and
// length (0 when the file has none).
struct InlineTail {
	uint64_t off = 0, len = 0;
};
InlineTail inline_tail(const Image &img, const InodeInfo &ino);
// Reads every data byte once (crc32c over it) without hashing.
uint32_t touch_content(const Image &img, const InodeInfo &ino, std::atomic<uint64_t> *done = nullptr);
// The stored fingerprint value (39 bytes) if the inode has one.
std::optional<std::string> stored_fingerprint(const Image &img, const InodeInfo &ino);
// Writes the content to fd; holes become holes when `sparse` is set.
void copy_content(const Image &img, const InodeInfo &ino, int fd, const std::string &dest, bool sparse);

}  // namespace erofs
