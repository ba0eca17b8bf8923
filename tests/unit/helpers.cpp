#include "helpers.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fcntl.h>

#include "base/crc32c.hpp"
#include "base/fsutil.hpp"
#include "erofs/format.hpp"
#include "source/dir_scan.hpp"

namespace fs = std::filesystem;

namespace testutil {

TempDir::TempDir()
{
	const char *t = getenv("TMPDIR");
	std::string tmpl = std::string(t && *t ? t : "/tmp") + "/erofspp-test.XXXXXX";
	if (!mkdtemp(tmpl.data()))
		throw std::runtime_error("mkdtemp failed");
	path_ = tmpl;
	chmod(path_.c_str(), 0755);
}

TempDir::~TempDir()
{
	std::error_code ec;
	fs::remove_all(path_, ec);
}

std::string quote(const std::string &s)
{
	std::string o = "'";
	for (char c : s)
		o += c == '\'' ? std::string("'\\''") : std::string(1, c);
	return o + "'";
}

RunResult run(const std::string &cmdline)
{
	TempDir io;
	std::string cmd = "(" + cmdline + ") >" + io / "out" + " 2>" + io / "err" + " </dev/null";
	int st = std::system(cmd.c_str());
	RunResult r;
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r.out = read_file(io / "out");
	r.err = read_file(io / "err");
	return r;
}

std::string mkfs_bin() { return MKFS_BIN; }
std::string inspect_bin() { return INSPECT_BIN; }

RunResult mkfs(const std::string &args)
{
	return run(quote(mkfs_bin()) + " " + args);
}

RunResult inspect(const std::string &args)
{
	return run(quote(inspect_bin()) + " " + args);
}

void write_file(const std::string &path, const std::string &data)
{
	std::ofstream f(path, std::ios::binary | std::ios::trunc);
	f.write(data.data(), std::streamsize(data.size()));
	if (!f)
		throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	std::stringstream s;
	s << f.rdbuf();
	return s.str();
}

std::string random_bytes(size_t n, uint32_t seed)
{
	std::mt19937 g(seed);
	std::string s(n, '\0');
	for (auto &c : s)
		c = char(g() & 0xFF);
	return s;
}

void set_xattr(const std::string &path, const std::string &name, const std::string &value)
{
	if (lsetxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0) != 0)
		throw std::runtime_error("setxattr " + name + " on " + path + ": " + strerror(errno));
}

namespace {

std::string acl_value()
{
	// posix_acl_xattr v2: user::rw- user:1000:rw- group::r-- mask::rw- other::r--
	struct E { uint16_t tag, perm; uint32_t id; };
	const E es[] = {{1, 6, ~0u}, {2, 6, 1000}, {4, 4, ~0u}, {0x10, 6, ~0u}, {0x20, 4, ~0u}};
	std::string v(4, '\0');
	v[0] = 2;
	for (const auto &e : es) {
		char b[8];
		memcpy(b, &e.tag, 2);
		memcpy(b + 2, &e.perm, 2);
		memcpy(b + 4, &e.id, 4);
		v.append(b, 8);
	}
	return v;
}

void make_socket(const std::string &path)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a {};
	a.sun_family = AF_UNIX;
	if (path.size() >= sizeof(a.sun_path))
		throw std::runtime_error("socket path too long");
	strcpy(a.sun_path, path.c_str());
	if (bind(s, reinterpret_cast<sockaddr *>(&a), sizeof(a)) != 0)
		throw std::runtime_error("bind " + path);
	close(s);
}

void touch_time(const std::string &p, int64_t sec, long nsec)
{
	struct timespec ts[2] = {{sec, nsec}, {sec, nsec}};
	utimensat(AT_FDCWD, p.c_str(), ts, AT_SYMLINK_NOFOLLOW);
}

void make_files(const std::string &d)
{
	const size_t sizes[] = {0, 1, 100, 511, 512, 513, 4095, 4096, 4097, 8191, 8192, 12289, 70000, 1000000};
	for (size_t i = 0; i < std::size(sizes); i++)
		write_file(d + "/f" + std::to_string(sizes[i]), random_bytes(sizes[i], uint32_t(i + 1)));
	write_file(d + "/dup1", "same content\n");
	write_file(d + "/dup2", "same content\n");
	fs::create_directories(d + "/big");
	for (int i = 0; i < 400; i++)
		write_file(d + "/big/entry-with-a-rather-long-name-" + std::to_string(i), std::to_string(i));
	fs::create_directories(d + "/a/b/c/d");
	write_file(d + "/a/b/c/d/deep", "deep\n");
	std::string longname(255, 'n');
	write_file(d + "/a/" + longname, "max name\n");
	symlink("f100", (d + "/link").c_str());
	symlink(std::string(3000, 'x').c_str(), (d + "/longlink").c_str());
	symlink("a/b/c", (d + "/a/dirlink").c_str());
}

void make_specials(const std::string &d)
{
	mknod((d + "/null").c_str(), S_IFCHR | 0666, makedev(1, 3));
	mknod((d + "/blk").c_str(), S_IFBLK | 0660, makedev(259, 70000));
	mkfifo((d + "/fifo").c_str(), 0644);
	make_socket(d + "/sock");
	write_file(d + "/hard1", "linked\n");
	link((d + "/hard1").c_str(), (d + "/a/hard2").c_str());
	link((d + "/hard1").c_str(), (d + "/a/b/hard3").c_str());
}

void make_attrs(const std::string &d)
{
	set_xattr(d + "/f100", "user.mime", "text/plain");
	set_xattr(d + "/f100", "user.bin", std::string("\x00\x01\xff", 3));
	set_xattr(d + "/f4096", "trusted.overlay.opaque", "y");
	set_xattr(d + "/a", "user.dir", "yes");
	set_xattr(d + "/f0", "user.empty", "");
	for (const char *f : {"f1", "f511", "f512", "f513"})
		set_xattr(d + "/" + f, "user.shared", "shared value");
	set_xattr(d + "/f70000", "user.big", std::string(3000, 'v'));
	set_xattr(d + "/f8192", "system.posix_acl_access", acl_value());
	set_xattr(d + "/a", "system.posix_acl_default", acl_value());
	chmod((d + "/f1").c_str(), 04755);
	chmod((d + "/a/b").c_str(), 01777);
	chown((d + "/f511").c_str(), 70000, 80000);
	chown((d + "/f513").c_str(), 1000, 1001);
	touch_time(d + "/f512", 1234567890, 123456789);
	touch_time(d + "/link", 1000000000, 5);
}

}  // namespace

void make_zoo(const std::string &d, bool huge)
{
	fs::create_directories(d);
	make_files(d);
	make_specials(d);
	make_attrs(d);
	if (huge) {
		std::string p = d + "/huge-sparse";
		write_file(p, "head");
		fs::resize_file(p, (uint64_t(5) << 30));
		std::ofstream f(p, std::ios::binary | std::ios::in | std::ios::out);
		f.seekp(std::streamoff(uint64_t(5) << 30));
		f << "tail";
		f.close();
		write_file(d + "/all-hole", "");
		fs::resize_file(d + "/all-hole", 1 << 20);
	}
}

namespace {

std::map<std::string, std::string> xattrs_of(const std::string &p)
{
	std::map<std::string, std::string> m;
	char names[65536];
	ssize_t n = llistxattr(p.c_str(), names, sizeof(names));
	for (ssize_t i = 0; i < n; i += ssize_t(strlen(names + i)) + 1) {
		char v[65536];
		ssize_t vl = lgetxattr(p.c_str(), names + i, v, sizeof(v));
		m[names + i] = vl >= 0 ? std::string(v, size_t(vl)) : "?";
	}
	return m;
}

bool same_content(const std::string &a, const std::string &b, uint64_t size)
{
	erofs::UniqueFd fa(open(a.c_str(), O_RDONLY)), fb(open(b.c_str(), O_RDONLY));
	auto ra = erofs::data_ranges(fa.get(), size), rb = erofs::data_ranges(fb.get(), size);
	ra.insert(ra.end(), rb.begin(), rb.end());
	std::vector<char> x(1 << 20), y(1 << 20);
	for (const auto &r : ra) {
		for (uint64_t o = r.off; o < r.off + r.len;) {
			size_t n = size_t(std::min<uint64_t>(x.size(), r.off + r.len - o));
			if (pread(fa.get(), x.data(), n, off_t(o)) != ssize_t(n) ||
			    pread(fb.get(), y.data(), n, off_t(o)) != ssize_t(n) || memcmp(x.data(), y.data(), n))
				return false;
			o += n;
		}
	}
	return true;
}

std::string diff_one(const std::string &pa, const std::string &pb, const std::string &rel)
{
	struct stat a, b;
	if (lstat(pa.c_str(), &a) || lstat(pb.c_str(), &b))
		return "missing " + rel;
	if (a.st_mode != b.st_mode)
		return "mode of " + rel;
	if (a.st_uid != b.st_uid || a.st_gid != b.st_gid)
		return "owner of " + rel;
	if (a.st_nlink != b.st_nlink && !S_ISDIR(a.st_mode))
		return "nlink of " + rel;
	if (!S_ISDIR(a.st_mode) && (a.st_mtim.tv_sec != b.st_mtim.tv_sec || a.st_mtim.tv_nsec != b.st_mtim.tv_nsec))
		return "mtime of " + rel;
	if (S_ISREG(a.st_mode) && (a.st_size != b.st_size || !same_content(pa, pb, uint64_t(a.st_size))))
		return "content of " + rel;
	if (S_ISLNK(a.st_mode) && fs::read_symlink(pa) != fs::read_symlink(pb))
		return "target of " + rel;
	if ((S_ISCHR(a.st_mode) || S_ISBLK(a.st_mode)) && a.st_rdev != b.st_rdev)
		return "rdev of " + rel;
	if (xattrs_of(pa) != xattrs_of(pb))
		return "xattrs of " + rel;
	return "";
}

}  // namespace

std::string diff_trees(const std::string &a, const std::string &b, bool)
{
	std::vector<std::string> ra, rb;
	for (auto &e : fs::recursive_directory_iterator(a))
		ra.push_back(e.path().string().substr(a.size() + 1));
	for (auto &e : fs::recursive_directory_iterator(b))
		rb.push_back(e.path().string().substr(b.size() + 1));
	std::sort(ra.begin(), ra.end());
	std::sort(rb.begin(), rb.end());
	if (ra != rb)
		return "different file lists";
	std::string d = diff_one(a, b, ".");
	for (const auto &r : ra) {
		if (!d.empty())
			break;
		d = diff_one(a + "/" + r, b + "/" + r, r);
	}
	return d;
}

std::vector<uint8_t> read_bytes(const std::string &path)
{
	auto s = read_file(path);
	return {s.begin(), s.end()};
}

void write_bytes(const std::string &path, const std::vector<uint8_t> &b)
{
	write_file(path, std::string(b.begin(), b.end()));
}

void fix_sb_crc(std::vector<uint8_t> &img)
{
	if (img.size() < 1024 + 128)
		return;
	unsigned bits = img[1024 + 12];
	if (bits < 9 || bits > 12)
		return;
	size_t bs = size_t(1) << bits;
	size_t len = bs > 1024 ? bs - 1024 : bs;
	if (img.size() < 1024 + len)
		return;
	std::span<uint8_t> blk(img.data() + 1024, len);
	erofs::le::store<uint32_t>(blk, 4, 0);
	erofs::le::store<uint32_t>(blk, 4, erofs::crc32c_erofs(blk));
}

std::vector<std::string> list_dir(const std::string &dir)
{
	std::vector<std::string> v;
	for (auto &e : fs::directory_iterator(dir))
		v.push_back(e.path().filename());
	std::sort(v.begin(), v.end());
	return v;
}

std::string peer_tool(const std::string &name, PeerUse use)
{
	const char *p = std::getenv("EROFS_PEER_PREFIX");
	std::string bin = std::string(p && *p ? p : "/opt/erofs-utils-1.9.3") + "/bin/" + name;
	if (access(bin.c_str(), X_OK) == 0)
		return bin;
	if (use == PeerUse::Required)
		std::cout << "erofs-utils peer not found: no executable " << bin
			  << " (set EROFS_PEER_PREFIX); test skipped\n";
	else
		std::cout << "no executable " << bin << " (set EROFS_PEER_PREFIX): the erofs-utils checks are left out\n";
	return "";
}

}  // namespace testutil
