// A one-line progress display ("files a/b, bytes x/y") refreshed from a
// background thread while the fill step runs (mkfs) or fsck reads
// (inspect, on stderr); silent when disabled.
#pragma once

#include <atomic>
#include <cstdio>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace erofs {

class Progress {
public:
	Progress(bool enabled, const std::atomic<uint64_t> &files, uint64_t files_total,
		 const std::atomic<uint64_t> &bytes, uint64_t bytes_total, std::FILE *out = stdout);
	// Totals that grow while the work runs (a walk still finding files).
	Progress(bool enabled, const std::atomic<uint64_t> &files, const std::atomic<uint64_t> &files_total,
		 const std::atomic<uint64_t> &bytes, const std::atomic<uint64_t> &bytes_total, std::FILE *out);
	~Progress();  // prints the final line
	Progress(const Progress &) = delete;
	Progress &operator=(const Progress &) = delete;

private:
	void print() const;
	void loop();

	bool enabled_;
	const std::atomic<uint64_t> &files_;
	const std::atomic<uint64_t> &files_total_;
	const std::atomic<uint64_t> &bytes_;
	const std::atomic<uint64_t> &bytes_total_;
	std::atomic<uint64_t> fixed_files_{0}, fixed_bytes_{0};  // the constant totals
	std::FILE *out_;
	std::mutex mu_;
	std::condition_variable cv_;
	bool stop_ = false;
	std::thread thread_;
};

std::string human_bytes(uint64_t b);

}  // namespace erofs
