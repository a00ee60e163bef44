// The text a run's answer nodes streamed, the latest execution's: a run that ends badly (failed,
// timed out, cancelled, or abandoned with a node that would not stop) keeps it as its recorded
// answer, so `runs show` has what the user saw. Thread-safe: branches stream at once.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace tinyllm::graph {

class StreamedAnswer {
public:
    // One event of node execution `seq` (an answer node's); only "token" events count. A new
    // execution (a retry, a node sent back by a gate) starts the text again.
    void add(int64_t seq, std::string_view event_json);
    std::string take();

private:
    std::mutex mutex_;
    std::string text_;
    int64_t seq_ = -1;
};

} // namespace tinyllm::graph
