#include "store/run_id.hpp"

#include <chrono>
#include <cstdio>
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
    char text[32];
    std::snprintf(text, sizeof text, "r%012llx%08lx",
                  static_cast<unsigned long long>(epoch_ms) & 0xffffffffffffULL,
                  static_cast<unsigned long>(tail));
    return text;
}

std::string new_run_id() {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    Generator &g = generator();
    const std::lock_guard lock(g.mutex);
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
    return make_run_id(g.last_ms, g.last_tail);
}

} // namespace tinyllm::store
