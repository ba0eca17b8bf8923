// Compression that starts before the tree is complete.  A tar stream in
// full mode hands over each regular file as soon as the data file holds
// all of it, and workers compress it while the stream reads on: on a
// layer tarball the stream alone (inflate, parse, copy, hash) is about a
// third of the time, which one thread used to spend with the other cores
// idle.
//
// Results are keyed by where the content lies in the data file: only that
// one file's bytes ever occupy a range there, so a result stays right
// even when a later entry replaces the file (it is then simply unused).
// compress_files() takes the results of the files still in the tree and
// compresses the others as before; the image is the same either way.  A
// file whose content, pcluster size and algorithm equal those of a file
// compressed before it copies that result instead (files read whole only,
// as compress_files() does for files of equal size).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/digest.hpp"
#include "compress/zwrite.hpp"

namespace erofs {

class EarlyCompress {
public:
	struct Result {
		uint64_t size = 0;
		uint32_t pcluster = 0;
		unsigned alg = 0;  // index into CompressConfig::algs
		std::shared_ptr<ZFile> z;
		Sha256Digest digest{};  // of the content
	};

	// `data_fd`: the data file the tar's content goes to; `root`: the
	// source as compress_files() gets it (for --compress-hints).  One
	// worker fewer than `workers` (at least one): the stream's thread
	// keeps a core busy until it ends.
	EarlyCompress(const CompressConfig &c, unsigned blkbits, unsigned workers, int data_fd, std::string root,
		      Spill &spill);
	~EarlyCompress();  // stop(), join()
	EarlyCompress(const EarlyCompress &) = delete;
	EarlyCompress &operator=(const EarlyCompress &) = delete;

	// The `size` bytes at `off` in the data file are the whole content of
	// the file at `path`.  Any thread; only queues it.
	void add(uint64_t off, uint64_t size, const std::string &path);
	// No more files.  The workers finish the files they hold, and with
	// `drain` also those queued; else compress_files() does the queued
	// ones, largest first, which ends better balanced.  Does not wait.
	void stop(bool drain = false);
	// Waits until the workers are done.
	void join();

	enum class Has {
		None,     // not compressed here: the caller compresses it
		Done,     // `out` is its result
		Pending,  // a worker is at it: ask again after join()
	};
	// After stop(): n's result, if its content was compressed here with
	// these choices.  Any thread; each result is handed out once.  A file
	// whose compression failed here has none (the caller meets the
	// failure again and reports it).
	Has take(const Node &n, uint32_t pcluster, unsigned alg, Result &out);
	// How many results were copies of an earlier file's (after join()).
	uint64_t copies();

private:
	struct Job {
		uint64_t off, size;
		std::string path;
	};
	void run();
	std::shared_ptr<ZFile> compress(const Node &n, ZWorker &w, Result &r);

	const CompressConfig &c_;
	unsigned blkbits_;
	int data_fd_;
	std::string root_;
	Spill &spill_;

	std::mutex mu_;
	std::condition_variable cv_;
	std::deque<Job> q_;
	bool stop_ = false;
	std::unordered_map<uint64_t, Result> done_;  // by data file offset
	std::unordered_set<uint64_t> busy_;          // offsets the workers hold
	// same_key() -> offset of the first file compressed with it: a later
	// file of that content copies its result while it is in done_.
	std::unordered_map<std::string, uint64_t> first_;
	uint64_t copied_ = 0;

	std::vector<std::jthread> threads_;  // last: start after every member above
};

}  // namespace erofs
