// Small RAII and I/O helpers over POSIX file descriptors.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace erofs {

class UniqueFd {
public:
	UniqueFd() = default;
	explicit UniqueFd(int fd) : fd_(fd) {}
	~UniqueFd() { reset(); }
	UniqueFd(UniqueFd &&o) noexcept : fd_(o.release()) {}
	UniqueFd &operator=(UniqueFd &&o) noexcept
	{
		if (this != &o) {
			reset();
			fd_ = o.release();
		}
		return *this;
	}
	UniqueFd(const UniqueFd &) = delete;
	UniqueFd &operator=(const UniqueFd &) = delete;

	int get() const { return fd_; }
	explicit operator bool() const { return fd_ >= 0; }
	int release()
	{
		int fd = fd_;
		fd_ = -1;
		return fd;
	}
	void reset();

private:
	int fd_ = -1;
};

// Reads up to buf.size() bytes at `off`; returns bytes read (short only at EOF).
size_t pread_full(int fd, std::span<uint8_t> buf, uint64_t off, const std::string &path);
// Writes all of buf at `off` or throws (ENOSPC, EFBIG, EIO... with the path).
void pwrite_full(int fd, std::span<const uint8_t> buf, uint64_t off, const std::string &path);

// Copies up to len bytes from in_fd at in_off to out_fd at out_off inside
// the kernel (copy_file_range: no trip through user memory, extents shared
// where the file system can).  Returns the bytes copied, short only at the
// end of the input; returns std::nullopt when the kernel or the file
// systems cannot, before anything was copied (then the caller copies).
std::optional<uint64_t> copy_range(int in_fd, uint64_t in_off, int out_fd, uint64_t out_off, uint64_t len,
				   const std::string &path);

// Sequential write of all of buf (pipes and terminals too).
void write_full(int fd, std::span<const uint8_t> buf, const std::string &path);

std::string join_path(const std::string &dir, const std::string &name);
std::string parent_dir(const std::string &path);
std::string base_name(const std::string &path);

}  // namespace erofs
