// Read-only view of an EROFS image: a bounds-checked byte window over the
// mapped file, the validated superblock and the long prefix table.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "erofs/format.hpp"
#include "xattr_name.hpp"

namespace erofs {

class MappedFile {
public:
	explicit MappedFile(const std::string &path);
	~MappedFile();
	MappedFile(const MappedFile &) = delete;
	MappedFile &operator=(const MappedFile &) = delete;
	std::span<const uint8_t> bytes() const { return {data_, size_}; }

private:
	const uint8_t *data_ = nullptr;
	size_t size_ = 0;
};

class Image {
public:
	explicit Image(const std::string &path);
	// An image held in memory (tests, fuzzing); `bytes` must outlive it.
	Image(const std::string &name, std::span<const uint8_t> bytes);

	const std::string &path() const { return path_; }
	const Superblock &sb() const { return sb_; }
	uint64_t blksz() const { return blksz_; }
	uint64_t size() const { return data_.size(); }
	uint32_t computed_crc() const { return crc_; }
	const XattrPrefixes &prefixes() const { return prefixes_; }
	// Name of the fingerprint xattr, when the image declares one.
	std::optional<std::string> ishare_key() const;
	std::optional<uint8_t> ishare_index() const;

	// len bytes at off, or Error("<what> beyond the end of the image").
	std::span<const uint8_t> bytes(uint64_t off, uint64_t len, const std::string &what) const;
	// Byte offset of inode nid (checked against the image size).
	uint64_t iloc(uint64_t nid) const;
	uint64_t root_nid() const { return sb_.root_nid; }

private:
	void check_superblock();
	void load_prefixes();

	std::string path_;
	std::unique_ptr<MappedFile> file_;
	std::span<const uint8_t> data_;
	Superblock sb_;
	uint64_t blksz_ = 4096;
	uint32_t crc_ = 0;
	XattrPrefixes prefixes_;
};

std::string hex_offset(uint64_t off);

}  // namespace erofs
