// CallContext is the host's side of a tllm_call: one invocation of a component function. It
// carries cancellation (linked to a parent, so Ctrl-C reaches a model call made by a node), a
// deadline, where events go, and the result or error the component reported.
#pragma once

#include "messages/chat.hpp"
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

// A cancellation flag shared by everything working for one request. A child token (one branch
// of a fan-out) is cancelled with its parent, and can also be cancelled alone (the branches
// that lost a first-success race).
class CancelToken {
public:
    CancelToken() : state_(std::make_shared<State>()) {}
    // A token nobody can cancel, with nothing allocated: a child call's own token (the child
    // asks its parent call instead).
    static CancelToken never() noexcept { return CancelToken(nullptr); }
    CancelToken child() const {
        CancelToken c;
        c.state_->parent = state_;
        return c;
    }
    void cancel() const noexcept {
        if (state_) state_->flag.store(true, std::memory_order_relaxed);
    }
    bool cancelled() const noexcept {
        for (const State *s = state_.get(); s != nullptr; s = s->parent.get()) {
            if (s->flag.load(std::memory_order_relaxed)) return true;
        }
        return false;
    }
    // For a signal handler, which may only store to a lock-free atomic (nullptr for never()).
    std::atomic<bool> *raw_flag() const noexcept { return state_ ? &state_->flag : nullptr; }

private:
    explicit CancelToken(std::nullptr_t) noexcept {}
    struct State {
        std::atomic<bool> flag{false};
        std::shared_ptr<const State> parent;
    };
    std::shared_ptr<State> state_;
};

// Told about the model and tool calls made within a call (the trace recorder of a node).
struct ModelCallRecord {
    std::string model;
    std::string backend;
    int64_t started_at_ms = 0;
    int64_t duration_us = 0;
    messages::ChatUsage usage; // the response's counters; empty on error
    std::string error;
};
struct ToolCallRecord {
    std::string tool;
    std::string arguments;
    std::string result;
    int64_t started_at_ms = 0;
    int64_t duration_us = 0;
    std::string error;
};
class CallObserver {
public:
    virtual ~CallObserver() = default;
    virtual void on_model_call(const ModelCallRecord &record) = 0;
    virtual void on_tool_call(const ToolCallRecord &record) = 0;
};

using Clock = std::chrono::steady_clock;
using EventSink = std::function<void(std::string_view event_json)>;

class CallContext {
public:
    CallContext(CancelToken token, std::optional<Clock::time_point> deadline, EventSink sink);
    // A child call for work done on behalf of `parent` (a model call made by a plugin): shares
    // the parent's cancellation, deadline and event sink.
    explicit CallContext(const tllm_call *parent);
    // A child call that sees the events itself (`sink`, which may pass them on to the parent)
    // and can also be cancelled alone (`token`): the host's watch over what a model streams.
    CallContext(const tllm_call *parent, CancelToken token, EventSink sink);

    CallContext(const CallContext &) = delete;
    CallContext &operator=(const CallContext &) = delete;

    const tllm_call *raw() const noexcept { return &call_; }

    // The observer of this call, or inherited from the parent call (null when none).
    void set_observer(CallObserver *observer) noexcept { observer_ = observer; }
    CallObserver *observer() const noexcept;
    // Model options for every model call made within this call (a served request's `options`,
    // a JSON object's text), or inherited from the parent call (null when none). Not owned: the
    // caller keeps it alive for the call.
    void set_model_options(const std::string *options_json) noexcept {
        model_options_ = options_json;
    }
    const std::string *model_options() const noexcept;
    // True once the deadline has passed (a deadline also cancels: a plugin polling
    // is_cancelled stops in time without knowing about deadlines).
    bool deadline_passed() const noexcept;
    // The CallContext behind a tllm_call the host created (every tllm_call a plugin can hold).
    static CallContext *from(const tllm_call *call) noexcept { return self(call); }

    bool cancelled() const noexcept;
    int64_t remaining_ms() const noexcept;
    // How many calls this one is nested in (0 for a call the host started itself): bounds
    // services that call back into plugins that may call them again (a judge of judges).
    size_t depth() const noexcept;
    void emit(std::string_view event_json) const;

    // The code the call's failure takes instead of its status's: for a failure the host itself
    // found while forwarding the call (the plugin's own process crashed: ErrorCode::plugin).
    void fail_as(ErrorCode code) noexcept { fail_as_ = code; }

    // Result of the call, once the component function returned `status`. Throws Error for a
    // failure (with the component's message) and for a success that produced no output.
    std::string take_output(tllm_status status, std::string_view what);
    bool has_output() const noexcept { return output_.has_value(); }

private:
    void bind();
    static CallContext *self(const tllm_call *call) noexcept;

    tllm_call call_{};
    CancelToken token_;
    const tllm_call *parent_ = nullptr;
    std::optional<Clock::time_point> deadline_;
    EventSink sink_;
    CallObserver *observer_ = nullptr;
    const std::string *model_options_ = nullptr;
    std::optional<std::string> output_;
    tllm_status error_status_ = TLLM_OK;
    std::optional<ErrorCode> fail_as_;
    std::string error_message_;
};

} // namespace tinyllm::runtime
