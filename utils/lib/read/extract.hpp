// --extract=DIR: recreate an image's tree under DIR (content with holes,
// modes, owners, times, xattrs, symlinks, devices, hard links).  Every
// path is resolved beneath DIR without following symlinks.
#pragma once

#include <string>

#include "read/image.hpp"

namespace erofs {

struct ExtractStats {
	uint64_t inodes = 0;
	uint64_t bytes = 0;
};

ExtractStats extract_tree(const Image &img, const std::string &dir);

}  // namespace erofs
