#include "compress/early.hpp"

#include <sys/stat.h>

namespace erofs {

EarlyCompress::EarlyCompress(const CompressConfig &c, unsigned blkbits, unsigned workers, int data_fd,
			     std::string root, Spill &spill)
	: c_(c), blkbits_(blkbits), data_fd_(data_fd), root_(std::move(root)), spill_(spill)
{
	for (unsigned i = 0; i < std::max(2u, workers) - 1; i++)
		threads_.emplace_back([this] { run(); });
}

EarlyCompress::~EarlyCompress()
{
	stop();
	join();
}

void EarlyCompress::add(uint64_t off, uint64_t size, const std::string &path)
{
	{
		std::lock_guard<std::mutex> g(mu_);
		if (stop_)
			return;  // (a file after stop() is compress_files()' to do)
		q_.push_back({off, size, path});
	}
	cv_.notify_one();
}

void EarlyCompress::stop(bool drain)
{
	{
		std::lock_guard<std::mutex> g(mu_);
		stop_ = true;
		if (!drain)
			q_.clear();
	}
	cv_.notify_all();
}

void EarlyCompress::join()
{
	threads_.clear();  // (jthreads: joined here)
}

EarlyCompress::Has EarlyCompress::take(const Node &n, uint32_t pcluster, unsigned alg, Result &out)
{
	if (n.blob_fd != data_fd_ || n.sparse)
		return Has::None;
	std::lock_guard<std::mutex> g(mu_);
	if (busy_.count(n.blob_off))
		return Has::Pending;
	auto it = done_.find(n.blob_off);
	if (it == done_.end())
		return Has::None;
	Result &r = it->second;
	if (r.size != n.size || r.pcluster != pcluster || r.alg != alg || !r.z)
		return Has::None;
	out = std::move(r);
	done_.erase(it);
	return Has::Done;
}

uint64_t EarlyCompress::copies()
{
	std::lock_guard<std::mutex> g(mu_);
	return copied_;
}

void EarlyCompress::run()
{
	ZWorker w;
	// The file is described by the job alone: the stream thread may
	// still be filling in the tree's node.
	Node n;
	n.kind = Kind::Regular;
	n.mode = S_IFREG | 0644;
	n.blob_fd = data_fd_;
	for (;;) {
		Job job;
		{
			std::unique_lock<std::mutex> lk(mu_);
			cv_.wait(lk, [this] { return stop_ || !q_.empty(); });
			if (q_.empty())
				return;  // stopped
			job = std::move(q_.front());
			q_.pop_front();
			busy_.insert(job.off);
		}
		n.size = job.size;
		n.blob_off = job.off;
		n.path = std::move(job.path);
		Result r;
		r.size = job.size;
		std::tie(r.pcluster, r.alg) = compress_choice(c_, blkbits_, root_, n.path);
		try {
			r.z = compress(n, w, r);
		} catch (...) {
			r.z.reset();  // compress_files() tries again and reports it
		}
		std::lock_guard<std::mutex> g(mu_);
		busy_.erase(job.off);
		if (r.z)
			done_.emplace(job.off, std::move(r));
	}
}

// n's compressed content and digest (into r): compressed here, or copied
// from an earlier file of the same content whose result is still held.
std::shared_ptr<ZFile> EarlyCompress::compress(const Node &n, ZWorker &w, Result &r)
{
	if (n.size > kWholeFileLimit) {
		std::optional<Sha256Digest> d;
		auto z = compress_file(n, c_, blkbits_, w, r.pcluster, r.alg, &d, &spill_);
		r.digest = *d;
		return z;
	}
	auto all = w.read_whole(n);
	r.digest = sha256(all);
	{
		std::lock_guard<std::mutex> g(mu_);
		auto [it, fresh] = first_.try_emplace(same_key(r.digest, r.pcluster, r.alg), n.blob_off);
		auto d = fresh ? done_.end() : done_.find(it->second);
		if (d != done_.end() && d->second.z) {
			++copied_;
			return std::make_shared<ZFile>(*d->second.z);
		}
	}
	auto z = compress_whole(all, c_, blkbits_, w, r.pcluster, r.alg, &spill_);
	w.trim();
	return z;
}

}  // namespace erofs
