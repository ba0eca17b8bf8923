// The writer's in-memory model of the source tree: one Node per distinct
// inode (hard links share a Node), directories hold sorted entries.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "erofs/format.hpp"

namespace erofs {

enum class Kind : uint8_t { Regular, Directory, Symlink, CharDev, BlockDev, Fifo, Socket };

FileType file_type_of(Kind k);

struct Xattr {
	std::string name;  // full name, e.g. "user.mime"
	std::string value;
	bool operator==(const Xattr &) const = default;
	auto operator<=>(const Xattr &) const = default;
};

struct DataRange {
	uint64_t off = 0;
	uint64_t len = 0;
};

struct Node;
struct ZFile;  // zwrite.hpp

struct DirEntry {
	std::string name;
	Node *node = nullptr;
};

// Where the layout step put a node (filled by layout.cpp).
struct Placement {
	bool extended = false;
	DataLayout layout = DataLayout::FlatPlain;
	uint64_t nid = 0;
	uint32_t ino = 0;
	uint64_t meta_off = 0;     // byte offset of the on-disk inode
	uint32_t xattr_size = 0;   // xattr body size (0 = none)
	uint32_t tail_size = 0;    // inline tail bytes after the xattr body
	uint32_t startblk = kNullAddr;
	uint64_t nblocks = 0;      // data blocks in the data area
	uint8_t chunk_extra_bits = 0;          // chunk size = blksz << this
	std::vector<uint32_t> chunk_addrs;     // per chunk; kNullAddr = hole
	bool chunk_indexes = false;            // 8-byte records (device id + address)
	uint16_t chunk_device = 0;             // device of the chunks (1: the tar)
	std::vector<uint32_t> shared_xattr_ids;
	std::vector<size_t> inline_xattrs;     // indexes into the xattr plan
	uint32_t name_filter = 0;
	std::shared_ptr<const ZFile> z;        // compression result (regular files)
	bool ztail_block = false;              // the inline pcluster got a block instead
	bool data_shared = false;              // startblk is an identical file's data
};

struct Node {
	uint32_t id = 0;    // index in Tree::nodes
	Kind kind = Kind::Regular;
	uint32_t mode = 0;  // type and permission bits (st_mode)
	uint32_t uid = 0;
	uint32_t gid = 0;
	int64_t mtime = 0;
	uint32_t mtime_nsec = 0;
	uint64_t size = 0;  // content bytes (regular, symlink; dirs: computed)
	uint32_t rdev = 0;  // encoded device number
	uint32_t nlink = 0;
	std::string path;   // source path, for reading and messages
	std::string target; // symlink target
	std::vector<Xattr> xattrs;      // sorted by name
	bool sparse = false;            // regular file with holes
	std::vector<DataRange> data;    // data ranges of a sparse file
	std::vector<DirEntry> children; // sorted by name bytes, no "." / ".."
	// Tar sources: where a regular file's content is instead of `path`.
	int blob_fd = -1;               // --tar=f: the data file (data ranges back to back)
	uint64_t blob_off = 0;
	bool on_device = false;         // --tar=i: the content stays in the tar (device 1)
	uint64_t device_off = 0;        // byte offset of the stored data in the tar
	std::string fingerprint;        // computed while the stream passed (empty: not yet)
	Node *parent = nullptr;
	Placement at;
};

struct Tree {
	std::vector<std::unique_ptr<Node>> nodes;  // owner; scan order
	Node *root = nullptr;

	Node *add(std::unique_ptr<Node> n)
	{
		n->id = uint32_t(nodes.size());
		nodes.push_back(std::move(n));
		return nodes.back().get();
	}
};

// Checks names, types and sizes the format can carry; sets nlink.
// Throws Error naming the path on the first problem.
void validate_tree(Tree &t);

}  // namespace erofs
