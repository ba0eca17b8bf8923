#include "check/fsck.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "read/content.hpp"
#include "base/parallel.hpp"
#include "base/progress.hpp"
#include "read/walk.hpp"

namespace erofs {

namespace {

// A regular file found by the walk, waiting to have its content checked.
struct FileJob {
	uint64_t seq = 0;  // walk order: messages are reported in it
	std::string path;
	InodeInfo ino;
	std::optional<std::string> fingerprint;  // stored value, read by the walk
	std::vector<uint8_t> tail;  // the inline tail, read with the inode
};

// What checking a file found, kept with its walk position.
struct Message {
	uint64_t seq;
	bool error;
	std::string text;
};

// The walk and the content checks run at the same time: the walk (on the
// calling thread) queues each regular file, the workers take them largest
// first.  The queue holds at most kWindow files; when it is full the
// walking thread checks the smallest one itself, so N workers keep N
// threads busy and memory stays bounded whatever the tree's size.  The
// walk reads inodes by pread a block at a time (Image::meta), which holds
// a small file's inline tail too: the job takes it along, and the worker
// reads nothing more for a file that fits in its inode's block.
class Checker {
public:
	Checker(const Image &img, const FsckOptions &opt);
	FsckReport run();

private:
	static constexpr size_t kWindow = 64;
	static constexpr size_t kWakeFiles = 32;
	static constexpr uint64_t kWakeBytes = 1u << 20;

	void visit(const WalkItem &w);
	void push(FileJob &&job);
	bool pop(FileJob &job, bool wait);
	void work();
	void check_file(const FileJob &f);
	void note(const FileJob &f, bool error, std::string text)
	{
		std::lock_guard<std::mutex> g(msg_mu_);
		msgs_.push_back({f.seq, error, std::move(text)});
	}
	void error(const std::string &msg)
	{
		std::lock_guard<std::mutex> g(msg_mu_);
		if (rep_.errors.size() < opt_.max_errors)
			rep_.errors.push_back(msg);
	}

	const Image &img_;
	const FsckOptions &opt_;
	std::optional<std::string> key_;  // fingerprint xattr name, when verifying
	FsckReport rep_;
	std::unordered_set<uint64_t> seen_;  // directories and hard-linked inodes
	uint64_t seq_ = 0;

	std::mutex q_mu_;
	std::condition_variable q_cv_;
	std::vector<FileJob> heap_;  // largest first
	uint64_t pending_bytes_ = 0;  // content bytes in heap_
	unsigned idle_ = 0;           // workers waiting for work
	// Enough queued to wake an idle worker.
	bool ready() const { return heap_.size() >= kWakeFiles || pending_bytes_ >= kWakeBytes; }
	bool closed_ = false;
	bool stop_ = false;
	std::exception_ptr failure_;

	std::mutex msg_mu_;
	std::vector<Message> msgs_;
	std::atomic<uint64_t> data_bytes_{0}, fp_verified_{0}, fp_mismatched_{0}, fp_missing_{0};
	std::atomic<uint64_t> files_found_{0}, bytes_found_{0};
	std::atomic<uint64_t> files_done_{0}, bytes_done_{0};
};

bool smaller(const FileJob &a, const FileJob &b)
{
	return a.ino.size != b.ino.size ? a.ino.size < b.ino.size : a.seq > b.seq;
}

Checker::Checker(const Image &img, const FsckOptions &opt) : img_(img), opt_(opt)
{
	if (opt_.verify_fingerprints && img_.ishare_index())
		key_ = img_.ishare_key();
}

void Checker::push(FileJob &&job)
{
	// One critical section: the workers pop between any two, so a heap
	// seen full here may be empty a moment later.
	FileJob small;
	{
		std::lock_guard<std::mutex> g(q_mu_);
		if (stop_)
			return;  // a worker failed: run() rethrows
		if (heap_.size() < kWindow) {
			pending_bytes_ += job.ino.size;
			heap_.push_back(std::move(job));
			std::push_heap(heap_.begin(), heap_.end(), smaller);
			if (idle_ && ready())
				q_cv_.notify_one();
			return;
		}
		// Full: the walking thread takes a turn at the checks, with the
		// smallest file, so that it is soon back to walking and the
		// workers keep the large ones.
		size_t k = 0;
		for (size_t i = 1; i < heap_.size(); i++)
			if (smaller(heap_[i], heap_[k]))
				k = i;
		if (smaller(job, heap_[k])) {
			small = std::move(job);
		} else {
			small = std::move(heap_[k]);
			pending_bytes_ += job.ino.size - small.ino.size;
			heap_[k] = std::move(job);
			std::make_heap(heap_.begin(), heap_.end(), smaller);
		}
		if (idle_)
			q_cv_.notify_one();
	}
	check_file(small);
}

bool Checker::pop(FileJob &job, bool wait)
{
	std::unique_lock<std::mutex> lk(q_mu_);
	if (wait && heap_.empty()) {
		// Wait for a batch, not for each file: a wake-up per small file
		// costs more than checking it.
		idle_++;
		q_cv_.wait(lk, [this] { return stop_ || closed_ || ready(); });
		idle_--;
	}
	if (stop_ || heap_.empty())
		return false;
	std::pop_heap(heap_.begin(), heap_.end(), smaller);
	job = std::move(heap_.back());
	heap_.pop_back();
	pending_bytes_ -= job.ino.size;
	return true;
}

void Checker::work()
{
	try {
		FileJob job;
		while (pop(job, true))
			check_file(job);
	} catch (...) {
		std::lock_guard<std::mutex> g(q_mu_);
		if (!failure_)
			failure_ = std::current_exception();
		stop_ = true;
		q_cv_.notify_all();
	}
}

void Checker::visit(const WalkItem &w)
{
	// Directories are entered once (the walk checks that); other inodes
	// can have several names only when their link count says so.
	if ((w.ino.is_dir() || w.ino.nlink > 1) && !seen_.insert(w.ino.nid).second)
		return;  // hard link: checked once
	rep_.inodes++;
	auto xattrs = read_xattrs(img_, w.ino);
	if (w.ino.is_dir()) {
		rep_.dirs++;
	} else if (w.ino.is_reg()) {
		rep_.files++;
		FileJob job{seq_++, w.path, w.ino, std::nullopt, {}};
		if (key_)
			for (auto &x : xattrs)
				if (x.name == *key_) {
					job.fingerprint = std::move(x.value);
					break;
				}
		InlineTail t = job.fingerprint ? inline_tail(img_, w.ino) : InlineTail{};
		// Only a tail the worker would read from the image itself, in one
		// block; anything else it reads (and reports) as usual.
		if (t.len && img_.devices().empty() && t.off % img_.blksz() + t.len <= img_.blksz() &&
		    t.off <= img_.size() && t.len <= img_.size() - t.off) {
			auto b = img_.meta(t.off, t.len, "inline data");
			job.tail.assign(b.begin(), b.end());
		}
		files_found_++;
		bytes_found_ += w.ino.size;
		push(std::move(job));
	} else if (w.ino.is_symlink()) {
		rep_.symlinks++;
		if (w.ino.size == 0 || w.ino.size > 4095)
			throw Error("symlink target length " + std::to_string(w.ino.size) + " out of range", w.path);
		read_all(img_, w.ino);
	} else {
		rep_.specials++;
	}
}

std::string mismatch_text(const std::string &stored, const std::string &actual, const std::string &path)
{
	auto hex = [](const std::string &v) {
		return to_hex({reinterpret_cast<const uint8_t *>(v.data()) + 7, 32});
	};
	return "fingerprint mismatch (stored " +
	       (stored.size() == kFingerprintSize && stored.rfind("sha256:", 0) == 0 ? "sha256:" + hex(stored)
										 : std::string("malformed value")) +
	       ", content sha256:" + hex(actual) + ") at " + path;
}

void Checker::check_file(const FileJob &f)
{
	try {
		if (!key_) {
			touch_content(img_, f.ino, &bytes_done_);
		} else if (!f.fingerprint) {
			touch_content(img_, f.ino, &bytes_done_);
			if (f.ino.size) {
				fp_missing_++;
				note(f, false, "no fingerprint at " + f.path);
			}
		} else {
			std::string actual = fingerprint_value(hash_content(img_, f.ino, &bytes_done_, f.tail));
			if (*f.fingerprint == actual) {
				fp_verified_++;
			} else {
				fp_mismatched_++;
				note(f, true, mismatch_text(*f.fingerprint, actual, f.path));
			}
		}
		data_bytes_ += f.ino.size;
	} catch (const Error &e) {
		note(f, true, e.what_part() + " at " + f.path);
	}
	files_done_++;
}

FsckReport Checker::run()
{
	if (opt_.verify_fingerprints && !img_.ishare_index())
		rep_.warnings.push_back("image has no fingerprint key; contents read without verification");
	unsigned workers = opt_.workers ? opt_.workers : default_workers();
	{
		Progress p(opt_.progress, files_done_, files_found_, bytes_done_, bytes_found_, stderr);
		std::vector<std::jthread> threads;
		auto finish = [&] {
			{
				std::lock_guard<std::mutex> g(q_mu_);
				closed_ = true;
			}
			q_cv_.notify_all();
		};
		try {
			for (unsigned w = 1; w < workers; w++)
				threads.emplace_back([this] { work(); });
			walk_tree(img_, [this](const WalkItem &w) { visit(w); },
				  [this](const Error &e) { error(e.what()); });
		} catch (...) {
			{
				std::lock_guard<std::mutex> g(q_mu_);
				stop_ = true;
			}
			finish();
			throw;  // the threads join on the way out
		}
		finish();
		work();  // the walking thread helps with what is left
	}
	if (failure_)
		std::rethrow_exception(failure_);
	std::stable_sort(msgs_.begin(), msgs_.end(), [](const Message &a, const Message &b) { return a.seq < b.seq; });
	for (auto &m : msgs_) {
		auto &to = m.error ? rep_.errors : rep_.warnings;
		if (to.size() < opt_.max_errors)
			to.push_back(std::move(m.text));
	}
	rep_.data_bytes = data_bytes_;
	rep_.fp_verified = fp_verified_;
	rep_.fp_mismatched = fp_mismatched_;
	rep_.fp_missing = fp_missing_;
	return std::move(rep_);
}

}  // namespace

FsckReport run_fsck(const Image &img, const FsckOptions &opt)
{
	return Checker(img, opt).run();
}

}  // namespace erofs
