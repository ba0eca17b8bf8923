#include "read/extract.hpp"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <unordered_map>

#include "read/content.hpp"
#include "base/error.hpp"
#include "base/fsutil.hpp"
#include "read/walk.hpp"

namespace erofs {

namespace {

class Extractor {
public:
	// Writes into `dir`; messages name `shown` (the final directory).
	Extractor(const Image &img, const std::string &dir, const std::string &shown)
		: img_(img), dir_(dir), shown_(shown) {}
	ExtractStats run();
	// The root directory's xattrs, mode and times, applied to `path`.
	void finish_root(const std::string &path);

private:
	void create(const WalkItem &w);
	UniqueFd open_beneath(const std::string &rel, int flags) const;
	void make_node(int pfd, const std::string &name, const WalkItem &w);
	void set_attrs(int pfd, const std::string &name, const InodeInfo &ino, const std::string &where);
	void set_xattrs(int pfd, const std::string &name, const InodeInfo &ino, const std::string &where);
	void set_time(int pfd, const std::string &name, const InodeInfo &ino, const std::string &where);

	const Image &img_;
	std::string dir_;
	std::string shown_;
	UniqueFd root_;
	std::unordered_map<uint64_t, std::string> links_;  // nid -> first path
	std::vector<std::pair<std::string, InodeInfo>> dirs_;
	ExtractStats st_;
};

UniqueFd Extractor::open_beneath(const std::string &rel, int flags) const
{
	struct open_how how {};
	how.flags = uint64_t(flags) | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	std::string p = rel.empty() ? "." : rel;
	long fd = syscall(SYS_openat2, root_.get(), p.c_str(), &how, sizeof(how));
	if (fd < 0)
		throw_errno("cannot open beneath the extract directory", join_path(shown_, rel), errno);
	return UniqueFd(int(fd));
}

void Extractor::make_node(int pfd, const std::string &name, const WalkItem &w)
{
	const auto &ino = w.ino;
	std::string dest = shown_ + w.path;
	int rc = 0;
	if (ino.is_dir()) {
		rc = mkdirat(pfd, name.c_str(), 0700);
	} else if (ino.is_reg()) {
		UniqueFd fd(openat(pfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
		if (!fd)
			throw_errno("cannot create file", dest, errno);
		copy_content(img_, ino, fd.get(), dest, true);
		st_.bytes += ino.size;
		return;
	} else if (ino.is_symlink()) {
		auto t = read_all(img_, ino);
		std::string target(t.begin(), t.end());
		rc = symlinkat(target.c_str(), pfd, name.c_str());
	} else {
		dev_t dev = ino.is_device() ? makedev(dev_major(ino.i_u), dev_minor(ino.i_u)) : 0;
		rc = mknodat(pfd, name.c_str(), (ino.mode & 0170000) | 0600, dev);
	}
	if (rc != 0)
		throw_errno("cannot create", dest, errno);
}

void Extractor::set_xattrs(int pfd, const std::string &name, const InodeInfo &ino, const std::string &where)
{
	std::string p = "/proc/self/fd/" + std::to_string(pfd) + "/" + name;
	for (const auto &x : read_xattrs(img_, ino)) {
		if (short_prefix(x.index & xidx::kLongPrefix ? img_.prefixes().longs()[x.index & 0x7F].base_index
							      : x.index).empty())
			continue;  // hidden names have no namespace to restore into
		if (lsetxattr(p.c_str(), x.name.c_str(), x.value.data(), x.value.size(), 0) != 0)
			throw_errno("cannot set xattr " + x.name, where, errno);
	}
}

void Extractor::set_time(int pfd, const std::string &name, const InodeInfo &ino, const std::string &where)
{
	struct timespec ts[2];
	ts[0].tv_sec = ts[1].tv_sec = ino.mtime;
	ts[0].tv_nsec = ts[1].tv_nsec = long(ino.mtime_nsec % 1000000000u);
	if (utimensat(pfd, name.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0)
		throw_errno("cannot set times", where, errno);
}

void Extractor::set_attrs(int pfd, const std::string &name, const InodeInfo &ino, const std::string &where)
{
	if (fchownat(pfd, name.c_str(), ino.uid, ino.gid, AT_SYMLINK_NOFOLLOW) != 0 && errno != EPERM)
		throw_errno("cannot set owner", where, errno);
	if (ino.is_dir())
		return;  // xattrs (default ACLs), mode and times after the content
	set_xattrs(pfd, name, ino, where);
	if (!ino.is_symlink() && fchmodat(pfd, name.c_str(), ino.mode & 07777, 0) != 0)
		throw_errno("cannot set mode", where, errno);
	set_time(pfd, name, ino, where);
}

void Extractor::create(const WalkItem &w)
{
	st_.inodes++;
	std::string rel = w.path.substr(1);  // strip the leading '/'
	if (rel.empty()) {
		set_attrs(root_.get(), ".", w.ino, shown_);
		dirs_.push_back({"", w.ino});
		return;
	}
	std::string parent = rel.find('/') == std::string::npos ? "" : parent_dir(rel);
	std::string name = base_name(rel);
	UniqueFd pfd = open_beneath(parent, O_PATH | O_DIRECTORY);
	std::string dest = shown_ + w.path;
	if (!w.ino.is_dir()) {
		auto it = links_.find(w.ino.nid);
		if (it != links_.end()) {
			if (linkat(root_.get(), it->second.c_str(), pfd.get(), name.c_str(), 0) != 0)
				throw_errno("cannot create hard link", dest, errno);
			return;
		}
		links_[w.ino.nid] = rel;
	}
	make_node(pfd.get(), name, w);
	set_attrs(pfd.get(), name, w.ino, dest);
	if (w.ino.is_dir())
		dirs_.push_back({rel, w.ino});
}

ExtractStats Extractor::run()
{
	if (mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST)
		throw_errno("cannot create the extract directory", dir_, errno);
	root_ = UniqueFd(open(dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (!root_)
		throw_errno("cannot open the extract directory", dir_, errno);
	walk_tree(img_, [this](const WalkItem &w) { create(w); });
	for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
		UniqueFd fd = open_beneath(it->first, O_PATH | O_DIRECTORY);
		std::string where = shown_ + "/" + it->first;
		set_xattrs(fd.get(), ".", it->second, where);
		if (fchmodat(fd.get(), ".", it->second.mode & 07777, 0) != 0)
			throw_errno("cannot set mode", where, errno);
		set_time(fd.get(), ".", it->second, where);
	}
	return st_;
}

void Extractor::finish_root(const std::string &path)
{
	if (dirs_.empty() || !dirs_.front().first.empty())
		return;
	const InodeInfo &ino = dirs_.front().second;
	UniqueFd fd(open(path.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (!fd)
		throw_errno("cannot open the extract directory", path, errno);
	set_attrs(fd.get(), ".", ino, path);
	set_xattrs(fd.get(), ".", ino, path);
	if (fchmodat(fd.get(), ".", ino.mode & 07777, 0) != 0)
		throw_errno("cannot set mode", path, errno);
	set_time(fd.get(), ".", ino, path);
}

std::string make_stage(const std::string &tmpl_prefix)
{
	std::string t = tmpl_prefix + ".inspect-extract-XXXXXX";
	if (!mkdtemp(t.data()))
		throw_errno("cannot create a staging directory", t, errno);
	return t;
}

}  // namespace

// All or nothing: the tree is built in a hidden staging directory and only
// moved into place once complete.  DIR missing: the stage is
// .NAME.inspect-extract-XXXXXX next to it and is renamed to DIR.  DIR an
// empty directory: the stage is inside it, its entries are renamed into
// DIR and DIR gets the root's attributes.  On any error the stage is
// removed and DIR is as it was.  A non-empty DIR is refused up front.
ExtractStats extract_tree(const Image &img, const std::string &dir_arg)
{
	std::string dir = dir_arg;
	while (dir.size() > 1 && dir.back() == '/')
		dir.pop_back();
	struct stat st;
	bool exists = lstat(dir.c_str(), &st) == 0;
	if (!exists && errno != ENOENT)
		throw_errno("cannot stat the extract directory", dir, errno);
	if (exists && !S_ISDIR(st.st_mode))
		throw Error("the extract target exists and is not a directory", dir);
	if (exists) {
		std::error_code ec;
		if (!std::filesystem::is_empty(dir, ec) || ec)
			throw Error("the extract directory is not empty", dir);
	}
	std::string stage;
	if (exists) {
		stage = make_stage(dir + "/");
	} else {
		size_t slash = dir.rfind('/');
		std::string parent = slash == std::string::npos ? "." : dir.substr(0, slash + 1);
		std::string name = slash == std::string::npos ? dir : dir.substr(slash + 1);
		stage = make_stage(join_path(parent, "." + name));
	}
	try {
		Extractor x(img, stage, dir);
		ExtractStats s = x.run();
		if (!exists) {
			if (rename(stage.c_str(), dir.c_str()) != 0)
				throw_errno("cannot move the extracted tree into place", dir, errno);
			return s;
		}
		for (const auto &e : std::filesystem::directory_iterator(stage)) {
			std::string to = dir + "/" + e.path().filename().string();
			if (renameat2(AT_FDCWD, e.path().c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0)
				throw_errno("cannot move the extracted tree into place", to, errno);
		}
		if (rmdir(stage.c_str()) != 0)
			throw_errno("cannot remove the staging directory", stage, errno);
		x.finish_root(dir);
		return s;
	} catch (...) {
		// Entries already moved into an existing DIR go too: it was empty.
		std::error_code ec;
		std::filesystem::remove_all(stage, ec);
		if (exists)
			for (const auto &e : std::filesystem::directory_iterator(dir, ec))
				std::filesystem::remove_all(e.path(), ec);
		throw;
	}
}

}  // namespace erofs
