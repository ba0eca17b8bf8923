// mkfs.erofs++: build an EROFS image from a directory, optionally compressed.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <getopt.h>
#include <string>
#include <unistd.h>

#include "base/cli.hpp"
#include "compress/codec.hpp"
#include "base/error.hpp"
#include "write/mkfs.hpp"
#include "base/fsutil.hpp"
#include "base/progress.hpp"

using namespace erofs;

namespace {

constexpr const char *kTool = "mkfs.erofs++";
const char *g_tool = kTool;  // "mkfs.erofs" when invoked under that name
constexpr const char *kDefaultKey = "erofs.fingerprint.v1";

void usage(FILE *f)
{
	std::fprintf(f,
		"usage: %s [options] IMAGE SOURCE_DIR\n"
		"       %s --tar=f|i|headerball [options] IMAGE [TAR]\n"
		"Build an EROFS image of SOURCE_DIR, or of a tar stream (TAR, or standard input).\n\n"
		"  -b SIZE                  block size, 512..4096 (default 4096)\n"
		"  -z ALG[,level=N][:ALG2]  compress: lz4, lz4hc (0..12, default 9), zstd (1..22, default 3),\n"
		"                           lzma (0..9, default 6), deflate (1..12, default 9)\n"
		"  -C BYTES                 max pcluster size (multiple of the block size, up to 1 MiB)\n"
		"  -E OPT[,OPT...]          ztailpacking, legacy-compress (full 8-byte indexes),\n"
		"                           dedupe (also identical pclusters are stored once; ^dedupe:\n"
		"                           identical compressed files get blocks each), fragments (file\n"
		"                           tails and files up to 64 KiB in the packed inode),\n"
		"                           all-fragments (all files whole there); fragments=BYTES or\n"
		"                           all-fragments=BYTES: the packed inode's pcluster size (and\n"
		"                           that limit; default 64 KiB or -C if larger), noinline_data\n"
		"                           or ^inline_data (no inline file tails)\n"
		"  --tar=X                  the source is a tar stream: X = f (data copied into the image),\n"
		"                           i (index: data stays in the tar, to be appended to the image;\n"
		"                           512-byte blocks), headerball (headers only; files read as zeros)\n"
		"  --aufs                   tar: .wh.NAME and .wh..wh..opq become overlayfs whiteouts\n"
		"  --ovlfs-strip[=0|1]      tar: drop whiteouts and overlayfs xattrs\n"
		"  --ungzip, --unzstd, --unxz  tar: decompress (default: by magic number)\n"
		"  --sort=path|none         tar: data in path order (default) or stream order\n"
		"  --mkfs-time              -T sets the build time only, not the file times\n"
		"  --max-extent-bytes=N     max decompressed bytes per extent (default 4 MiB)\n"
		"  --compress-hints=FILE    per-path pcluster size and algorithm (PCLUSTER REGEX [ALG#])\n"
		"  -x N                     share xattrs used by more than N inodes (default 2; <0: no xattrs)\n"
		"  -T SECONDS               set every mtime and the build time to SECONDS\n"
		"  -U UUID|clear|random     filesystem UUID (default random)\n"
		"  -L LABEL                 volume label (up to 15 bytes)\n"
		"  --all-root               make every file owned by root\n"
		"  --force-uid=UID          set every file's uid\n"
		"  --force-gid=GID          set every file's gid\n"
		"  --exclude-path=PATH      leave out PATH (relative to SOURCE_DIR)\n"
		"  --exclude-regex=REGEX    leave out paths matching REGEX (POSIX ERE)\n"
		"  --xattr-prefix=PREFIX    register a long xattr name prefix\n"
		"  --ishare_key=NAME        add a SHA-256 fingerprint xattr NAME to regular files\n"
		"  --xattr-inode-digest[=NAME]  same, default NAME %s\n"
		"  --workers=N              worker threads (default: number of CPUs)\n"
		"  --quiet                  no progress output\n"
		"  -h, --help               show this help\n"
		"Environment: SOURCE_DATE_EPOCH clamps mtimes and sets the build time.\n",
		g_tool, g_tool, kDefaultKey);
}

[[noreturn]] void bad(const std::string &what, const std::string &where)
{
	throw Error(what, where);
}

int64_t number(const char *opt, const std::string &v, int64_t lo, int64_t hi)
{
	auto n = parse_int(v, lo, hi);
	if (!n)
		bad("invalid number", std::string(opt) + " " + v);
	return *n;
}

void parse_uuid_option(MkfsOptions &o, const std::string &v)
{
	if (v == "random") {
		o.uuid.reset();
	} else if (v == "clear") {
		o.uuid = std::array<uint8_t, 16>{};
	} else {
		auto u = parse_uuid(v);
		if (!u)
			bad("invalid UUID", "-U " + v);
		o.uuid = *u;
	}
}

void parse_blocksize(MkfsOptions &o, const std::string &v)
{
	int64_t b = number("-b", v, 512, 4096);
	unsigned bits = 9;
	while ((int64_t(1) << bits) < b)
		bits++;
	if ((int64_t(1) << bits) != b)
		bad("block size must be a power of two", "-b " + v);
	o.blkbits = bits;
}

void parse_extended(MkfsOptions &o, const std::string &v)
{
	size_t start = 0;
	while (start <= v.size()) {
		size_t comma = v.find(',', start);
		std::string opt = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
		bool off = !opt.empty() && opt[0] == '^';
		std::string name = off ? opt.substr(1) : opt;
		std::string arg;  // NAME=ARG
		if (auto eq = name.find('='); eq != std::string::npos) {
			arg = name.substr(eq + 1);
			name.resize(eq);
			if (off || (name != "fragments" && name != "all-fragments"))
				bad("extended option '" + opt + "' takes no value", "-E " + v);
			auto n = parse_int(arg, 512, 1 << 20);
			if (!n)
				bad("invalid number", "-E " + opt);
			o.compress.packed_pcluster = uint32_t(*n);
		}
		if (name == "ztailpacking")
			o.compress.ztailpacking = !off;
		else if (name == "legacy-compress" && !off)
			o.compress.legacy_index = true;
		else if (name == "dedupe")
			o.compress.dedupe = o.compress.extent_dedupe = !off;
		else if (name == "fragments")
			o.compress.fragments = !off;
		else if (name == "all-fragments")
			o.compress.all_fragments = !off;
		else if (name == "inline_data")
			o.inline_data = !off;
		else if (name == "noinline_data" && !off)
			o.inline_data = false;
		else
			bad("unknown extended option '" + opt + "' (ztailpacking, legacy-compress, dedupe, fragments, all-fragments, inline_data)", "-E " + v);
		if (comma == std::string::npos)
			break;
		start = comma + 1;
	}
}

enum LongOpt {
	kAllRoot = 256, kForceUid, kForceGid, kExcludePath, kExcludeRegex, kXattrPrefix,
	kIshareKey, kDigest, kWorkers, kQuiet, kHelp, kMaxExtent, kHints,
	kTar, kAufs, kOvlfsStrip, kUngzip, kUnzstd, kUnxz, kSort, kMkfsTime,
};

const struct option kLongOpts[] = {
	{"all-root", no_argument, nullptr, kAllRoot},
	{"force-uid", required_argument, nullptr, kForceUid},
	{"force-gid", required_argument, nullptr, kForceGid},
	{"exclude-path", required_argument, nullptr, kExcludePath},
	{"exclude-regex", required_argument, nullptr, kExcludeRegex},
	{"xattr-prefix", required_argument, nullptr, kXattrPrefix},
	{"ishare_key", required_argument, nullptr, kIshareKey},
	{"ishare-key", required_argument, nullptr, kIshareKey},
	{"xattr-inode-digest", optional_argument, nullptr, kDigest},
	{"workers", required_argument, nullptr, kWorkers},
	{"quiet", no_argument, nullptr, kQuiet},
	{"max-extent-bytes", required_argument, nullptr, kMaxExtent},
	{"compress-hints", required_argument, nullptr, kHints},
	{"help", no_argument, nullptr, kHelp},
	{"tar", optional_argument, nullptr, kTar},
	{"aufs", no_argument, nullptr, kAufs},
	{"ovlfs-strip", optional_argument, nullptr, kOvlfsStrip},
	{"ungzip", optional_argument, nullptr, kUngzip},
	{"gzip", no_argument, nullptr, kUngzip},
	{"unzstd", optional_argument, nullptr, kUnzstd},
	{"unxz", optional_argument, nullptr, kUnxz},
	{"unlzma", optional_argument, nullptr, kUnxz},
	{"sort", required_argument, nullptr, kSort},
	{"mkfs-time", no_argument, nullptr, kMkfsTime},
	{nullptr, 0, nullptr, 0},
};

std::string g_hints;  // --compress-hints, loaded once -z and -b are known

bool parse_option(MkfsOptions &o, int c, const std::string &v, bool &quiet)
{
	switch (c) {
	case 'b': parse_blocksize(o, v); break;
	case 'x': o.xattr_tolerance = int(number("-x", v, -1000000, 1000000)); break;
	case 'T': o.fixed_time = number("-T", v, 0, INT64_MAX); break;
	case 'U': parse_uuid_option(o, v); break;
	case 'L': o.label = v; break;
	case 'z': o.compress.algs = parse_compress_option(v); break;
	case 'C': o.compress.pcluster = uint32_t(number("-C", v, 512, 1 << 20)); break;
	case 'E': parse_extended(o, v); break;
	case kHints: g_hints = v; break;
	case kMaxExtent:
		o.compress.max_extent = uint64_t(number("--max-extent-bytes", v, 4096, 12 << 20));
		break;
	case kAllRoot: o.all_root = true; break;
	case kForceUid: o.force_uid = uint32_t(number("--force-uid", v, 0, UINT32_MAX)); break;
	case kForceGid: o.force_gid = uint32_t(number("--force-gid", v, 0, UINT32_MAX)); break;
	case kExcludePath: o.exclude_paths.push_back(v); break;
	case kExcludeRegex: o.exclude_regexes.push_back(v); break;
	case kXattrPrefix: o.xattr_prefixes.push_back(v); break;
	case kIshareKey: o.ishare_key = v; break;
	case kDigest: o.ishare_key = v.empty() ? kDefaultKey : v; break;
	case kWorkers: o.workers = unsigned(number("--workers", v, 1, 1024)); break;
	case kQuiet: quiet = true; break;
	case kTar:
		if (v.empty() || v == "f")
			o.tar = TarMode::Full;
		else if (v == "i" || v == "0")
			o.tar = TarMode::Index;
		else if (v == "headerball")
			o.tar = TarMode::Headerball;
		else
			bad("unknown tar mode (f, i, headerball)", "--tar=" + v);
		break;
	case kAufs: o.aufs = true; break;
	case kOvlfsStrip:
		if (!v.empty() && v != "0" && v != "1")
			bad("expected 0 or 1", "--ovlfs-strip=" + v);
		o.ovlfs_strip = v != "0";
		break;
	case kUngzip: o.tar_compression = TarCompression::Gzip; break;
	case kUnzstd: o.tar_compression = TarCompression::Zstd; break;
	case kUnxz: o.tar_compression = TarCompression::Xz; break;
	case kSort:
		if (v != "path" && v != "none")
			bad("expected path or none", "--sort=" + v);
		o.sort_none = v == "none";
		break;
	case kMkfsTime: o.mkfs_time = true; break;
	default: return false;
	}
	return true;
}

int run(int argc, char **argv)
{
	MkfsOptions o;
	bool quiet = false;
	int c;
	while ((c = getopt_long(argc, argv, "b:x:T:U:L:z:C:E:h", kLongOpts, nullptr)) != -1) {
		if (c == 'h' || c == kHelp) {
			usage(stdout);
			return 0;
		}
		if (!parse_option(o, c, optarg ? optarg : "", quiet)) {
			usage(stderr);
			return 2;
		}
	}
	int nargs = argc - optind;
	if (nargs != 2 && !(o.tar && nargs == 1)) {
		usage(stderr);
		return 2;
	}
	o.image = argv[optind];
	o.source = nargs == 2 ? argv[optind + 1] : "";
	if (o.tar == TarMode::Index) {
		if (o.compress.enabled())
			bad("index mode keeps the data in the tar; it cannot be compressed", "--tar=i");
		o.blkbits = 9;  // tar data lies on 512-byte boundaries
	}
	if (!g_hints.empty()) {
		if (!o.compress.enabled())
			bad("compress hints need -z", "--compress-hints=" + g_hints);
		o.compress.hints = load_compress_hints(g_hints, o.compress, o.blkbits);
	}
	if (const char *sde = std::getenv("SOURCE_DATE_EPOCH"); sde && *sde && !o.fixed_time)
		o.source_date_epoch = number("SOURCE_DATE_EPOCH", sde, 0, INT64_MAX);
	if (const char *hook = std::getenv("EROFSPP_TEST_AFTER_SCAN"))
		o.after_scan_hook = hook;
	bool tty = !quiet && isatty(STDOUT_FILENO);
	o.progress = tty;
	o.warn = [](const std::string &m) { std::fprintf(stderr, "%s: warning: %s\n", g_tool, m.c_str()); };
	auto r = build_image(o);
	if (tty) {
		std::printf("%s: %llu inodes, %llu blocks, %s", o.image.c_str(), (unsigned long long)r.inodes,
			    (unsigned long long)r.blocks, human_bytes(r.image_bytes).c_str());
		if (r.shared_blocks)
			std::printf(" (%llu blocks of identical files stored once)",
				    (unsigned long long)r.shared_blocks);
		std::printf("\n");
	}
	return 0;
}

}  // namespace

int main(int argc, char **argv)
{
	std::signal(SIGXFSZ, SIG_IGN);  // over-size writes fail with EFBIG instead
	// Installed (or linked) as mkfs.erofs, it answers to that name, so a
	// container runtime can find it first in its PATH.
	std::string self = argc ? base_name(argv[0]) : kTool;
	if (self == "mkfs.erofs")
		g_tool = "mkfs.erofs";
	return run_main(g_tool, [&] { return run(argc, argv); });
}
