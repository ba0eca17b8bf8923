// Depth-first walk over an image's tree.  Each directory is entered once
// (a second path to it is reported as a cycle), "." and ".." are checked,
// and every dirent's file type must match its inode.
#pragma once

#include <functional>
#include <string>

#include "read/dir_read.hpp"
#include "base/error.hpp"

namespace erofs {

struct WalkItem {
	std::string path;  // "/" for the root, "/a/b" below
	InodeInfo ino;
};

using WalkVisit = std::function<void(const WalkItem &)>;
using WalkError = std::function<void(const Error &)>;

// Without on_error the first problem throws; with it, the broken entry or
// subtree is skipped and the walk goes on.
void walk_tree(const Image &img, const WalkVisit &visit, const WalkError &on_error = nullptr);

}  // namespace erofs
