#include "serve/run_queue.hpp"

namespace tinyllm::serve {

RunQueue::RunQueue(size_t workers, size_t max_queued) : max_queued_(max_queued) {
    threads_.reserve(workers);
    for (size_t i = 0; i < workers; ++i)
        threads_.emplace_back([this] { work(); });
}

RunQueue::~RunQueue() {
    close();
    drain();
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread &t : threads_)
        t.join();
}

bool RunQueue::submit(std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        // A free worker takes the job at once; only jobs beyond the workers count as queued.
        const size_t free_workers = threads_.size() - running_;
        if (closed_ || jobs_.size() >= max_queued_ + free_workers) return false;
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

void RunQueue::close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
}

void RunQueue::drain() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return jobs_.empty() && running_ == 0; });
}

size_t RunQueue::running() const {
    std::lock_guard lock(mutex_);
    return running_;
}

size_t RunQueue::queued() const {
    std::lock_guard lock(mutex_);
    return jobs_.size();
}

void RunQueue::work() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return; // stopping, nothing left
        std::function<void()> job = std::move(jobs_.front());
        jobs_.pop_front();
        ++running_;
        lock.unlock();
        job(); // jobs catch their own errors: a throw here would end the process
        lock.lock();
        --running_;
        if (jobs_.empty() && running_ == 0) idle_.notify_all();
    }
}

} // namespace tinyllm::serve
