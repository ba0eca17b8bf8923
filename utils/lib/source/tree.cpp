#include "source/tree.hpp"

#include <unordered_map>

#include "base/error.hpp"

namespace erofs {

FileType file_type_of(Kind k)
{
	switch (k) {
	case Kind::Regular: return FileType::Regular;
	case Kind::Directory: return FileType::Directory;
	case Kind::Symlink: return FileType::Symlink;
	case Kind::CharDev: return FileType::CharDev;
	case Kind::BlockDev: return FileType::BlockDev;
	case Kind::Fifo: return FileType::Fifo;
	case Kind::Socket: return FileType::Socket;
	}
	return FileType::Unknown;
}

namespace {

void validate_entry(const Node &dir, const DirEntry &e)
{
	std::string where = dir.path + "/" + e.name;
	if (e.name.empty() || e.name == "." || e.name == ".." ||
	    e.name.find('/') != std::string::npos)
		throw Error("invalid file name", where);
	if (e.name.size() > kNameMax)
		throw Error("file name longer than 255 bytes", where);
	if (!e.node)
		throw Error("unsupported file type", where);
}

}  // namespace

void validate_tree(Tree &t)
{
	if (!t.root || t.root->kind != Kind::Directory)
		throw Error("source is not a directory", t.root ? t.root->path : "?");
	for (auto &n : t.nodes)
		n->nlink = n->kind == Kind::Directory ? 2 : 0;
	for (auto &n : t.nodes) {
		if (n->kind != Kind::Directory)
			continue;
		for (size_t i = 0; i < n->children.size(); i++) {
			const auto &e = n->children[i];
			validate_entry(*n, e);
			if (i && !(n->children[i - 1].name < e.name))
				throw Error("duplicate or unsorted file name", n->path + "/" + e.name);
			if (e.node->kind == Kind::Directory)
				n->nlink++;
			else
				e.node->nlink++;
		}
	}
}

}  // namespace erofs
