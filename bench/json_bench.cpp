// BM_ChatJsonRoundTrip: messages::parse_chat_request + to_json (and the same for a response).
//
// What it isolates: the typed round trip the Runtime performs on every chat call, once on the
// request (prepare_request: parse, fill the model's options, serialise) and once on the answer
// (validate the backend's document, serialise it again). RapidJSON parsing into a DOM, copying
// into the typed structs (including `extra` for unknown members) and writing compact JSON back.
// The documents are the typical ones from bench_support.hpp (~0.7 KB request, ~0.4 KB answer).
#include "bench_support.hpp"

#include "messages/chat.hpp"

#include <benchmark/benchmark.h>

namespace tinyllm::bench {
namespace {

// `response` false: a chat request; true: a chat response.
void BM_ChatJsonRoundTrip(benchmark::State &state, bool response) {
    const std::string doc = response ? typical_chat_response() : typical_chat_request(false);
    for (auto _ : state) {
        std::string out = response ? messages::to_json(messages::parse_chat_response(doc))
                                   : messages::to_json(messages::parse_chat_request(doc));
        benchmark::DoNotOptimize(out);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(doc.size()));
}
BENCHMARK_CAPTURE(BM_ChatJsonRoundTrip, request, false);
BENCHMARK_CAPTURE(BM_ChatJsonRoundTrip, response, true);

} // namespace
} // namespace tinyllm::bench
