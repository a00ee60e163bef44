// fake-ollama: the FakeOllama test server as a standalone process, for manual demos and
// end-to-end scripts.
//
//   fake-ollama [--port N] [--models a,b] [--script FILE.json] [--token-delay-ms N]
//               [--fault-rate R] [--fault-seed N] [--slow-ms N] [--verbose]
//
// Prints "listening on 127.0.0.1:PORT" (flushed) once ready and serves until SIGINT/SIGTERM;
// with --fault-rate, prints "injected faults: error=N busy=N cut=N slow=N" when it stops.
//
// Script file format: a JSON array (// and /* */ comments allowed) of scripted replies. Each
// entry is queued FIFO for its (method, path); when a route's queue is empty the built-in
// Ollama-like default answers.
//
//   [
//     {"method": "POST", "path": "/api/chat", "status": 200,
//      "stream": [
//        {"line": {"model": "m", "message": {"role": "assistant", "content": "Hel"},
//                  "done": false}, "delay_ms": 0},
//        {"line": {...}, "split_at": 60, "split_delay_ms": 50},  // one line, two writes
//        {"raw": "bytes sent verbatim as one HTTP chunk"},
//        {"error": "an error was encountered while running the model"}  // {"error":..} line
//      ],
//      "close_after": 2},              // drop the connection after 2 chunks (optional)
//     {"path": "/api/chat", "status": 503,
//      "body": {"error": "server busy, please try again.  maximum pending requests exceeded"}},
//     {"path": "/", "body_text": "Ollama is running", "content_type": "text/plain"},
//     {"path": "/api/generate", "disconnect": true},  // close without answering
//     {"path": "/api/tags", "delay_ms": 3000, "body": {"models": []}, "default": true}
//   ]
//
// Entry keys: path (required); method (default: GET for /, /api/tags, /api/version, /api/ps,
// DELETE for /api/delete, else POST); status (200); exactly one of body (JSON value),
// body_text (string), stream (array), disconnect (true); content_type; headers (object);
// delay_ms (before the status line); close_after (stream chunks); repeat (queue N copies);
// default (true: answer every request on that route once its queue is empty).
#include "fake_ollama.hpp"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using tinyllm::testing::FakeOllama;
using tinyllm::testing::Request;

constexpr std::string_view kUsage =
    "usage: fake-ollama [--port N] [--models a,b] [--script FILE.json]\n"
    "                   [--token-delay-ms N] [--fault-rate R] [--fault-seed N]\n"
    "                   [--slow-ms N] [--verbose]\n"
    "\n"
    "A scripted fake of the Ollama HTTP API on 127.0.0.1, for demos and end-to-end tests.\n"
    "  --port N            port to listen on (default 0: pick a free one)\n"
    "  --models a,b        models it claims to have (default qwen2.5:0.5b; '' for none)\n"
    "  --script FILE.json  scripted replies, see tests/fake_ollama/README.md\n"
    "  --token-delay-ms N  pause before each streamed chunk of default answers (default 0)\n"
    "  --fault-rate R      hit each chat/generate request with probability R (0..1) by a\n"
    "                      fault: a 500, a 503 busy, a cut connection or a slow answer\n"
    "  --fault-seed N      seed of the fault draws (default 1)\n"
    "  --slow-ms N         how late a slow answer is (default 2000)\n"
    "  --verbose           log each request to stderr\n"
    "Prints 'listening on 127.0.0.1:PORT' when ready; stops on SIGINT/SIGTERM.\n";

struct Options {
    unsigned port = 0;
    std::optional<std::vector<std::string>> models;
    std::string script;
    unsigned token_delay_ms = 0;
    tinyllm::testing::FaultPlan faults;
    bool verbose = false;
};

std::vector<std::string> split_commas(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const std::size_t comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        if (!item.empty()) out.emplace_back(item);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

unsigned parse_unsigned(std::string_view flag, const std::string &value, unsigned max) {
    char *end = nullptr;
    const unsigned long v = std::strtoul(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || v > max) {
        throw std::invalid_argument(std::string(flag) + ": invalid value '" + value + "'");
    }
    return static_cast<unsigned>(v);
}

// Returns nullopt when --help was requested.
std::optional<Options> parse_args(int argc, char **argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::invalid_argument(std::string(arg) + " needs a value");
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") return std::nullopt;
        if (arg == "--port") {
            options.port = parse_unsigned(arg, value(), 65535);
        } else if (arg == "--models") {
            options.models = split_commas(value());
        } else if (arg == "--script") {
            options.script = value();
        } else if (arg == "--token-delay-ms") {
            options.token_delay_ms = parse_unsigned(arg, value(), 600'000);
        } else if (arg == "--fault-rate") {
            const std::string text = value();
            char *end = nullptr;
            options.faults.rate = std::strtod(text.c_str(), &end);
            if (text.empty() || *end != '\0' || !(options.faults.rate >= 0) ||
                options.faults.rate > 1) {
                throw std::invalid_argument("--fault-rate: invalid value '" + text +
                                            "' (a number from 0 to 1)");
            }
        } else if (arg == "--fault-seed") {
            options.faults.seed = parse_unsigned(arg, value(), 4'000'000'000U);
        } else if (arg == "--slow-ms") {
            options.faults.slow_delay =
                std::chrono::milliseconds(parse_unsigned(arg, value(), 600'000));
        } else if (arg == "--verbose") {
            options.verbose = true;
        } else {
            throw std::invalid_argument("unknown argument '" + std::string(arg) + "'");
        }
    }
    return options;
}

void log_request(const Request &req) {
    // One fwrite per line so lines from concurrent connections don't interleave.
    const std::string line = "fake-ollama: #" + std::to_string(req.connection_id) + " " +
                             req.method + " " + req.target + " (" +
                             std::to_string(req.body.size()) + " bytes)\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
}

} // namespace

int main(int argc, char **argv) {
    std::optional<Options> options;
    try {
        options = parse_args(argc, argv);
    } catch (const std::exception &e) {
        std::cerr << "fake-ollama: " << e.what() << "\n\n" << kUsage;
        return 2;
    }
    if (!options) {
        std::cout << kUsage;
        return 0;
    }

    // Block the stop signals before any thread exists so every server thread inherits the
    // mask and main() alone receives them through sigwait (no async-signal-safety concerns).
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    try {
        FakeOllama server(static_cast<std::uint16_t>(options->port));
        if (options->models) server.set_models(*options->models);
        server.set_token_delay(std::chrono::milliseconds(options->token_delay_ms));
        server.set_recording(false); // nothing reads them here, and a soak run is long
        server.set_faults(options->faults);
        if (!options->script.empty()) server.load_script_file(options->script);
        if (options->verbose) server.set_request_observer(log_request);

        std::cout << "listening on " << server.host_port() << std::endl; // endl: flush
        int signal_number = 0;
        sigwait(&stop_signals, &signal_number);
        if (options->verbose) std::cerr << "fake-ollama: stopping\n";
        if (options->faults.rate > 0) {
            const tinyllm::testing::FaultCounts f = server.fault_counts();
            std::cout << "injected faults: error=" << f.error << " busy=" << f.busy
                      << " cut=" << f.cut << " slow=" << f.slow << std::endl;
        }
    } catch (const std::exception &e) {
        std::cerr << "fake-ollama: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
