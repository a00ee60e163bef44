// Test doubles for the two host-side ABI structs: a tllm_call that records events, output and
// error, and a tllm_host that records log lines. Header-only; used by every ollama test.
#pragma once

#include <tinyllm/json.hpp>
#include <tinyllm/plugin.h>
#include <tinyllm/plugin.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tinyllm::testing {

// One call, as the host would run it. `host_data` points back to this object.
class TestCall {
public:
    TestCall() {
        raw_.struct_size = sizeof(tllm_call);
        raw_.host_data = this;
        raw_.is_cancelled = [](const tllm_call *c) -> int32_t {
            return self(c).cancel_.load() ? 1 : 0;
        };
        raw_.remaining_ms = [](const tllm_call *c) -> int64_t {
            const int64_t deadline = self(c).remaining_.load();
            return deadline;
        };
        raw_.emit = [](const tllm_call *c, const char *event) {
            auto &s = self(c);
            {
                std::lock_guard lock(s.mu_);
                s.events_.emplace_back(event);
            }
            s.cv_.notify_all();
        };
        raw_.set_output = [](const tllm_call *c, const char *json) {
            std::lock_guard lock(self(c).mu_);
            self(c).output_ = json;
        };
        raw_.set_error = [](const tllm_call *c, tllm_status status, const char *message) {
            std::lock_guard lock(self(c).mu_);
            self(c).error_status_ = status;
            self(c).error_ = message;
        };
    }
    TestCall(const TestCall &) = delete;
    TestCall &operator=(const TestCall &) = delete;

    const tllm_call *raw() const { return &raw_; }

    void cancel() { cancel_ = true; }
    void set_remaining_ms(int64_t ms) { remaining_ = ms; } // -1 = no deadline

    // Runs `fn` the way the SDK's ABI shim does: the returned document becomes the output,
    // an sdk::Error becomes status + message, anything else TLLM_ERR_INTERNAL.
    tllm_status run(const std::function<std::string(sdk::Call &)> &fn) {
        sdk::Call call(&raw_);
        try {
            const std::string out = fn(call);
            raw_.set_output(&raw_, out.c_str());
            status_ = TLLM_OK;
        } catch (const sdk::Error &e) {
            raw_.set_error(&raw_, e.status(), e.what());
            status_ = e.status();
        } catch (const std::exception &e) {
            raw_.set_error(&raw_, TLLM_ERR_INTERNAL, e.what());
            status_ = TLLM_ERR_INTERNAL;
        }
        return status_;
    }

    tllm_status status() const { return status_; }
    void set_status(tllm_status s) { status_ = s; }
    std::string output() const {
        std::lock_guard lock(mu_);
        return output_.value_or("");
    }
    bool has_output() const {
        std::lock_guard lock(mu_);
        return output_.has_value();
    }
    std::string error() const {
        std::lock_guard lock(mu_);
        return error_;
    }
    std::vector<std::string> events() const {
        std::lock_guard lock(mu_);
        return events_;
    }
    // "content" of every event of `type` ("token", "thinking"), in order.
    std::vector<std::string> contents(const std::string &type) const {
        std::vector<std::string> out;
        for (const auto &e : events()) {
            const auto doc = json::parse_object(e, "event");
            if (json::get_string(doc, "type") == type) {
                out.push_back(json::get_string(doc, "content").value_or("<missing>"));
            }
        }
        return out;
    }
    // Waits until at least `n` events arrived (false on timeout).
    bool wait_for_events(size_t n, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, timeout, [&] { return events_.size() >= n; });
    }
    json::Document output_json() const { return json::parse_object(output(), "output"); }

private:
    static TestCall &self(const tllm_call *c) { return *static_cast<TestCall *>(c->host_data); }

    tllm_call raw_{};
    std::atomic<bool> cancel_{false};
    std::atomic<int64_t> remaining_{-1};
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::string> events_;
    std::optional<std::string> output_;
    std::string error_;
    tllm_status error_status_ = TLLM_OK;
    tllm_status status_ = TLLM_OK;
};

// A tllm_host whose logger records lines; it offers no service.
class TestHost {
public:
    struct Line {
        tllm_log_level level;
        std::string message;
    };

    TestHost() {
        raw_.struct_size = sizeof(tllm_host);
        raw_.abi = {TLLM_ABI_VERSION_MAJOR, TLLM_ABI_VERSION_MINOR};
        raw_.host_data = this;
        raw_.log = [](const tllm_host *h, tllm_log_level level, const char *message) {
            auto &s = self(h);
            std::lock_guard lock(s.mu_);
            s.lines_.push_back({level, message});
        };
        raw_.log_enabled = [](const tllm_host *, tllm_log_level) -> int32_t { return 1; };
        raw_.get_service = [](const tllm_host *, const char *) -> const void * { return nullptr; };
        raw_.free_string = [](const tllm_host *, char *s) { std::free(s); };
    }
    TestHost(const TestHost &) = delete;
    TestHost &operator=(const TestHost &) = delete;

    const tllm_host *raw() const { return &raw_; }
    std::vector<Line> lines() const {
        std::lock_guard lock(mu_);
        return lines_;
    }

private:
    static TestHost &self(const tllm_host *h) { return *static_cast<TestHost *>(h->host_data); }

    tllm_host raw_{};
    mutable std::mutex mu_;
    std::vector<Line> lines_;
};

} // namespace tinyllm::testing
