// Shared helpers of the tool tests: temp trees, running the built tools,
// comparing two directory trees in every attribute mkfs must keep.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace testutil {

class TempDir {
public:
	TempDir();
	~TempDir();
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;
	const std::string &path() const { return path_; }
	std::string operator/(const std::string &name) const { return path_ + "/" + name; }

private:
	std::string path_;
};

struct RunResult {
	int status = -1;  // exit code, or 128+signal
	std::string out;
	std::string err;
};

// Runs a shell command line; captures stdout and stderr.
RunResult run(const std::string &cmdline);
std::string mkfs_bin();
std::string inspect_bin();
// The tools with an argument string (quote paths yourself).
RunResult mkfs(const std::string &args);
RunResult inspect(const std::string &args);
std::string quote(const std::string &s);

void write_file(const std::string &path, const std::string &data);
std::string read_file(const std::string &path);
std::string random_bytes(size_t n, uint32_t seed);
void set_xattr(const std::string &path, const std::string &name, const std::string &value);

// The file zoo: every file type, hard links, xattrs, sizes around block
// boundaries, a big directory.  With `huge`, also a > 4 GiB sparse file.
void make_zoo(const std::string &dir, bool huge);

// Differences between two trees ("" when equal): types, modes, owners,
// mtimes, sizes, contents, symlink targets, devices, xattrs, hard links.
std::string diff_trees(const std::string &a, const std::string &b, bool skip_hidden_xattr = true);

// Recomputes the EROFS superblock crc32c of an image file in place.
void fix_sb_crc(std::vector<uint8_t> &img);
std::vector<uint8_t> read_bytes(const std::string &path);
void write_bytes(const std::string &path, const std::vector<uint8_t> &b);
// Names of files left in a directory.
std::vector<std::string> list_dir(const std::string &dir);

// erofs-utils 1.9.3, the peer: its tool NAME under $EROFS_PEER_PREFIX/bin
// (default /opt/erofs-utils-1.9.3), or "" when it is not installed.  A test
// that needs it says "erofs-utils peer not found", which ctest counts as
// skipped (tests/unit/CMakeLists.txt); a test whose peer checks are an
// extra only says they were left out, so its own checks still count.
enum class PeerUse { Required, Optional };
std::string peer_tool(const std::string &name, PeerUse use);

}  // namespace testutil
