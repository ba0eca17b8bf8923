#include "output.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.hpp"

namespace erofs {

TempImage::TempImage(const std::string &final_path) : final_(final_path)
{
	std::string dir = parent_dir(final_path);
	std::string name(".");
	name += base_name(final_path);
	name += ".tmp.XXXXXX";
	tmp_ = join_path(dir, name);
	int fd = mkostemp(tmp_.data(), O_CLOEXEC);
	if (fd < 0)
		throw_errno("cannot create the output image", final_path, errno);
	fd_ = UniqueFd(fd);
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
}

TempImage::~TempImage()
{
	if (!done_)
		unlink(tmp_.c_str());
}

void TempImage::resize(uint64_t size)
{
	if (ftruncate(fd_.get(), off_t(size)) != 0)
		throw_errno("cannot size the output image", final_, errno);
}

void TempImage::commit()
{
	if (close(fd_.release()) != 0)
		throw_errno("cannot write the output image", final_, errno);
	if (rename(tmp_.c_str(), final_.c_str()) != 0)
		throw_errno("cannot rename the output image into place", final_, errno);
	done_ = true;
}

namespace {
std::string real(const std::string &p)
{
	char buf[PATH_MAX];
	if (!realpath(p.c_str(), buf))
		throw_errno("cannot resolve path", p, errno);
	return buf;
}
}  // namespace

void check_output_outside(const std::string &output, const std::string &source_dir)
{
	std::string src = real(source_dir);
	std::string dst = real(parent_dir(output));
	if (dst == src || dst.rfind(src + "/", 0) == 0 || src == "/")
		throw Error("output image is inside the source tree " + source_dir, output);
}

}  // namespace erofs
