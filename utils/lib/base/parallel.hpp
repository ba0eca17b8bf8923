// parallel_for: run fn(i) for i in [0, n) on `workers` threads.  The first
// exception stops the remaining work and is rethrown on the caller.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace erofs {

unsigned default_workers();

template <typename Fn>
void parallel_for(size_t n, unsigned workers, Fn &&fn)
{
	std::atomic<size_t> next{0};
	std::atomic<bool> stop{false};
	std::exception_ptr first;
	std::mutex mu;
	auto run = [&](unsigned worker) {
		for (;;) {
			size_t i = next.fetch_add(1);
			if (i >= n || stop.load())
				return;
			try {
				fn(i, worker);
			} catch (...) {
				std::lock_guard<std::mutex> g(mu);
				if (!first)
					first = std::current_exception();
				stop = true;
				return;
			}
		}
	};
	if (workers <= 1 || n <= 1) {
		run(0);
	} else {
		std::vector<std::jthread> threads;
		for (unsigned w = 1; w < workers; w++)
			threads.emplace_back(run, w);
		run(0);
	}
	if (first)
		std::rethrow_exception(first);
}

}  // namespace erofs
