#include "source/tar/content_pipe.hpp"

#include <algorithm>

#include "base/error.hpp"
#include "write/spill.hpp"

namespace erofs {

ContentPipe::ContentPipe(Spill *data, size_t buf_size, unsigned nbufs, Stored stored)
	: data_(data), stored_(std::move(stored)), buf_size_(buf_size), bufs_(nbufs), queued_end_(data ? data->size() : 0)
{
	for (unsigned i = nbufs; i-- > 0;)
		free_.push_back(i);
	thread_ = std::thread([this] { run(); });
}

ContentPipe::~ContentPipe()
{
	{
		std::lock_guard<std::mutex> g(mu_);
		abandon_ = true;
	}
	work_cv_.notify_one();
	thread_.join();
}

void ContentPipe::rethrow()
{
	if (err_)
		std::rethrow_exception(err_);
}

uint64_t ContentPipe::begin(Node &n, const TarEntry &e, bool store, bool hash, bool headerball)
{
	Item it{Op::Begin, {&n, store, hash, e.sparse, headerball, e.size, e.data_len, 0, {}}};
	if (hash && e.sparse)
		it.file.map = e.map;
	std::lock_guard<std::mutex> g(mu_);
	rethrow();
	it.file.off = queued_end_;
	q_.push_back(std::move(it));
	store_ = store;
	return queued_end_;  // no wake-up: the Data or drain() after it wakes the thread
}

std::span<uint8_t> ContentPipe::buffer()
{
	std::unique_lock<std::mutex> lk(mu_);
	done_cv_.wait(lk, [this] { return err_ || !free_.empty(); });
	rethrow();
	cur_ = free_.back();
	free_.pop_back();
	auto &b = bufs_[cur_];
	if (b.empty())
		b.resize(buf_size_);
	return b;
}

void ContentPipe::push(size_t len)
{
	std::lock_guard<std::mutex> g(mu_);
	q_.push_back(Item{Op::Data, {}, cur_, len, queued_end_});
	if (store_)
		queued_end_ += len;
	work_cv_.notify_one();
}

void ContentPipe::end()
{
	std::lock_guard<std::mutex> g(mu_);
	q_.push_back(Item{Op::End, {}});
	// No wake-up either: one per file (its Data) is enough, and for the
	// many small files of a layer each costs about as much as hashing.
}

void ContentPipe::drain()
{
	std::unique_lock<std::mutex> lk(mu_);
	work_cv_.notify_one();
	done_cv_.wait(lk, [this] { return err_ || (q_.empty() && !busy_); });
	rethrow();
}

void ContentPipe::run()
{
	std::unique_lock<std::mutex> lk(mu_);
	for (;;) {
		work_cv_.wait(lk, [this] { return abandon_ || !q_.empty(); });
		if (abandon_)
			return;
		Item it = std::move(q_.front());
		q_.pop_front();
		busy_ = true;
		// After a failure the rest only gives its buffers back: the
		// stream thread stops at its next call and rethrows.
		bool failed = bool(err_);
		lk.unlock();
		if (!failed) {
			try {
				work(it);
			} catch (...) {
				std::lock_guard<std::mutex> g(mu_);
				err_ = std::current_exception();
			}
		}
		lk.lock();
		if (it.op == Op::Data)
			free_.push_back(it.buf);
		busy_ = false;
		done_cv_.notify_one();
	}
}

void ContentPipe::work(Item &it)
{
	switch (it.op) {
	case Op::Begin:
		f_ = std::move(it.file);
		h_.reset();
		if (f_.hash)
			h_.emplace();
		logical_ = seg_done_ = 0;
		seg_ = 0;
		break;
	case Op::Data: {
		std::span<const uint8_t> b(bufs_[it.buf].data(), it.len);
		if (f_.store) {
			auto x = data_->append(b);
			if (x.off != it.off)
				throw Error("data file out of order", f_.node->path);
		}
		if (h_)
			hash(b);
		break;
	}
	case Op::End:
		if (stored_ && f_.store && !f_.sparse && f_.size && f_.data_len == f_.size)
			stored_(f_.off, f_.size, f_.node->path);
		if (!h_)
			break;
		if (!f_.sparse)
			logical_ = f_.data_len;
		if (f_.headerball)
			logical_ = 0;
		if (logical_ < f_.size)
			h_->update_zeros(f_.size - logical_);
		f_.node->fingerprint = fingerprint_value(h_->finish());
		h_.reset();
		break;
	}
}

// Hashes the next stored bytes; a sparse file's holes hash as zeros
// before each stored segment.
void ContentPipe::hash(std::span<const uint8_t> b)
{
	if (!f_.sparse) {
		h_->update(b);
		return;
	}
	size_t k = 0;
	while (k < b.size()) {
		while (seg_ < f_.map.size() && seg_done_ == f_.map[seg_].len)
			seg_++, seg_done_ = 0;
		if (seg_ == f_.map.size())
			throw Error("sparse data beyond the sparse map", f_.node->path);
		const auto &s = f_.map[seg_];
		if (logical_ < s.off) {
			h_->update_zeros(s.off - logical_);
			logical_ = s.off;
		}
		size_t part = size_t(std::min<uint64_t>(b.size() - k, s.len - seg_done_));
		h_->update(b.subspan(k, part));
		k += part;
		seg_done_ += part;
		logical_ += part;
	}
}

}  // namespace erofs
