#include "base/fsutil.hpp"

#include <cerrno>
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
