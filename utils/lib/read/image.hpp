// Read-only view of an EROFS image: a bounds-checked byte window over the
// mapped file, the validated superblock and the long prefix table.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "erofs/format.hpp"
#include "plan/xattr_name.hpp"

namespace erofs {

class MappedFile {
public:
	explicit MappedFile(const std::string &path);
	~MappedFile();
	MappedFile(const MappedFile &) = delete;
	MappedFile &operator=(const MappedFile &) = delete;
	std::span<const uint8_t> bytes() const { return {data_, size_}; }
	// Whether s lies inside this mapping.
	bool holds(std::span<const uint8_t> s) const
	{
		return data_ && s.data() >= data_ && s.data() + s.size() <= data_ + size_;
	}
	// Copies s (inside this mapping) into out by pread (no page mapped).
	void copy_out(std::span<const uint8_t> s, std::span<uint8_t> out) const;

private:
	const uint8_t *data_ = nullptr;
	size_t size_ = 0;
	int fd_ = -1;
	std::string path_;
};

struct PackedInode;  // read/data_read.cpp

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
	// Compression: bitmap of usable algorithm ids and their config records.
	uint16_t available_algs() const { return algs_; }
	bool has_compr_cfgs() const { return sb_.feature_incompat & incompat::kComprCfgs; }
	uint16_t lz4_max_pclusterblks() const { return lz4_pclusterblks_; }
	uint32_t lzma_dict_size() const { return lzma_dict_; }
	int zstd_windowlog() const { return zstd_windowlog_; }   // -1: no record
	int deflate_windowbits() const { return deflate_bits_; } // -1: no record

	// len bytes at off, or Error("<what> beyond the end of the image").
	std::span<const uint8_t> bytes(uint64_t off, uint64_t len, const std::string &what) const;
	// Metadata at off, as bytes() would give it, but read by pread from
	// the image file (no page of the mapping faulted in) into a per-thread
	// window (on to the end of off's block, at least kMetaWindow bytes)
	// that later calls on the same thread reuse: valid until this
	// thread's next call of meta().
	static constexpr size_t kMetaWindow = 256;
	std::span<const uint8_t> meta(uint64_t off, uint64_t len, const std::string &what) const;
	// The device table (extra devices, e.g. the tar of a --tar=i image).
	const std::vector<DeviceSlot> &devices() const { return devices_; }
	// Reads device `dev` (1-based) from FILE instead of the flat address
	// space after the image (the mkfs.erofs/fsck.erofs --device= spelling).
	void attach_device(unsigned dev, const std::string &file);
	// len bytes at byte `off` of device `dev` (0: the image itself).  A
	// device with no file attached is read where its mapped block address
	// puts it: [image][tar] in one file reads as one flat device.
	std::span<const uint8_t> device_bytes(unsigned dev, uint64_t off, uint64_t len, const std::string &what) const;
	// Data at unified byte address `off` (device id 0): a range that a
	// device slot maps (mapped_blkaddr) is read from that device, as Linux
	// does; anything else from the image itself.
	std::span<const uint8_t> unified_bytes(uint64_t off, uint64_t len, const std::string &what) const;
	// Byte offset of inode nid (checked against the image size).
	uint64_t iloc(uint64_t nid) const;
	uint64_t root_nid() const { return sb_.root_nid; }
	// The packed inode (fragments), decoded once on first use; throws
	// when the superblock names none.  Defined in read/data_read.cpp.
	std::shared_ptr<const PackedInode> packed_inode() const;
	// Bytes [off, off + out.size()) of the packed inode's content.
	void read_packed(uint64_t off, std::span<uint8_t> out, const std::string &where) const;
	// Streaming reads of mapped data: fn gets s in pieces, read by pread
	// into buf when s lies in the mapping of the image file or of an
	// attached device file (no page of the mapping faulted in, so a pass
	// over all data keeps a small resident set), else as spans of s.
	void stream(std::span<const uint8_t> s, std::vector<uint8_t> &buf,
		    const std::function<void(std::span<const uint8_t>)> &fn) const;
	// Copies s (bytes of this image or a device) into out, by pread when
	// s lies in a mapped file (no page of the mapping faulted in).
	void copy_out(std::span<const uint8_t> s, std::span<uint8_t> out) const;
	// Distinguishes images in per-thread caches (never reused).
	uint64_t serial() const { return serial_; }

private:
	const MappedFile *file_holding(std::span<const uint8_t> s) const;  // null: not in a mapped file
	void check_superblock();
	void load_prefixes();
	void load_compr_cfgs();
	void load_devices();

	std::string path_;
	std::unique_ptr<MappedFile> file_;
	std::span<const uint8_t> data_;
	Superblock sb_;
	uint64_t blksz_ = 4096;
	uint32_t crc_ = 0;
	XattrPrefixes prefixes_;
	uint16_t algs_ = 1;  // LZ4 only, unless COMPR_CFGS says otherwise
	uint16_t lz4_pclusterblks_ = 1;
	uint32_t lzma_dict_ = 8u << 20;
	int zstd_windowlog_ = -1;
	int deflate_bits_ = -1;
	std::vector<DeviceSlot> devices_;
	std::vector<std::unique_ptr<MappedFile>> device_files_;  // per device; null = flat
	uint64_t serial_;
	mutable std::mutex packed_mu_;
	mutable std::shared_ptr<const PackedInode> packed_;
};

std::string hex_offset(uint64_t off);

}  // namespace erofs
