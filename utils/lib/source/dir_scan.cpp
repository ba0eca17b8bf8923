#include "source/dir_scan.hpp"

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <regex.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/error.hpp"
#include "base/fsutil.hpp"

namespace erofs {

struct PathRegex::Impl {
	regex_t re{};
};

PathRegex::PathRegex(const std::string &pattern) : impl_(std::make_unique<Impl>())
{
	int rc = regcomp(&impl_->re, pattern.c_str(), REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char msg[256];
		regerror(rc, &impl_->re, msg, sizeof(msg));
		impl_.reset();
		throw Error(std::string("invalid regular expression: ") + msg, pattern);
	}
}

PathRegex::~PathRegex()
{
	if (impl_)
		regfree(&impl_->re);
}

bool PathRegex::matches(const std::string &s) const
{
	return regexec(&impl_->re, s.c_str(), 0, nullptr, 0) == 0;
}

Kind kind_of_mode(uint32_t mode, const std::string &path)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return Kind::Regular;
	case S_IFDIR: return Kind::Directory;
	case S_IFLNK: return Kind::Symlink;
	case S_IFCHR: return Kind::CharDev;
	case S_IFBLK: return Kind::BlockDev;
	case S_IFIFO: return Kind::Fifo;
	case S_IFSOCK: return Kind::Socket;
	}
	throw Error("unsupported file type", path);
}

std::vector<DataRange> data_ranges(int fd, uint64_t size)
{
	std::vector<DataRange> r;
	off_t pos = 0;
	while (uint64_t(pos) < size) {
		off_t d = lseek(fd, pos, SEEK_DATA);
		if (d < 0) {
			if (errno == ENXIO)
				break;  // only a hole remains
			return {{0, size}};
		}
		off_t h = lseek(fd, d, SEEK_HOLE);
		if (h < 0 || uint64_t(h) > size)
			h = off_t(size);
		if (h > d)
			r.push_back({uint64_t(d), uint64_t(h - d)});
		pos = h;
	}
	return r;
}

void apply_owner_time(Node &n, uint32_t uid, uint32_t gid, int64_t mtime,
                      uint32_t mtime_nsec, const ScanOptions &opt)
{
	n.uid = opt.all_root ? 0 : uid;
	n.gid = opt.all_root ? 0 : gid;
	if (opt.force_uid)
		n.uid = *opt.force_uid;
	if (opt.force_gid)
		n.gid = *opt.force_gid;
	n.mtime = mtime;
	n.mtime_nsec = mtime_nsec;
	bool clamp = opt.time_mode == TimeMode::Clamp && n.mtime >= opt.timestamp;
	if (opt.time_mode == TimeMode::Fixed || clamp) {
		n.mtime = opt.timestamp;
		n.mtime_nsec = 0;
	}
}

namespace {

class Scanner {
public:
	Scanner(const ScanOptions &opt, Tree &t) : opt_(opt), tree_(t) {}

	Node *scan(const std::string &path, const std::string &rel, Node *parent);

private:
	bool excluded(const std::string &rel) const;
	void fill_attrs(Node &n, const struct stat &st);
	void read_xattrs(Node &n);
	void read_symlink(Node &n);
	void find_holes(Node &n);
	void read_dir(Node &n, const std::string &rel);

	const ScanOptions &opt_;
	Tree &tree_;
	std::map<std::pair<dev_t, ino_t>, Node *> links_;
};

bool Scanner::excluded(const std::string &rel) const
{
	for (const auto &p : opt_.exclude_paths)
		if (p == rel)
			return true;
	for (const auto &re : opt_.exclude_regexes)
		if (re->matches(rel))
			return true;
	return false;
}

void Scanner::fill_attrs(Node &n, const struct stat &st)
{
	n.kind = kind_of_mode(st.st_mode, n.path);
	n.mode = st.st_mode;
	apply_owner_time(n, st.st_uid, st.st_gid, st.st_mtim.tv_sec,
	                 uint32_t(st.st_mtim.tv_nsec), opt_);
	if (n.kind == Kind::Regular)
		n.size = uint64_t(st.st_size);
	if (n.kind == Kind::CharDev || n.kind == Kind::BlockDev)
		n.rdev = encode_dev(major(st.st_rdev), minor(st.st_rdev));
}

void Scanner::read_xattrs(Node &n)
{
	std::string names(1024, '\0');
	ssize_t len = llistxattr(n.path.c_str(), names.data(), names.size());
	if (len < 0 && errno == ERANGE) {
		len = llistxattr(n.path.c_str(), nullptr, 0);
		names.assign(size_t(std::max<ssize_t>(len, 0)), '\0');
		len = llistxattr(n.path.c_str(), names.data(), names.size());
	}
	if (len < 0 && (errno == ENOTSUP || errno == ENODATA))
		return;
	if (len < 0)
		throw_errno("cannot list xattrs", n.path, errno);
	names.resize(size_t(len));
	for (size_t pos = 0; pos < names.size();) {
		std::string name(names.c_str() + pos);
		pos += name.size() + 1;
		ssize_t vlen = lgetxattr(n.path.c_str(), name.c_str(), nullptr, 0);
		if (vlen < 0 && errno == ENODATA)
			continue;
		if (vlen < 0)
			throw_errno("cannot read xattr " + name, n.path, errno);
		std::string value(size_t(vlen), '\0');
		vlen = lgetxattr(n.path.c_str(), name.c_str(), value.data(), value.size());
		if (vlen < 0)
			throw_errno("cannot read xattr " + name, n.path, errno);
		value.resize(size_t(vlen));
		n.xattrs.push_back({std::move(name), std::move(value)});
	}
	std::sort(n.xattrs.begin(), n.xattrs.end());
}

void Scanner::read_symlink(Node &n)
{
	std::string buf(4096, '\0');
	ssize_t len = readlink(n.path.c_str(), buf.data(), buf.size());
	if (len < 0)
		throw_errno("cannot read symlink", n.path, errno);
	if (size_t(len) >= buf.size())
		throw Error("symlink target longer than 4095 bytes", n.path);
	buf.resize(size_t(len));
	n.target = std::move(buf);
	n.size = n.target.size();
}

void Scanner::find_holes(Node &n)
{
	UniqueFd fd(open(n.path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
	if (!fd)
		throw_errno("cannot open file", n.path, errno);
	auto r = data_ranges(fd.get(), n.size);
	if (r.size() == 1 && r[0].off == 0 && r[0].len == n.size)
		return;
	n.sparse = true;
	n.data = std::move(r);
}

void Scanner::read_dir(Node &n, const std::string &rel)
{
	std::unique_ptr<DIR, int (*)(DIR *)> d(opendir(n.path.c_str()), closedir);
	if (!d)
		throw_errno("cannot open directory", n.path, errno);
	std::vector<std::string> names;
	errno = 0;
	while (struct dirent *de = readdir(d.get())) {
		std::string name = de->d_name;
		if (name != "." && name != "..")
			names.push_back(std::move(name));
		errno = 0;
	}
	if (errno)
		throw_errno("cannot read directory", n.path, errno);
	std::sort(names.begin(), names.end());
	for (auto &name : names) {
		std::string crel = rel.empty() ? name : rel + "/" + name;
		if (excluded(crel))
			continue;
		if (name.size() > kNameMax)
			throw Error("file name longer than 255 bytes", join_path(n.path, name));
		Node *c = scan(join_path(n.path, name), crel, &n);
		if (c)
			n.children.push_back({std::move(name), c});
	}
}

Node *Scanner::scan(const std::string &path, const std::string &rel, Node *parent)
{
	struct stat st;
	if (lstat(path.c_str(), &st) != 0) {
		if (errno == ENOENT && parent)
			throw Error("file vanished during scan", path);
		throw_errno("cannot stat", path, errno);
	}
	bool linkable = !S_ISDIR(st.st_mode) && st.st_nlink > 1;
	if (linkable) {
		auto it = links_.find({st.st_dev, st.st_ino});
		if (it != links_.end())
			return it->second;
	}
	auto owned = std::make_unique<Node>();
	Node *n = owned.get();
	n->path = path;
	n->parent = parent;
	fill_attrs(*n, st);
	tree_.add(std::move(owned));
	if (linkable)
		links_[{st.st_dev, st.st_ino}] = n;
	if (opt_.xattrs)
		read_xattrs(*n);
	if (n->kind == Kind::Symlink)
		read_symlink(*n);
	if (n->kind == Kind::Regular && uint64_t(st.st_blocks) * 512 < n->size)
		find_holes(*n);
	if (n->kind == Kind::Directory)
		read_dir(*n, rel);
	return n;
}

}  // namespace

Tree scan_tree(const std::string &source, const ScanOptions &opt)
{
	Tree t;
	Scanner s(opt, t);
	t.root = s.scan(source, "", nullptr);
	if (t.root->kind != Kind::Directory)
		throw Error("source is not a directory", source);
	t.root->parent = t.root;
	validate_tree(t);
	return t;
}

}  // namespace erofs
