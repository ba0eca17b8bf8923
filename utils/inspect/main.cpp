// inspect.erofs++: look into EROFS images (ours, Debian mkfs.erofs 1.5,
// newer erofs-utils): superblock, listing, stat, cat, extract, fsck with
// fingerprint verification, and content overlap between images.
#include <cstdio>
#include <getopt.h>
#include <string>
#include <unistd.h>
#include <vector>

#include "base/cli.hpp"
#include "read/content.hpp"
#include "read/dir_read.hpp"
#include "base/error.hpp"
#include "read/extract.hpp"
#include "report.hpp"

using namespace erofs;

namespace {

constexpr const char *kTool = "inspect.erofs++";

void usage(FILE *f)
{
	std::fprintf(f,
		"usage: %s [options] IMAGE [IMAGE2...]\n"
		"  --sb                     superblock fields and features (default)\n"
		"  --ls[=PATH]              list a directory (default /)\n"
		"  --stat=PATH | --nid=N    inode layout, sizes, times and xattrs\n"
		"  --cat=PATH               write a file's content to stdout\n"
		"  --extract=DIR            recreate the tree under DIR\n"
		"  --fsck                   check the whole image, reading all data\n"
		"  --verify-fingerprints    with --fsck: recompute every fingerprint\n"
		"  --overlap IMG2 [IMG3...] content shared between images\n"
		"  --json                   JSON output for --sb, --stat, --fsck, --overlap\n"
		"  --workers=N              threads for --fsck and --overlap (default: CPUs)\n"
		"  --device=FILE            read extra device 1 (then 2, ...) from FILE, e.g. the tar\n"
		"                           of a --tar=i image (default: appended to the image)\n"
		"  -h, --help               show this help\n",
		kTool);
}

struct Args {
	std::string action = "sb";
	std::string arg;
	bool json = false;
	bool verify = false;
	bool nid = false;
	unsigned workers = 0;
	std::vector<std::string> images;
	std::vector<std::string> devices;  // --device=FILE, in device order
};

enum { kSb = 256, kLs, kStat, kNid, kCat, kExtract, kFsck, kVerify, kOverlap, kJson, kWorkers, kHelp, kDevice };

const struct option kOpts[] = {
	{"sb", no_argument, nullptr, kSb}, {"ls", optional_argument, nullptr, kLs},
	{"stat", required_argument, nullptr, kStat}, {"nid", required_argument, nullptr, kNid},
	{"cat", required_argument, nullptr, kCat}, {"extract", required_argument, nullptr, kExtract},
	{"fsck", no_argument, nullptr, kFsck}, {"verify-fingerprints", no_argument, nullptr, kVerify},
	{"overlap", no_argument, nullptr, kOverlap}, {"json", no_argument, nullptr, kJson},
	{"workers", required_argument, nullptr, kWorkers}, {"help", no_argument, nullptr, kHelp},
	{"device", required_argument, nullptr, kDevice},
	{nullptr, 0, nullptr, 0},
};

const char *action_of(int c)
{
	switch (c) {
	case kSb: return "sb";
	case kLs: return "ls";
	case kStat: case kNid: return "stat";
	case kCat: return "cat";
	case kExtract: return "extract";
	case kFsck: return "fsck";
	case kOverlap: return "overlap";
	}
	return nullptr;
}

// Returns false on a usage error.
bool parse(int argc, char **argv, Args &a)
{
	int c;
	while ((c = getopt_long(argc, argv, "h", kOpts, nullptr)) != -1) {
		if (c == 'h' || c == kHelp) {
			a.action = "help";
		} else if (const char *act = action_of(c)) {
			a.action = act;
			a.arg = optarg ? optarg : "";
			a.nid = c == kNid;
		} else if (c == kJson) {
			a.json = true;
		} else if (c == kVerify) {
			a.verify = true;
		} else if (c == kDevice) {
			a.devices.push_back(optarg);
		} else if (c == kWorkers) {
			auto n = parse_int(optarg, 1, 1024);
			if (!n)
				throw Error("invalid number", std::string("--workers=") + optarg);
			a.workers = unsigned(*n);
		} else {
			return false;
		}
	}
	for (int i = optind; i < argc; i++)
		a.images.push_back(argv[i]);
	if (a.action == "help")
		return true;
	if (a.images.empty() || (a.images.size() > 1 && a.action != "overlap"))
		return false;
	return true;
}

InodeInfo target(const Image &img, const Args &a, std::string &path)
{
	if (!a.nid) {
		path = a.arg.empty() ? "/" : a.arg;
		return lookup(img, path);
	}
	auto n = parse_int(a.arg, 0, INT64_MAX);
	if (!n)
		throw Error("invalid nid", "--nid=" + a.arg);
	path = "nid " + a.arg;
	return read_inode(img, uint64_t(*n));
}

int out(const std::string &s)
{
	std::fputs(s.c_str(), stdout);
	return 0;
}

int run_action(const Args &a)
{
	if (a.action == "overlap") {
		auto r = compute_overlap(a.images, a.workers);
		return out(a.json ? overlap_json(r) : overlap_text(r));
	}
	Image img(a.images[0]);
	for (size_t i = 0; i < a.devices.size(); i++)
		img.attach_device(unsigned(i + 1), a.devices[i]);
	std::string path;
	if (a.action == "sb")
		return out(a.json ? sb_json(img) : sb_text(img));
	if (a.action == "ls")
		return out(ls_text(img, target(img, a, path), path));
	if (a.action == "stat") {
		auto ino = target(img, a, path);
		return out(a.json ? stat_json(img, ino, path) : stat_text(img, ino, path));
	}
	if (a.action == "cat") {
		auto ino = target(img, a, path);
		if (!ino.is_reg() && !ino.is_symlink())
			throw Error("not a regular file", path);
		copy_content(img, ino, STDOUT_FILENO, "stdout", false);
		return 0;
	}
	if (a.action == "extract") {
		extract_tree(img, a.arg);
		return 0;
	}
	FsckOptions fo;
	fo.verify_fingerprints = a.verify;
	fo.workers = a.workers;
	fo.progress = isatty(STDERR_FILENO) && !a.json;
	auto r = run_fsck(img, fo);
	out(a.json ? fsck_json(r) : fsck_text(r));
	return r.clean() ? 0 : 1;
}

int run(int argc, char **argv)
{
	Args a;
	if (!parse(argc, argv, a)) {
		usage(stderr);
		return 2;
	}
	if (a.action == "help") {
		usage(stdout);
		return 0;
	}
	return run_action(a);
}

}  // namespace

int main(int argc, char **argv)
{
	return run_main(kTool, [&] { return run(argc, argv); });
}
