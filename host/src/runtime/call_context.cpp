#include "runtime/call_context.hpp"

#include <spdlog/spdlog.h>

namespace tinyllm::runtime {

CallContext::CallContext(CancelToken token, std::optional<Clock::time_point> deadline,
                         EventSink sink)
    : token_(std::move(token)), deadline_(deadline), sink_(std::move(sink)) {
    bind();
}

CallContext::CallContext(const tllm_call *parent) : token_(CancelToken::never()), parent_(parent) {
    bind();
}

CallContext::CallContext(const tllm_call *parent, CancelToken token, EventSink sink)
    : token_(std::move(token)), parent_(parent), sink_(std::move(sink)) {
    bind();
}

void CallContext::bind() {
    call_.struct_size = sizeof(tllm_call);
    call_.host_data = this;
    call_.is_cancelled = [](const tllm_call *c) -> int32_t { return self(c)->cancelled(); };
    call_.remaining_ms = [](const tllm_call *c) -> int64_t { return self(c)->remaining_ms(); };
    call_.emit = [](const tllm_call *c, const char *json) {
        if (json == nullptr) return;
        const CallContext *ctx = self(c);
        // A child hands the plugin's C string straight on (emit(string_view) would copy it).
        if (ctx->parent_ != nullptr && !ctx->sink_) return ctx->parent_->emit(ctx->parent_, json);
        ctx->emit(json);
    };
    call_.set_output = [](const tllm_call *c, const char *json) {
        self(c)->output_ = json != nullptr ? json : "";
    };
    call_.set_error = [](const tllm_call *c, tllm_status status, const char *message) {
        CallContext *ctx = self(c);
        ctx->error_status_ = status;
        ctx->error_message_ = message != nullptr ? message : "";
    };
}

CallContext *CallContext::self(const tllm_call *call) noexcept {
    return static_cast<CallContext *>(call->host_data);
}

size_t CallContext::depth() const noexcept {
    size_t n = 0;
    for (const tllm_call *p = parent_; p != nullptr; p = self(p)->parent_)
        ++n;
    return n;
}

bool CallContext::cancelled() const noexcept {
    if (token_.cancelled() || deadline_passed()) return true;
    return parent_ != nullptr && parent_->is_cancelled(parent_) != 0;
}

bool CallContext::deadline_passed() const noexcept {
    if (deadline_ && Clock::now() >= *deadline_) return true;
    if (parent_ != nullptr) return self(parent_)->deadline_passed();
    return false;
}

CallObserver *CallContext::observer() const noexcept {
    if (observer_ != nullptr || parent_ == nullptr) return observer_;
    return self(parent_)->observer();
}

const std::string *CallContext::model_options() const noexcept {
    if (model_options_ != nullptr || parent_ == nullptr) return model_options_;
    return self(parent_)->model_options();
}

int64_t CallContext::remaining_ms() const noexcept {
    int64_t own = -1;
    if (deadline_) {
        // Rounded up: a plugin that sets its own timer from this must not fire before the
        // deadline, or it sees a timeout while is_cancelled still says no (and takes it for a
        // failure of its own, not the end of the call).
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline_ - Clock::now());
        own = std::max<int64_t>(0, left.count());
    }
    if (parent_ == nullptr) return own;
    const int64_t inherited = parent_->remaining_ms(parent_);
    if (own < 0) return inherited;
    if (inherited < 0) return own;
    return std::min(own, inherited);
}

void CallContext::emit(std::string_view event_json) const {
    if (parent_ != nullptr && !sink_) {
        const std::string copy(event_json);
        parent_->emit(parent_, copy.c_str());
        return;
    }
    if (!sink_) return;
    try {
        sink_(event_json);
    } catch (const std::exception &e) {
        // An event consumer failing (e.g. stdout closed) must not unwind into plugin code.
        spdlog::debug("event sink failed: {}", e.what());
    } catch (...) {
        spdlog::debug("event sink failed with a non-standard exception");
    }
}

std::string CallContext::take_output(tllm_status status, std::string_view what) {
    if (status != TLLM_OK) {
        // A plugin that stopped because the deadline passed reports "cancelled"; the caller
        // must see a timeout.
        if (status == TLLM_ERR_CANCELLED && !token_.cancelled() && deadline_passed()) {
            status = TLLM_ERR_TIMEOUT;
        }
        std::string message =
            error_message_.empty()
                ? std::string(what) + " failed: " + std::string(status_name(status))
                : error_message_;
        throw Error(fail_as_.value_or(from_status(status)), message);
    }
    if (!output_) {
        throw Error(ErrorCode::protocol, std::string(what) + " returned success but no output");
    }
    return std::move(*output_);
}

} // namespace tinyllm::runtime
