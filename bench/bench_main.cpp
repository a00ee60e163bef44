// tinyllm_bench's main: the usual Google Benchmark main, after making the process look like the
// host at its defaults (log level warn, no environment overrides of the backend config).
#include "logging/logging.hpp"

#include "process/allocator.hpp"

#include <benchmark/benchmark.h>
#include <curl/curl.h>

#include <cstdlib>

int main(int argc, char **argv) {
    // The process set up as tinyllm-host's main sets it up.
    tinyllm::process::keep_freed_memory();
    // OLLAMA_HOST would redirect the Runtime's backend away from the fake server (x-env).
    ::unsetenv("OLLAMA_HOST");
    // The host's default level: per-request debug lines would otherwise be part of the figures.
    tinyllm::logging::setup({});
    // Before any thread exists, as libcurl requires; the benchmarks use curl from many threads.
    curl_global_init(CURL_GLOBAL_DEFAULT);

    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    curl_global_cleanup();
    return 0;
}
