// Regular file content on its way from the tar stream to the data file
// (--tar=f) and to the fingerprint: the stream thread inflates and parses,
// one more thread hashes and appends, so that neither waits for the other.
// The pipe thread handles the files in stream order, so the data file and
// every fingerprint are the same as when one thread does both.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "base/digest.hpp"
#include "source/tar/reader.hpp"
#include "source/tree.hpp"

namespace erofs {

class Spill;

class ContentPipe {
public:
	// Called on the pipe thread when the data file holds the whole
	// content of a (non-sparse) file: its offset there, size and path.
	using Stored = std::function<void(uint64_t off, uint64_t size, const std::string &path)>;

	// `data`: where full-mode content goes (nullptr: nowhere); buffers of
	// `buf_size` bytes, `nbufs` of them in flight at most.
	ContentPipe(Spill *data, size_t buf_size, unsigned nbufs = 4, Stored stored = {});
	// Abandons what is still queued and joins the thread (error paths).
	~ContentPipe();
	ContentPipe(const ContentPipe &) = delete;
	ContentPipe &operator=(const ContentPipe &) = delete;

	// The content of entry `e` follows, stored in node `n` (which must
	// stay alive until drain()): appended to the data file when `store`,
	// hashed into n.fingerprint when `hash`.  `headerball`: the stream
	// holds none of the content (it hashes as zeros).  Returns where the
	// content starts in the data file.
	uint64_t begin(Node &n, const TarEntry &e, bool store, bool hash, bool headerball);
	// A free buffer to read the next bytes into (waits while every buffer
	// is in flight).  Rethrows an error of the pipe thread.
	std::span<uint8_t> buffer();
	// The first `len` bytes of the last buffer() are the next content.
	void push(size_t len);
	// The file's content is complete.
	void end();
	// Waits until everything queued is done; rethrows an error of the
	// pipe thread (a failed write to the data file).
	void drain();

private:
	enum class Op { Begin, Data, End };
	struct File {
		Node *node = nullptr;
		bool store = false, hash = false, sparse = false, headerball = false;
		uint64_t size = 0, data_len = 0;
		uint64_t off = 0;  // where a stored content starts in the data file
		std::vector<SparseSeg> map;
	};
	struct Item {
		Op op;
		File file;        // Begin
		unsigned buf = 0; // Data
		size_t len = 0;
		uint64_t off = 0; // Data: where it must land in the data file
	};

	void run();
	void work(Item &it);
	void hash(std::span<const uint8_t> b);
	void rethrow();  // under mu_

	Spill *data_;
	Stored stored_;
	size_t buf_size_;
	std::vector<std::vector<uint8_t>> bufs_;  // allocated on first use
	std::vector<unsigned> free_;

	std::mutex mu_;
	std::condition_variable work_cv_, done_cv_;
	std::deque<Item> q_;
	bool busy_ = false;      // the thread holds an item
	bool abandon_ = false;   // destructor: drop what is queued
	std::exception_ptr err_; // the first failure of the thread
	unsigned cur_ = 0;       // buffer handed out by buffer()
	uint64_t queued_end_ = 0; // the stream thread's view: where the next stored byte goes
	bool store_ = false;      // ... and whether the current file is stored

	// the pipe thread's file in progress
	File f_;
	std::optional<Sha256> h_;
	uint64_t logical_ = 0, seg_done_ = 0;
	size_t seg_ = 0;

	std::thread thread_;  // last: starts after every member above
};

}  // namespace erofs
