#include "read/walk.hpp"

#include <unordered_set>

namespace erofs {

namespace {

struct Pending {
	std::string path;
	uint64_t nid;
	uint64_t parent;
	uint8_t ftype;  // from the dirent; 0 for the root
};

std::string child_path(const std::string &dir, const std::string &name)
{
	return dir == "/" ? "/" + name : dir + "/" + name;
}

class Walker {
public:
	Walker(const Image &img, const WalkVisit &v, const WalkError &e) : img_(img), visit_(v), err_(e) {}
	void run();

private:
	void enter(const Pending &p);
	void check_specials(const Pending &p, const std::vector<DirEntryInfo> &ents) const;
	void fail(const Error &e) const
	{
		if (!err_)
			throw e;
		err_(e);
	}

	const Image &img_;
	const WalkVisit &visit_;
	const WalkError &err_;
	std::vector<Pending> stack_;
	std::unordered_set<uint64_t> seen_dirs_;
};

void Walker::check_specials(const Pending &p, const std::vector<DirEntryInfo> &ents) const
{
	bool dot = false, dotdot = false;
	for (const auto &e : ents) {
		if (e.name == ".") {
			dot = true;
			if (e.nid != p.nid)
				throw Error("\".\" does not point to the directory itself", p.path);
		} else if (e.name == "..") {
			dotdot = true;
			if (e.nid != p.parent)
				throw Error("\"..\" does not point to the parent directory", p.path);
		}
	}
	if (!dot || !dotdot)
		throw Error("directory lacks \".\" or \"..\"", p.path);
}

void Walker::enter(const Pending &p)
{
	InodeInfo ino = read_inode(img_, p.nid);
	if (p.ftype && p.ftype != file_type_of_mode(ino.mode))
		throw Error("dirent file type does not match the inode", p.path);
	visit_({p.path, ino});
	if (!ino.is_dir())
		return;
	if (!seen_dirs_.insert(p.nid).second)
		throw Error("directory reached twice (cycle or hard-linked directory)", p.path);
	auto ents = read_dir(img_, ino);
	check_specials(p, ents);
	for (auto it = ents.rbegin(); it != ents.rend(); ++it) {
		if (it->name == "." || it->name == "..")
			continue;
		stack_.push_back({child_path(p.path, it->name), it->nid, p.nid, it->file_type});
	}
}

void Walker::run()
{
	uint64_t root = img_.root_nid();
	InodeInfo r = read_inode(img_, root);
	if (!r.is_dir())
		throw Error("root inode is not a directory", where_nid(root));
	stack_.push_back({"/", root, root, 0});
	while (!stack_.empty()) {
		Pending p = std::move(stack_.back());
		stack_.pop_back();
		try {
			enter(p);
		} catch (const Error &e) {
			if (p.nid == root)
				throw;
			fail(Error(e.what_part(), e.where_part() == p.path ? p.path : p.path + " (" + e.where_part() + ")"));
		}
	}
}

}  // namespace

void walk_tree(const Image &img, const WalkVisit &visit, const WalkError &on_error)
{
	Walker(img, visit, on_error).run();
}

}  // namespace erofs
