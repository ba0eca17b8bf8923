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

// Where the layout step put a node (filled by layout.cpp).  (Members are
// ordered by size: one Node per inode, so padding adds up on big trees.)
struct Placement {
	bool extended = false;
	DataLayout layout = DataLayout::FlatPlain;
	uint8_t chunk_extra_bits = 0;          // chunk size = blksz << this
	bool chunk_indexes = false;            // 8-byte records (device id + address)
	bool ztail_block = false;              // the inline pcluster got a block instead
	bool data_shared = false;              // startblk is an identical file's data
	uint16_t chunk_device = 0;             // device of the chunks (1: the tar)
	uint32_t ino = 0;
	uint32_t xattr_size = 0;   // xattr body size (0 = none)
	uint32_t tail_size = 0;    // inline tail bytes after the xattr body
	uint32_t startblk = kNullAddr;
	uint32_t name_filter = 0;
	uint64_t nid = 0;
	uint64_t meta_off = 0;     // byte offset of the on-disk inode
	uint64_t nblocks = 0;      // data blocks in the data area
	std::vector<uint32_t> chunk_addrs;     // per chunk; kNullAddr = hole
	std::vector<uint32_t> shared_xattr_ids;
	std::vector<size_t> inline_xattrs;     // indexes into the xattr plan
	std::shared_ptr<const ZFile> z;        // compression result (regular files)
};

struct Node {
	uint32_t id = 0;    // index in Tree::nodes
	Kind kind = Kind::Regular;
	bool sparse = false;            // regular file with holes
	bool on_device = false;         // --tar=i: the content stays in the tar (device 1)
	uint32_t mode = 0;  // type and permission bits (st_mode)
	uint32_t uid = 0;
	uint32_t gid = 0;
	uint32_t mtime_nsec = 0;
	uint32_t rdev = 0;  // encoded device number
	uint32_t nlink = 0;
	int blob_fd = -1;               // --tar=f: the data file (data ranges back to back)
	int64_t mtime = 0;
	uint64_t size = 0;  // content bytes (regular, symlink; dirs: computed)
	uint64_t blob_off = 0;          // --tar=f: where the data starts in blob_fd
	uint64_t device_off = 0;        // --tar=i: byte offset of the stored data in the tar
	std::string path;   // source path, for reading and messages
	std::string target; // symlink target
	std::string fingerprint;        // computed while the stream passed (empty: not yet)
	std::vector<Xattr> xattrs;      // sorted by name
	std::vector<DataRange> data;    // data ranges of a sparse file
	std::vector<DirEntry> children; // sorted by name bytes, no "." / ".."
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
