// Text and JSON renderings of what inspect.erofs++ shows.
#pragma once

#include <string>

#include "check/fsck.hpp"
#include "read/inode_read.hpp"
#include "check/overlap.hpp"

namespace erofs {

std::string sb_text(const Image &img);
std::string sb_json(const Image &img);
std::string stat_text(const Image &img, const InodeInfo &ino, const std::string &path);
std::string stat_json(const Image &img, const InodeInfo &ino, const std::string &path);
std::string ls_text(const Image &img, const InodeInfo &ino, const std::string &path);
std::string fsck_text(const FsckReport &r);
std::string fsck_json(const FsckReport &r);
std::string overlap_text(const OverlapReport &r);
std::string overlap_json(const OverlapReport &r);

// "text" for printable values, sha256:<hex> for fingerprints, else 0x<hex>.
std::string xattr_value_text(const std::string &v);
std::string mode_string(uint32_t mode);

}  // namespace erofs
