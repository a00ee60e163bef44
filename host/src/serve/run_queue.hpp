// Admission of graph runs: at most `workers` run at once (limits.max_concurrent_runs), at most
// `max_queued` more wait (limits.max_queued_runs); a run beyond that is refused at once, so a
// burst is answered "busy, retry later" instead of growing memory and latency without bound.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tinyllm::serve {

class RunQueue {
public:
    RunQueue(size_t workers, size_t max_queued);
    ~RunQueue(); // drain(), then join the workers

    RunQueue(const RunQueue &) = delete;
    RunQueue &operator=(const RunQueue &) = delete;

    // [any thread] Queue `job`; false (and `job` dropped) when the queue is full or draining.
    bool submit(std::function<void()> job);

    // [any thread] Accept nothing more; the queued jobs still run. Returns at once.
    void close();
    // Waits until every queued and running job has finished.
    void drain();

    size_t running() const;
    size_t queued() const;
    size_t workers() const noexcept { return threads_.size(); }

private:
    void work();

    const size_t max_queued_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    std::deque<std::function<void()>> jobs_;
    size_t running_ = 0;
    bool closed_ = false;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

} // namespace tinyllm::serve
