// A run that cannot outlive its deadline or a Ctrl-C, whatever its nodes do. Cooperative nodes
// stop when their call is cancelled (the deadline cancels too); a node stuck in a plugin that
// never polls is_cancelled cannot be stopped from outside its thread, so the executor runs on a
// worker thread and the command's thread watches it. When the run was asked to stop (deadline,
// a node's timeout_ms, Ctrl-C) and is still running `grace` later, the guard ends it without
// the stuck node: the node's trace row and the run are recorded (timed out or cancelled,
// naming the node and saying it did not stop when asked), and the command must then exit
// without waiting for the worker (Context::abandon_work).
#pragma once

#include "graph/executor.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace tinyllm::cli {

class Context;

// How long a node has to stop once asked, before the guard gives up on it.
inline constexpr std::chrono::milliseconds kStopGrace{2000};

// Runs `graph` on `input` with `options` (whose observer, if any, sees exactly what it would
// see without the guard, plus the abandoned nodes' rows and the run's end when the guard ends
// the run). [the command's thread]
trace::Run run_guarded(Context &ctx, const graph::Graph &graph, const std::string &input,
                       graph::RunOptions options, std::chrono::milliseconds grace = kStopGrace);

// Guards the setup of a command (components created and activated on the command's thread,
// before any run starts): when it takes longer than `budget` plus kStopGrace, which only a
// plugin that ignores its activate call's deadline can make it do, prints one line naming the
// instance being activated and ends the process with the timeout exit code. No run has started
// then, so nothing is left unrecorded. A budget of 0 (no limit) guards nothing.
class SetupWatchdog {
public:
    explicit SetupWatchdog(std::chrono::milliseconds budget);
    ~SetupWatchdog();
    SetupWatchdog(const SetupWatchdog &) = delete;
    SetupWatchdog &operator=(const SetupWatchdog &) = delete;

private:
    struct State;
    std::shared_ptr<State> state_;
    std::thread thread_;
};

} // namespace tinyllm::cli
