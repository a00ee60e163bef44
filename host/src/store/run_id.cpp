#include "store/run_id.hpp"

#include <chrono>
#include <mutex>
#include <random>

#include <pthread.h>
#include <unistd.h>

namespace tinyllm::store {
namespace {

struct Generator {
    std::mutex mutex;
    std::mt19937 random;
    bool seeded = false; // cleared in a forked child, or parent and child would make the same ids
    int64_t last_ms = -1;
    uint32_t last_tail = 0;
};

Generator &generator() {
    static Generator *instance = [] {
        auto *g = new Generator; // never destroyed: a child may fork while exiting
        // Told at fork instead of asking getpid() per id, which is a system call.
        ::pthread_atfork(nullptr, nullptr, [] { generator().seeded = false; });
        return g;
    }();
    return *instance;
}

} // namespace

std::string make_run_id(int64_t epoch_ms, uint32_t tail) {
    // "r" + 12 hex digits of the milliseconds + 8 of the tail, written by hand: snprintf cost
    // more than the rest of new_run_id together.
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id(21, 'r');
    auto ms = static_cast<uint64_t>(epoch_ms) & 0xffffffffffffULL;
    for (size_t i = 12; i >= 1; --i, ms >>= 4)
        id[i] = kHex[ms & 0xF];
    for (size_t i = 20; i >= 13; --i, tail >>= 4)
        id[i] = kHex[tail & 0xF];
    return id;
}

std::string new_run_id() {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    Generator &g = generator();
    std::unique_lock lock(g.mutex);
    if (!g.seeded) {
        std::random_device device;
        std::seed_seq seed{device(), device(), device(), device(),
                           static_cast<unsigned>(::getpid())};
        g.random.seed(seed);
        g.seeded = true;
        g.last_ms = -1;
    }
    if (now_ms > g.last_ms) {
        g.last_ms = now_ms;
        // Start in the lower half, so counting up within one millisecond has room.
        g.last_tail = static_cast<uint32_t>(g.random()) >> 1;
    } else if (g.last_tail == 0xffffffffU) {
        ++g.last_ms; // 2^31 ids in one millisecond: borrow the next one
        g.last_tail = static_cast<uint32_t>(g.random()) >> 1;
    } else {
        ++g.last_tail;
    }
    const int64_t ms = g.last_ms;
    const uint32_t tail = g.last_tail;
    lock.unlock(); // the id is taken; writing it out needs no lock
    return make_run_id(ms, tail);
}

} // namespace tinyllm::store
