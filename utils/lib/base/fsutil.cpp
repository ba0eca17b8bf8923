#include "base/fsutil.hpp"

#include <atomic>
#include <cerrno>
#include <algorithm>
#include <fcntl.h>
#include <unistd.h>

#include "base/error.hpp"

namespace erofs {

void UniqueFd::reset()
{
	if (fd_ >= 0)
		::close(fd_);
	fd_ = -1;
}

size_t pread_full(int fd, std::span<uint8_t> buf, uint64_t off, const std::string &path)
{
	size_t done = 0;
	while (done < buf.size()) {
		ssize_t n = ::pread(fd, buf.data() + done, buf.size() - done, off_t(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			throw_errno("cannot read", path, errno);
		if (n == 0)
			break;
		done += size_t(n);
	}
	return done;
}

void pwrite_full(int fd, std::span<const uint8_t> buf, uint64_t off, const std::string &path)
{
	size_t done = 0;
	while (done < buf.size()) {
		ssize_t n = ::pwrite(fd, buf.data() + done, buf.size() - done, off_t(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			throw_errno("cannot write", path, errno);
		if (n == 0)
			throw_errno("cannot write", path, ENOSPC);
		done += size_t(n);
	}
}

std::optional<uint64_t> copy_range(int in_fd, uint64_t in_off, int out_fd, uint64_t out_off, uint64_t len,
				   const std::string &path)
{
	static std::atomic<bool> unsupported{false};
	if (unsupported.load(std::memory_order_relaxed))
		return std::nullopt;
	uint64_t done = 0;
	while (done < len) {
		loff_t i = loff_t(in_off + done), o = loff_t(out_off + done);
		size_t want = size_t(std::min<uint64_t>(len - done, uint64_t(1) << 30));
		ssize_t n = ::copy_file_range(in_fd, &i, out_fd, &o, want, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && done == 0 &&
		    (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP || errno == EBADF)) {
			if (errno == ENOSYS)
				unsupported = true;
			return std::nullopt;
		}
		if (n < 0)
			throw_errno("cannot copy", path, errno);
		if (n == 0)
			break;
		done += uint64_t(n);
	}
	return done;
}

void write_full(int fd, std::span<const uint8_t> buf, const std::string &path)
{
	size_t done = 0;
	while (done < buf.size()) {
		ssize_t n = ::write(fd, buf.data() + done, buf.size() - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			throw_errno("cannot write", path, n < 0 ? errno : ENOSPC);
		done += size_t(n);
	}
}

std::string join_path(const std::string &dir, const std::string &name)
{
	if (dir.empty())
		return name;
	if (dir.back() == '/')
		return dir + name;
	return dir + "/" + name;
}

std::string parent_dir(const std::string &path)
{
	auto pos = path.find_last_of('/');
	if (pos == std::string::npos)
		return ".";
	if (pos == 0)
		return "/";
	return path.substr(0, pos);
}

std::string base_name(const std::string &path)
{
	auto pos = path.find_last_of('/');
	return pos == std::string::npos ? path : path.substr(pos + 1);
}

}  // namespace erofs
