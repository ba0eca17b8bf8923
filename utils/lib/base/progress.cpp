#include "base/progress.hpp"

#include <chrono>
#include <cstdio>
#include <string>

namespace erofs {

std::string human_bytes(uint64_t b)
{
	const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = double(b);
	int u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	char s[32];
	snprintf(s, sizeof(s), u ? "%.1f %s" : "%.0f %s", v, units[u]);
	return s;
}

Progress::Progress(bool enabled, const std::atomic<uint64_t> &files, uint64_t files_total,
		   const std::atomic<uint64_t> &bytes, uint64_t bytes_total, std::FILE *out)
	: enabled_(enabled), files_(files), files_total_(fixed_files_), bytes_(bytes), bytes_total_(fixed_bytes_),
	  out_(out)
{
	fixed_files_ = files_total;
	fixed_bytes_ = bytes_total;
	if (enabled_)
		thread_ = std::thread([this] { loop(); });
}

Progress::Progress(bool enabled, const std::atomic<uint64_t> &files, const std::atomic<uint64_t> &files_total,
		   const std::atomic<uint64_t> &bytes, const std::atomic<uint64_t> &bytes_total, std::FILE *out)
	: enabled_(enabled), files_(files), files_total_(files_total), bytes_(bytes), bytes_total_(bytes_total),
	  out_(out)
{
	if (enabled_)
		thread_ = std::thread([this] { loop(); });
}

Progress::~Progress()
{
	if (!enabled_)
		return;
	{
		std::lock_guard<std::mutex> g(mu_);
		stop_ = true;
	}
	cv_.notify_all();
	thread_.join();
	print();
	std::fputc('\n', out_);
	std::fflush(out_);
}

void Progress::print() const
{
	std::fprintf(out_, "\rfiles %llu/%llu, bytes %s/%s   ", (unsigned long long)files_.load(),
		    (unsigned long long)files_total_.load(), human_bytes(bytes_.load()).c_str(),
		    human_bytes(bytes_total_.load()).c_str());
	std::fflush(out_);
}

void Progress::loop()
{
	std::unique_lock<std::mutex> lk(mu_);
	while (!cv_.wait_for(lk, std::chrono::milliseconds(200), [this] { return stop_; }))
		print();
}

}  // namespace erofs
