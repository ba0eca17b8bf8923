#include "source/dir_scan.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <dirent.h>
#include <exception>
#include <mutex>
#include <thread>
#include <fcntl.h>
#include <map>
#include <regex.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

// Linux 6.13 has xattr calls relative to a directory (one name to look up
// instead of a whole path); older kernels answer ENOSYS and the full path
// is used.  (Numbers of the generic table, x86-64 only here.)
#if defined(__x86_64__)
constexpr long kSysGetxattrat = 464;
constexpr long kSysListxattrat = 465;

struct XattrArgs {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};
std::atomic<bool> g_no_xattrat{false};

bool xattrat_unsupported(long r)
{
	if (r >= 0 || (errno != ENOSYS && errno != EPERM))
		return false;
	g_no_xattrat = true;  // (EPERM: a seccomp filter that does not know them)
	return true;
}
#endif

// An entry of a directory being scanned: `dfd` and `name`, with its full
// path for the fallbacks and messages (dfd AT_FDCWD and name = path for
// the root).
struct At {
	int dfd;
	const char *name;
	const std::string &path;
};

ssize_t list_xattrs(const At &a, char *buf, size_t size)
{
#if defined(__x86_64__)
	if (!g_no_xattrat.load(std::memory_order_relaxed)) {
		long r = syscall(kSysListxattrat, a.dfd, a.name, AT_SYMLINK_NOFOLLOW, buf, size);
		if (!xattrat_unsupported(r))
			return ssize_t(r);
	}
#endif
	return llistxattr(a.path.c_str(), buf, size);
}

ssize_t get_xattr(const At &a, const char *attr, void *buf, size_t size)
{
#if defined(__x86_64__)
	if (!g_no_xattrat.load(std::memory_order_relaxed)) {
		XattrArgs args{uint64_t(reinterpret_cast<uintptr_t>(buf)), uint32_t(size), 0};
		long r = syscall(kSysGetxattrat, a.dfd, a.name, AT_SYMLINK_NOFOLLOW, attr, &args, sizeof(args));
		if (!xattrat_unsupported(r))
			return ssize_t(r);
	}
#endif
	return lgetxattr(a.path.c_str(), attr, buf, size);
}

struct DirJob;

// One name of a scanned directory.  A later name of an inode seen before
// (hard link) gets its own Node here; the merge keeps the first in scan
// order.
struct Entry {
	std::string name;
	std::unique_ptr<Node> node;
	bool linkable = false;
	std::pair<dev_t, ino_t> key{};
	std::unique_ptr<DirJob> sub;  // a directory's own scan
};

struct DirJob {
	Node *dir = nullptr;
	std::string rel;              // path relative to the source ("" for the root)
	std::vector<Entry> entries;   // sorted by name, excluded names left out
	std::exception_ptr error;     // the scan stopped here, after `entries`
};

// Directories are scanned in parallel, each by one thread (names sorted,
// then every entry stat'ed relative to the open directory), and merged in
// one depth-first pass in name order: node ids, hard links (first name in
// that order wins) and the first error are those of a serial scan, for
// any number of threads.
class Scanner {
public:
	Scanner(const ScanOptions &opt) : opt_(opt) {}

	std::unique_ptr<Node> scan_root(const std::string &path, std::unique_ptr<DirJob> &job);
	void run(DirJob &root, unsigned threads);
	void merge(Tree &t, DirJob &j);

private:
	bool excluded(const std::string &rel) const;
	std::unique_ptr<Node> scan_entry(const At &a, const struct stat &st, Node *parent);
	void fill_attrs(Node &n, const struct stat &st);
	void read_xattrs(Node &n, const At &a);
	void read_symlink(Node &n, const At &a);
	void find_holes(Node &n, const At &a);
	void read_dir(DirJob &j);
	void push(std::unique_ptr<DirJob> &owner, Node *dir, std::string rel);
	void work();

	const ScanOptions &opt_;
	std::map<std::pair<dev_t, ino_t>, Node *> links_;  // (merge)
	std::mutex mu_;
	std::condition_variable cv_;
	std::vector<DirJob *> queue_;
	size_t busy_ = 0;
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

void Scanner::read_xattrs(Node &n, const At &a)
{
	char small[1024];
	std::vector<char> big;
	char *names = small;
	ssize_t len = list_xattrs(a, small, sizeof(small));
	if (len < 0 && errno == ERANGE) {
		len = list_xattrs(a, nullptr, 0);
		big.resize(size_t(std::max<ssize_t>(len, 0)));
		names = big.data();
		len = list_xattrs(a, big.data(), big.size());
	}
	if (len < 0 && (errno == ENOTSUP || errno == ENODATA))
		return;
	if (len < 0)
		throw_errno("cannot list xattrs", n.path, errno);
	for (size_t pos = 0; pos < size_t(len);) {
		std::string name(names + pos);
		pos += name.size() + 1;
		ssize_t vlen = get_xattr(a, name.c_str(), nullptr, 0);
		if (vlen < 0 && errno == ENODATA)
			continue;
		if (vlen < 0)
			throw_errno("cannot read xattr " + name, n.path, errno);
		std::string value(size_t(vlen), '\0');
		vlen = get_xattr(a, name.c_str(), value.data(), value.size());
		if (vlen < 0)
			throw_errno("cannot read xattr " + name, n.path, errno);
		value.resize(size_t(vlen));
		n.xattrs.push_back({std::move(name), std::move(value)});
	}
	std::sort(n.xattrs.begin(), n.xattrs.end());
}

void Scanner::read_symlink(Node &n, const At &a)
{
	std::string buf(4096, '\0');
	ssize_t len = readlinkat(a.dfd, a.name, buf.data(), buf.size());
	if (len < 0)
		throw_errno("cannot read symlink", n.path, errno);
	if (size_t(len) >= buf.size())
		throw Error("symlink target longer than 4095 bytes", n.path);
	buf.resize(size_t(len));
	n.target = std::move(buf);
	n.size = n.target.size();
}

void Scanner::find_holes(Node &n, const At &a)
{
	UniqueFd fd(openat(a.dfd, a.name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
	if (!fd)
		throw_errno("cannot open file", n.path, errno);
	auto r = data_ranges(fd.get(), n.size);
	if (r.size() == 1 && r[0].off == 0 && r[0].len == n.size)
		return;
	n.sparse = true;
	n.data = std::move(r);
}

// Everything but the directory's own entries (those are its job's).
std::unique_ptr<Node> Scanner::scan_entry(const At &a, const struct stat &st, Node *parent)
{
	auto n = std::make_unique<Node>();
	n->path = a.path;
	n->parent = parent;
	fill_attrs(*n, st);
	if (opt_.xattrs)
		read_xattrs(*n, a);
	if (n->kind == Kind::Symlink)
		read_symlink(*n, a);
	if (n->kind == Kind::Regular && uint64_t(st.st_blocks) * 512 < n->size)
		find_holes(*n, a);
	return n;
}

void Scanner::push(std::unique_ptr<DirJob> &owner, Node *dir, std::string rel)
{
	owner = std::make_unique<DirJob>();
	owner->dir = dir;
	owner->rel = std::move(rel);
	{
		std::lock_guard<std::mutex> g(mu_);
		queue_.push_back(owner.get());
	}
	cv_.notify_one();
}

void Scanner::read_dir(DirJob &j)
{
	Node &n = *j.dir;
	std::unique_ptr<DIR, int (*)(DIR *)> d(opendir(n.path.c_str()), closedir);
	if (!d)
		throw_errno("cannot open directory", n.path, errno);
	std::vector<std::string> names;
	errno = 0;
	while (struct dirent *de = readdir(d.get())) {
		const char *s = de->d_name;
		if (!(s[0] == '.' && (!s[1] || (s[1] == '.' && !s[2]))))
			names.emplace_back(s);
		errno = 0;
	}
	if (errno)
		throw_errno("cannot read directory", n.path, errno);
	std::sort(names.begin(), names.end());
	int dfd = dirfd(d.get());
	bool filters = !opt_.exclude_paths.empty() || !opt_.exclude_regexes.empty();
	j.entries.reserve(names.size());
	for (auto &name : names) {
		std::string crel;
		if (filters) {
			crel = j.rel.empty() ? name : j.rel + "/" + name;
			if (excluded(crel))
				continue;
		}
		std::string path = join_path(n.path, name);
		if (name.size() > kNameMax)
			throw Error("file name longer than 255 bytes", path);
		struct stat st;
		if (fstatat(dfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno == ENOENT)
				throw Error("file vanished during scan", path);
			throw_errno("cannot stat", path, errno);
		}
		auto node = scan_entry({dfd, name.c_str(), path}, st, &n);
		Entry &e = j.entries.emplace_back();  // (reserved: entries do not move)
		e.node = std::move(node);
		e.linkable = !S_ISDIR(st.st_mode) && st.st_nlink > 1;
		e.key = {st.st_dev, st.st_ino};
		if (e.node->kind == Kind::Directory) {
			if (!filters)
				crel = j.rel.empty() ? name : j.rel + "/" + name;
			push(e.sub, e.node.get(), std::move(crel));
		}
		e.name = std::move(name);
	}
}

void Scanner::work()
{
	std::unique_lock<std::mutex> g(mu_);
	for (;;) {
		cv_.wait(g, [&] { return !queue_.empty() || busy_ == 0; });
		if (queue_.empty())
			return;  // nothing queued and nobody left to queue more
		DirJob *j = queue_.back();
		queue_.pop_back();
		busy_++;
		g.unlock();
		try {
			read_dir(*j);
		} catch (...) {
			j->error = std::current_exception();
		}
		g.lock();
		if (--busy_ == 0 && queue_.empty()) {
			cv_.notify_all();
			return;
		}
	}
}

void Scanner::run(DirJob &root, unsigned threads)
{
	{
		std::lock_guard<std::mutex> g(mu_);
		queue_.push_back(&root);
	}
	std::vector<std::jthread> pool;
	for (unsigned i = 1; i < threads; i++)
		pool.emplace_back([this] { work(); });
	work();
}

// Depth first in name order, as a serial scan adds the nodes.
void Scanner::merge(Tree &t, DirJob &j)
{
	for (auto &e : j.entries) {
		if (e.linkable) {
			auto it = links_.find(e.key);
			if (it != links_.end()) {
				j.dir->children.push_back({std::move(e.name), it->second});
				continue;
			}
		}
		Node *c = t.add(std::move(e.node));
		if (e.linkable)
			links_[e.key] = c;
		j.dir->children.push_back({std::move(e.name), c});
		if (e.sub)
			merge(t, *e.sub);
	}
	if (j.error)
		std::rethrow_exception(j.error);
}

std::unique_ptr<Node> Scanner::scan_root(const std::string &path, std::unique_ptr<DirJob> &job)
{
	struct stat st;
	if (lstat(path.c_str(), &st) != 0)
		throw_errno("cannot stat", path, errno);
	auto n = scan_entry({AT_FDCWD, path.c_str(), path}, st, nullptr);
	if (n->kind == Kind::Directory) {
		job = std::make_unique<DirJob>();
		job->dir = n.get();
	}
	return n;
}

}  // namespace

Tree scan_tree(const std::string &source, const ScanOptions &opt)
{
	Tree t;
	Scanner s(opt);
	std::unique_ptr<DirJob> job;
	t.root = t.add(s.scan_root(source, job));
	if (!job)
		throw Error("source is not a directory", source);
	s.run(*job, std::max(1u, opt.threads));
	s.merge(t, *job);
	t.root->parent = t.root;
	validate_tree(t);
	return t;
}

}  // namespace erofs
