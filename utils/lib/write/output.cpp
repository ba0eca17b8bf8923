#include "write/output.hpp"

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.hpp"

namespace erofs {

namespace {

// The temporary image's path, for the signal handler below: a killed mkfs
// must not leave the temporary file behind.  Only one image is built at a
// time; the handler only reads this buffer and calls async-signal-safe
// functions.
char g_tmp_path[PATH_MAX];
volatile sig_atomic_t g_tmp_armed = 0;
constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

extern "C" void remove_tmp_and_die(int sig)
{
	if (g_tmp_armed)
		unlink(g_tmp_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

void arm_cleanup(const std::string &path)
{
	if (path.size() >= sizeof(g_tmp_path))
		return;  // mkostemp would have failed first
	std::memcpy(g_tmp_path, path.c_str(), path.size() + 1);
	g_tmp_armed = 1;
	struct sigaction sa = {};
	sa.sa_handler = remove_tmp_and_die;
	sigemptyset(&sa.sa_mask);
	for (int sig : kCleanupSignals)
		sigaction(sig, &sa, nullptr);
}

void disarm_cleanup()
{
	g_tmp_armed = 0;
	for (int sig : kCleanupSignals)
		signal(sig, SIG_DFL);
}

}  // namespace

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
	arm_cleanup(tmp_);
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
}

TempImage::~TempImage()
{
	if (!done_)
		unlink(tmp_.c_str());
	disarm_cleanup();
}

void TempImage::resize(uint64_t size)
{
	if (ftruncate(fd_.get(), off_t(size)) != 0)
		throw_errno("cannot size the output image", final_, errno);
}

void TempImage::commit()
{
	// On disk before it gets the final name: a crash must never leave a
	// half-written image there.
	if (fdatasync(fd_.get()) != 0 && errno != EINVAL)
		throw_errno("cannot write the output image", final_, errno);
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
