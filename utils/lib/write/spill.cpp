#include "write/spill.hpp"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

#include "base/error.hpp"

namespace erofs {

Spill::Spill(const std::string &near)
{
	std::string dir = parent_dir(near);
	what_ = "temporary file in " + dir;
	int fd = open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		// no O_TMPFILE on this filesystem: a named file, unlinked at once
		std::string p = join_path(dir, ".mkfs.erofs++.spill.XXXXXX");
		fd = mkostemp(p.data(), O_CLOEXEC);
		if (fd >= 0)
			unlink(p.c_str());
	}
	if (fd < 0)
		throw_errno("cannot create a temporary file for compressed data", dir, errno);
	fd_ = UniqueFd(fd);
}

Spill::Extent Spill::append(std::span<const uint8_t> bytes)
{
	Extent e{end_.fetch_add(bytes.size()), bytes.size()};
	pwrite_full(fd_.get(), bytes, e.off, what_);
	return e;
}

void Spill::copy_to(const Extent &e, int out_fd, uint64_t out_off, const std::string &out_path) const
{
	uint64_t done = 0;
	while (done < e.len) {
		loff_t in = loff_t(e.off + done), out = loff_t(out_off + done);
		ssize_t n = copy_file_range(fd_.get(), &in, out_fd, &out, size_t(e.len - done), 0);
		if (n > 0) {
			done += uint64_t(n);
			continue;
		}
		if (n == 0)
			throw Error("compressed data ended early in the " + what_, out_path);
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
			throw_errno("cannot copy compressed data into the output image", out_path, errno);
		break;  // the kernel cannot: copy by hand below
	}
	std::vector<uint8_t> buf;
	while (done < e.len) {
		buf.resize(size_t(std::min<uint64_t>(e.len - done, 1u << 20)));
		size_t got = pread_full(fd_.get(), buf, e.off + done, what_);
		if (got != buf.size())
			throw Error("compressed data ended early in the " + what_, out_path);
		pwrite_full(out_fd, buf, out_off + done, out_path);
		done += got;
	}
}

}  // namespace erofs
