// Real data nobody here wrote: every *.tar in $EROFS_REALDATA_DIR (Debian
// package data tarballs and the debootstrap minbase layer, prepared by
// tests/realdata/prepare.sh) goes through mkfs.erofs++ --tar=f (plain,
// some -zlz4hc) and --tar=i, is checked by inspect --fsck
// --verify-fingerprints and extracted by inspect --extract, and compared
// with GNU tar's extraction of the same tar.  Hidden tag: not in ctest or
// `make check`; `make check-realdata` runs it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "helpers.hpp"

using namespace testutil;
namespace fs = std::filesystem;

namespace {

const std::string kFlags = "--quiet -T0 --mkfs-time -U 11111111-2222-3333-4444-555555555555 ";
const std::string kKey = "trusted.erofs.fingerprint";
const std::string kGnuExtract = "tar --same-owner --xattrs --xattrs-include='*' --numeric-owner -xpf";

struct TreeStats {
	uint64_t entries = 0;	  // every name but the root
	uint64_t data_inodes = 0; // regular inodes with data (hard links once)
	uint64_t bytes = 0;	  // their sizes
};

TreeStats stats_of(const std::string &root)
{
	TreeStats s;
	std::set<std::pair<dev_t, ino_t>> seen;
	for (auto &e : fs::recursive_directory_iterator(root)) {
		s.entries++;
		struct stat st;
		if (lstat(e.path().c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
		    seen.insert({st.st_dev, st.st_ino}).second) {
			s.data_inodes++;
			s.bytes += uint64_t(st.st_size);
		}
	}
	return s;
}

// Directory mtimes as the tar gives them (the last entry of a name wins).
// GNU tar's extraction is no reference for them: it creates symlinks with
// absolute or ".." targets late, through a placeholder, after it has set
// their directory's time.
std::map<std::string, int64_t> tar_dir_mtimes(const std::string &tar)
{
	auto r = run("python3 -c 'import tarfile,sys\n"
		     "for m in tarfile.open(sys.argv[1]):\n"
		     " m.isdir() and print(int(m.mtime), m.name)' " +
		     quote(tar));
	REQUIRE(r.status == 0);
	std::map<std::string, int64_t> m;
	std::istringstream in(r.out);
	std::string line;
	while (std::getline(in, line)) {
		auto sp = line.find(' ');
		std::string name = line.substr(sp + 1);
		while (name.rfind("./", 0) == 0)
			name.erase(0, 2);
		while (!name.empty() && name.back() == '/')
			name.pop_back();
		m[name.empty() || name == "." ? "." : name] = std::stoll(line.substr(0, sp));
	}
	return m;
}

// What diff_trees leaves out: directory mtimes (against the tar's headers)
// and which names share an inode (it compares link counts only).
std::string diff_dirs_and_links(const std::string &a, const std::string &b,
				const std::map<std::string, int64_t> &dir_mtimes)
{
	auto groups = [](const std::string &root) {
		std::map<ino_t, std::set<std::string>> by_ino;
		std::map<std::string, time_t> dir_times;
		std::vector<std::string> paths{root};
		for (auto &e : fs::recursive_directory_iterator(root))
			paths.push_back(e.path().string());
		for (const auto &p : paths) {
			struct stat st;
			if (lstat(p.c_str(), &st))
				continue;
			std::string rel = p == root ? "." : p.substr(root.size() + 1);
			if (S_ISDIR(st.st_mode))
				dir_times[rel] = st.st_mtim.tv_sec;
			else if (st.st_nlink > 1)
				by_ino[st.st_ino].insert(rel);
		}
		std::set<std::set<std::string>> g;
		for (auto &[ino, names] : by_ino)
			g.insert(names);
		return std::make_pair(g, dir_times);
	};
	auto [ga, ta] = groups(a);
	auto [gb, tb] = groups(b);
	for (const auto &[rel, t] : dir_mtimes) {
		auto it = tb.find(rel);
		if (it == tb.end())
			return "missing directory " + rel;
		if (it->second != t)
			return "directory mtime of " + rel + ": tar " + std::to_string(t) + ", ours " +
			       std::to_string(it->second);
	}
	if (ga != gb) {
		for (const auto &g : ga)
			if (!gb.count(g))
				return "hard link group of " + *g.begin() + " differs";
		return "hard link groups differ";
	}
	return "";
}

// With --ishare_key=trusted.*, extraction restores the fingerprint xattr;
// tar -x has none.  Every regular file with data must carry it; drop it.
uint64_t strip_key(const std::string &root, uint64_t &missing)
{
	uint64_t n = 0;
	std::set<ino_t> seen;
	for (auto &e : fs::recursive_directory_iterator(root)) {
		struct stat st;
		if (lstat(e.path().c_str(), &st) || !S_ISREG(st.st_mode) || !seen.insert(st.st_ino).second)
			continue;
		if (lremovexattr(e.path().c_str(), kKey.c_str()) == 0)
			n++;
		else if (st.st_size > 0 && errno == ENODATA)
			missing++;
	}
	return n;
}

std::string fp_line(const std::string &out)
{
	auto p = out.find("fingerprints:");
	return p == std::string::npos ? "" : out.substr(p, out.find('\n', p) - p);
}

double secs_since(std::chrono::steady_clock::time_point t0)
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("real data: Debian package tars and the minbase rootfs extract like tar -x", "[.realdata]")
{
	const char *env = getenv("EROFS_REALDATA_DIR");
	std::string dir = env ? env : "";
	std::vector<std::string> tars;
	if (!dir.empty() && fs::is_directory(dir))
		for (auto &e : fs::directory_iterator(dir))
			if (e.path().extension() == ".tar")
				tars.push_back(e.path().string());
	std::sort(tars.begin(), tars.end());
	if (tars.empty()) {
		WARN("SKIP: no *.tar in EROFS_REALDATA_DIR='" + dir + "' (run tests/realdata/prepare.sh)");
		return;
	}
	auto t_all = std::chrono::steady_clock::now();
	TreeStats total;
	double t_mkfs = 0;
	unsigned images = 0;
	for (size_t i = 0; i < tars.size(); i++) {
		const std::string &tar = tars[i];
		std::string name = fs::path(tar).filename();
		bool rootfs = name.rfind("rootfs-", 0) == 0;
		INFO(name);
		TempDir w;
		std::string theirs = w / "theirs";
		fs::create_directories(theirs);
		auto x = run(kGnuExtract + " " + quote(tar) + " -C " + quote(theirs));
		INFO(x.err);
		REQUIRE(x.status == 0);
		TreeStats st = stats_of(theirs);
		auto dir_mtimes = tar_dir_mtimes(tar);
		total.entries += st.entries;
		total.data_inodes += st.data_inodes;
		total.bytes += st.bytes;

		struct Run {
			std::string label, args;
			bool index, key;
		};
		std::vector<Run> runs = {{"f", "--tar=f --xattr-inode-digest", false, false}};
		if (i % 2)
			runs[0] = {"f noinline", "--tar=f --aufs -Enoinline_data -b4096 --xattr-inode-digest", false,
				   false};
		if (i % 3 == 0 || rootfs)
			runs.push_back({"f lz4hc", "--tar=f -zlz4hc --xattr-inode-digest", false, false});
		if (i % 2 == 0 || rootfs || name.rfind("caps-", 0) == 0)
			runs.push_back({"i", "--tar=i --aufs --ishare_key=" + kKey, true, true});
		for (const auto &r : runs) {
			INFO(r.label);
			std::string img = w / "img", idx = w / "idx", ours = w / "ours";
			auto t0 = std::chrono::steady_clock::now();
			auto m = mkfs(r.args + " " + kFlags + quote(r.index ? idx : img) + " " + quote(tar));
			t_mkfs += secs_since(t0);
			images++;
			INFO(m.err);
			REQUIRE(m.status == 0);
			if (r.index) {
				// the index alone, the tar as device 1
				auto d = inspect("--device=" + quote(tar) + " --fsck --verify-fingerprints " + quote(idx));
				INFO(d.out + d.err);
				CHECK(d.status == 0);
				CHECK(fp_line(d.out) == "fingerprints: " + std::to_string(st.data_inodes) +
								" verified, 0 mismatched, 0 missing");
				REQUIRE(run("cat " + quote(idx) + " " + quote(tar) + " > " + quote(img)).status == 0);
			}
			auto f = inspect("--fsck --verify-fingerprints " + quote(img));
			INFO(f.out + f.err);
			CHECK(f.status == 0);
			CHECK(fp_line(f.out) ==
			      "fingerprints: " + std::to_string(st.data_inodes) + " verified, 0 mismatched, 0 missing");
			auto e = inspect("--extract=" + quote(ours) + " " + quote(img));
			INFO(e.err);
			REQUIRE(e.status == 0);
			if (r.key) {
				uint64_t missing = 0;
				uint64_t n = strip_key(ours, missing);
				CHECK(missing == 0);
				CHECK(n == stats_of(ours).data_inodes);
			}
			CHECK(diff_trees(theirs, ours) == "");
			CHECK(diff_dirs_and_links(theirs, ours, dir_mtimes) == "");
			fs::remove_all(ours);
			fs::remove(img);
			fs::remove(idx);
		}
		// mkfs reads the zstd stream the layer was stored as: same image
		if (rootfs && fs::exists(tar + ".zst.src")) {
			std::string a = w / "plain.img", b = w / "zst.img";
			REQUIRE(mkfs("--tar=f " + kFlags + quote(a) + " " + quote(tar)).status == 0);
			auto z = mkfs("--tar=f " + kFlags + quote(b) + " " + quote(tar + ".zst.src"));
			INFO(z.err);
			REQUIRE(z.status == 0);
			images += 2;
			CHECK(read_bytes(a) == read_bytes(b));
		}
	}
	std::string summary = std::to_string(tars.size()) + " tars, " + std::to_string(total.entries) +
			      " entries, " + std::to_string(total.data_inodes) + " regular files with data, " +
			      std::to_string(total.bytes) + " bytes; " + std::to_string(images) + " images, mkfs " +
			      std::to_string(int(t_mkfs)) + " s, all " + std::to_string(int(secs_since(t_all))) + " s";
	WARN("realdata: " + summary);
}
