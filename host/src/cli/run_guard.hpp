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
#include <string>

namespace tinyllm::cli {

class Context;

// How long a node has to stop once asked, before the guard gives up on it.
inline constexpr std::chrono::milliseconds kStopGrace{2000};

// Runs `graph` on `input` with `options` (whose observer, if any, sees exactly what it would
// see without the guard, plus the abandoned nodes' rows and the run's end when the guard ends
// the run). [the command's thread]
trace::Run run_guarded(Context &ctx, const graph::Graph &graph, const std::string &input,
                       graph::RunOptions options, std::chrono::milliseconds grace = kStopGrace);

} // namespace tinyllm::cli
