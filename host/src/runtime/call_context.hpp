// CallContext is the host's side of a tllm_call: one invocation of a component function. It
// carries cancellation (linked to a parent, so Ctrl-C reaches a model call made by a node), a
// deadline, where events go, and the result or error the component reported.
#pragma once

#include "tinyllm/error.hpp"

#include <tinyllm/plugin.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tinyllm::runtime {

// A cancellation flag shared by everything working for one request.
class CancelToken {
public:
    CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}
    void cancel() const noexcept { flag_->store(true, std::memory_order_relaxed); }
    bool cancelled() const noexcept { return flag_->load(std::memory_order_relaxed); }
    // For a signal handler, which may only store to a lock-free atomic.
    std::atomic<bool> *raw_flag() const noexcept { return flag_.get(); }

private:
    std::shared_ptr<std::atomic<bool>> flag_;
};

using Clock = std::chrono::steady_clock;
using EventSink = std::function<void(std::string_view event_json)>;

class CallContext {
public:
    CallContext(CancelToken token, std::optional<Clock::time_point> deadline, EventSink sink);
    // A child call for work done on behalf of `parent` (a model call made by a plugin): shares
    // the parent's cancellation, deadline and event sink.
    explicit CallContext(const tllm_call *parent);

    CallContext(const CallContext &) = delete;
    CallContext &operator=(const CallContext &) = delete;

    const tllm_call *raw() const noexcept { return &call_; }

    bool cancelled() const noexcept;
    int64_t remaining_ms() const noexcept;
    void emit(std::string_view event_json) const;

    // Result of the call, once the component function returned `status`. Throws Error for a
    // failure (with the component's message) and for a success that produced no output.
    std::string take_output(tllm_status status, std::string_view what);

private:
    void bind();
    static CallContext *self(const tllm_call *call) noexcept;

    tllm_call call_{};
    CancelToken token_;
    const tllm_call *parent_ = nullptr;
    std::optional<Clock::time_point> deadline_;
    EventSink sink_;
    std::optional<std::string> output_;
    tllm_status error_status_ = TLLM_OK;
    std::string error_message_;
};

} // namespace tinyllm::runtime
