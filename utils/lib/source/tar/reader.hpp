// A streaming tar reader (ustar, GNU, PAX) that reports the exact byte
// offset of every entry's header and data in the (decompressed) stream:
// --tar=i indexes file data where it lies in the tar.  It holds one
// window of the stream, never an entry's data, and checks everything
// (checksums, numbers, sizes against the stream, PAX record lengths,
// the end-of-archive blocks and what follows them).  Errors name the
// entry and the byte offset of its first header.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "source/tar/header.hpp"
#include "source/tar/input.hpp"

namespace erofs {

enum class TarType { Regular, HardLink, Symlink, CharDev, BlockDev, Directory, Fifo };

struct TarEntry {
	std::string path;   // as stored (not yet normalized)
	std::string link;   // symlink target or hard link's earlier path
	TarType type = TarType::Regular;
	uint32_t mode = 0;  // permission bits (07777)
	uint32_t uid = 0, gid = 0;
	std::string uname, gname;
	int64_t mtime = 0;
	uint32_t mtime_nsec = 0;
	uint64_t size = 0;  // logical size (sparse files: the real size)
	uint32_t devmajor = 0, devminor = 0;
	std::vector<std::pair<std::string, std::string>> xattrs;  // name, value; later ones win
	uint64_t header_off = 0;  // first header block of the entry (extension headers included)
	uint64_t data_off = 0;    // first stored data byte (a multiple of 512)
	uint64_t data_len = 0;    // stored data bytes (in the stream)
	bool sparse = false;
	std::vector<SparseSeg> map;  // sparse: logical segments, stored back to back
};

struct TarReaderOptions {
	bool headerball = false;  // regular files' data is not in the stream
};

class TarReader {
public:
	TarReader(ByteSource &src, std::string name, TarReaderOptions o = {});

	// The next entry, or false at the end of the archive.  Unread data of
	// the previous entry is skipped.
	bool next(TarEntry &e);
	// The current entry's stored data, in order; 0 when all was read.
	size_t read_data(std::span<uint8_t> buf);
	// Bytes consumed so far (the stream offset).
	uint64_t offset() const { return pos_; }
	// "entry 'PATH' at byte N" for messages.
	std::string where(const TarEntry &e) const;

private:
	size_t raw_read(uint8_t *dst, size_t len);
	bool read_block(std::span<uint8_t, kTarBlock> b, bool eof_ok, const std::string &where);
	void read_exact(std::span<uint8_t> b, const std::string &where);
	void skip(uint64_t n, const std::string &where);
	std::string read_payload(uint64_t size, uint64_t limit, const std::string &what, const std::string &where);
	void check_trailer(const std::string &where);

	ByteSource &src_;
	std::string name_;
	TarReaderOptions opt_;
	std::vector<uint8_t> buf_;
	size_t bpos_ = 0, blen_ = 0;
	bool eof_ = false;
	uint64_t pos_ = 0;
	uint64_t remaining_ = 0;  // data bytes of the current entry left to read
	uint64_t padding_ = 0;    // zero padding after them
	std::string cur_where_;
	std::vector<std::pair<std::string, std::string>> global_;  // PAX 'g' records
	bool done_ = false;
};

// PAX extended header records ("LEN key=value\n" ...), in order.  Throws
// Error(where) when a length lies or a record is malformed.
std::vector<std::pair<std::string, std::string>> parse_pax_records(const std::string &payload,
								   const std::string &where);

}  // namespace erofs
