// One 512-byte tar header block as a value type: the ustar fields, GNU's
// old sparse map, explicit decode (with checksum and number checks) and
// encode (tests and the fuzz corpus build archives with it).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace erofs {

inline constexpr size_t kTarBlock = 512;

struct SparseSeg {
	uint64_t off = 0;  // logical offset in the file
	uint64_t len = 0;
	bool operator==(const SparseSeg &) const = default;
};

struct TarHeader {
	std::string name;      // name field (100), with the ustar prefix joined
	std::string linkname;  // linkname field (100)
	uint64_t mode = 0;
	uint64_t uid = 0, gid = 0;
	uint64_t size = 0;
	int64_t mtime = 0;
	char typeflag = '0';
	std::string magic;     // "ustar\0" + "00" (POSIX) or "ustar  \0" (GNU)
	std::string uname, gname;
	uint64_t devmajor = 0, devminor = 0;
	// GNU old sparse ('S'): map in the header, more in extension blocks.
	std::vector<SparseSeg> gnu_sparse;
	bool gnu_sparse_more = false;
	uint64_t gnu_realsize = 0;

	bool posix() const { return magic == std::string("ustar\0" "00", 8); }
	bool gnu() const { return magic == std::string("ustar  \0", 8); }

	// Decodes a header block; throws Error(what, where) on a bad checksum
	// or a malformed number.  `where` names the block for messages.
	static TarHeader decode(std::span<const uint8_t, kTarBlock> b, const std::string &where);
	// Encodes with a valid checksum (octal numbers, base-256 when they do
	// not fit; the name must fit 100 bytes or be split with a prefix).
	void encode(std::span<uint8_t, kTarBlock> b) const;
};

// Whether a block is all zeros (the end-of-archive marker).
bool is_zero_block(std::span<const uint8_t> b);

// A numeric header field: octal digits (spaces and NULs around them), or
// GNU base-256 when the first byte has 0x80 set.  nullopt when malformed
// or negative.
std::optional<uint64_t> parse_tar_number(std::span<const uint8_t> field);

// Decodes GNU old-sparse extension block entries (21 per block, flag at 504).
void decode_sparse_ext(std::span<const uint8_t, kTarBlock> b, std::vector<SparseSeg> &out, bool &more,
		       const std::string &where);

}  // namespace erofs
