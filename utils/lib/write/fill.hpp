// The fill step: with the layout fixed, each node's regions (data blocks,
// then inode + xattr body + inline tail or chunk map) are written by worker
// threads.  File data is streamed through a per-worker buffer and hashed on
// the way for the fingerprint xattr.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/fsutil.hpp"
#include "plan/layout.hpp"
#include "plan/xattr_plan.hpp"

namespace erofs {

struct FillContext {
	const Layout &layout;
	const XattrPlan &xattrs;
	int out_fd;
	std::string out_path;
	std::atomic<uint64_t> files_done{0};
	std::atomic<uint64_t> bytes_done{0};
};

// Per thread: the source directory of the last file opened, so that the
// files of one directory are opened by name relative to it (one path walk
// per directory instead of one per file).
class SourceDirs {
public:
	// An open descriptor of `dir` (a scanned directory), or -1.
	int fd_of(const Node &dir);

private:
	const Node *dir_ = nullptr;
	UniqueFd fd_;
};

// Opens a source file, checking it is still the regular file of the scan.
// With `dirs`, relative to its directory.
UniqueFd open_source(const Node &n, SourceDirs *dirs = nullptr);
// Reads exactly buf.size() bytes at off, or throws "file changed".
void read_exact(int fd, std::span<uint8_t> buf, uint64_t off, const Node &n);

// Encodes the on-disk inode (32 or 64 bytes) of a placed node.
void encode_inode(const Node &n, std::span<uint8_t> out);

// Writes all regions of one node.  `buf` is the worker's I/O buffer,
// `dirs` its directory cache (may be null).
void write_node(const Node &n, FillContext &ctx, std::vector<uint8_t> &buf, SourceDirs *dirs = nullptr);

}  // namespace erofs
