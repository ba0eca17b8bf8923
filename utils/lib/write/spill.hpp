#pragma once
// Compressed data parked in an unlinked temporary file between the
// compression step and the fill step, so that mkfs.erofs++ holds at most a
// few MiB of compressed output per worker in memory instead of the whole
// compressed tree.

#include <atomic>
#include <cstdint>
#include <span>
#include <string>

#include "base/fsutil.hpp"

namespace erofs {

class Spill {
public:
	struct Extent {
		uint64_t off = 0;
		uint64_t len = 0;
	};

	// An unlinked file in the directory of `near` (the output image's, so
	// that the final copy stays on one filesystem).  Throws Error naming
	// the directory when it cannot be created.
	explicit Spill(const std::string &near);

	// Appends `bytes` and returns where they went.  Thread-safe: each call
	// reserves its own range.
	Extent append(std::span<const uint8_t> bytes);

	// Copies `e` to `out_fd` at `out_off` (copy_file_range, or read and
	// write where the kernel cannot).  Throws Error naming `out_path`.
	void copy_to(const Extent &e, int out_fd, uint64_t out_off, const std::string &out_path) const;

	uint64_t size() const { return end_.load(); }
	int fd() const { return fd_.get(); }

private:
	std::string what_;  // for messages: "temporary file in DIR"
	UniqueFd fd_;
	std::atomic<uint64_t> end_{0};
};

}  // namespace erofs
