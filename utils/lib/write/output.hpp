// The image under construction: a temporary file next to the final name,
// unlinked on failure, renamed into place by commit().
#pragma once

#include <string>

#include "base/fsutil.hpp"

namespace erofs {

class TempImage {
public:
	explicit TempImage(const std::string &final_path);
	~TempImage();
	TempImage(const TempImage &) = delete;
	TempImage &operator=(const TempImage &) = delete;

	int fd() const { return fd_.get(); }
	const std::string &path() const { return final_; }  // for messages
	void resize(uint64_t size);
	void commit();

private:
	std::string final_;
	std::string tmp_;
	UniqueFd fd_;
	bool done_ = false;
};

// Throws if `output` would be created inside `source_dir`.
void check_output_outside(const std::string &output, const std::string &source_dir);

}  // namespace erofs
