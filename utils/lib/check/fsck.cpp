#include "check/fsck.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <unordered_set>

#include "read/content.hpp"
#include "base/parallel.hpp"
#include "base/progress.hpp"
#include "read/walk.hpp"

namespace erofs {

namespace {

struct FileJob {
	std::string path;
	InodeInfo ino;
	// What checking it found, merged into the report in walk order.
	std::vector<std::string> errors, warnings;
};

class Checker {
public:
	Checker(const Image &img, const FsckOptions &opt) : img_(img), opt_(opt) {}
	FsckReport run();

private:
	void visit(const WalkItem &w);
	void check_file(FileJob &f);
	void check_fingerprint(FileJob &f);
	void error(const std::string &msg)
	{
		std::lock_guard<std::mutex> g(mu_);
		if (rep_.errors.size() < opt_.max_errors)
			rep_.errors.push_back(msg);
	}

	const Image &img_;
	const FsckOptions &opt_;
	FsckReport rep_;
	std::mutex mu_;
	std::unordered_set<uint64_t> seen_;
	std::vector<FileJob> files_;
	std::atomic<uint64_t> files_done_{0};
	std::atomic<uint64_t> bytes_done_{0};
};

void Checker::visit(const WalkItem &w)
{
	if (!seen_.insert(w.ino.nid).second)
		return;  // hard link: checked once
	rep_.inodes++;
	read_xattrs(img_, w.ino);
	if (w.ino.is_dir()) {
		rep_.dirs++;
	} else if (w.ino.is_reg()) {
		rep_.files++;
		files_.push_back({w.path, w.ino, {}, {}});
	} else if (w.ino.is_symlink()) {
		rep_.symlinks++;
		if (w.ino.size == 0 || w.ino.size > 4095)
			throw Error("symlink target length " + std::to_string(w.ino.size) + " out of range", w.path);
		read_all(img_, w.ino);
	} else {
		rep_.specials++;
	}
}

void Checker::check_fingerprint(FileJob &f)
{
	auto stored = stored_fingerprint(img_, f.ino);
	if (!stored) {
		std::lock_guard<std::mutex> g(mu_);
		if (f.ino.size) {
			rep_.fp_missing++;
			f.warnings.push_back("no fingerprint at " + f.path);
		}
		return;
	}
	std::string actual = fingerprint_value(hash_content(img_, f.ino, &bytes_done_));
	std::lock_guard<std::mutex> g(mu_);
	if (*stored == actual) {
		rep_.fp_verified++;
		return;
	}
	rep_.fp_mismatched++;
	f.errors.push_back("fingerprint mismatch (stored " +
				      (stored->size() == kFingerprintSize && stored->rfind("sha256:", 0) == 0
					       ? "sha256:" + to_hex({reinterpret_cast<const uint8_t *>(stored->data()) + 7, 32})
					       : std::string("malformed value")) +
				      ", content sha256:" + to_hex({reinterpret_cast<const uint8_t *>(actual.data()) + 7, 32}) +
				      ") at " + f.path);
}

void Checker::check_file(FileJob &f)
{
	try {
		if (opt_.verify_fingerprints && img_.ishare_index())
			check_fingerprint(f);
		else
			touch_content(img_, f.ino, &bytes_done_);
		std::lock_guard<std::mutex> g(mu_);
		rep_.data_bytes += f.ino.size;
	} catch (const Error &e) {
		f.errors.push_back(e.what_part() + " at " + f.path);
	}
	files_done_++;
}

FsckReport Checker::run()
{
	walk_tree(img_, [this](const WalkItem &w) { visit(w); },
		  [this](const Error &e) { error(e.what()); });
	if (opt_.verify_fingerprints && !img_.ishare_index())
		rep_.warnings.push_back("image has no fingerprint key; contents read without verification");
	// Largest first: the workers finish together instead of one hashing the
	// last big file alone.  Messages are merged in walk order afterwards.
	std::vector<size_t> order(files_.size());
	for (size_t i = 0; i < order.size(); i++)
		order[i] = i;
	std::stable_sort(order.begin(), order.end(),
			 [this](size_t a, size_t b) { return files_[a].ino.size > files_[b].ino.size; });
	unsigned workers = opt_.workers ? opt_.workers : default_workers();
	uint64_t total = 0;
	for (const auto &f : files_)
		total += f.ino.size;
	{
		Progress p(opt_.progress, files_done_, files_.size(), bytes_done_, total, stderr);
		parallel_for(files_.size(), workers, [&](size_t i, unsigned) { check_file(files_[order[i]]); });
	}
	for (const auto &f : files_) {
		for (const auto &e : f.errors)
			if (rep_.errors.size() < opt_.max_errors)
				rep_.errors.push_back(e);
		for (const auto &w : f.warnings)
			if (rep_.warnings.size() < opt_.max_errors)
				rep_.warnings.push_back(w);
	}
	return std::move(rep_);
}

}  // namespace

FsckReport run_fsck(const Image &img, const FsckOptions &opt)
{
	return Checker(img, opt).run();
}

}  // namespace erofs
