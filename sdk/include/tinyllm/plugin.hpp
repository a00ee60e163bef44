// TinyLLM plugin SDK — header-only C++ helper over plugin.h.
//
// A C++ plugin is one class per component plus one macro:
//
//     class EchoBackend final : public tinyllm::sdk::Backend {
//     public:
//         static constexpr const char *kName = "echo";
//         static constexpr const char *kDescription = "answers with the last user message";
//         static constexpr const char *kConfigSchema = R"({"type":"object"})";  // optional
//         EchoBackend(tinyllm::sdk::Host host, std::string_view config_json);
//         std::string chat(tinyllm::sdk::Call &call, std::string_view request) override;
//     };
//     constexpr tinyllm::sdk::PluginInfo kInfo{.id = "org.example.echo", .name = "Echo",
//                                              .version = "1.0.0", .description = "..."};
//     TINYLLM_PLUGIN(kInfo, EchoBackend)
//
// Every exception thrown by the class is caught at the ABI boundary and turned into a status and
// a message: throw tinyllm::sdk::Error to choose the status, anything else becomes
// TLLM_ERR_INTERNAL. Only the C++ standard library is used, so the helper adds no dependency.
#ifndef TINYLLM_PLUGIN_HPP
#define TINYLLM_PLUGIN_HPP

#include <tinyllm/plugin.h>

#include <array>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace tinyllm::sdk {

// An error with a status; what() is the one-line message the host shows.
class Error : public std::runtime_error {
public:
    Error(tllm_status status, const std::string &message)
        : std::runtime_error(message), status_(status) {}
    tllm_status status() const noexcept { return status_; }

private:
    tllm_status status_;
};

// Escape `text` as the inside of a JSON string literal (without the quotes).
inline std::string json_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 8);
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += ch;
            }
        }
    }
    return out;
}

// One invocation: cancellation, deadline and the event stream. Valid during the call only.
class Call {
public:
    explicit Call(const tllm_call *call) noexcept : call_(call) {}

    bool cancelled() const noexcept { return call_->is_cancelled(call_) != 0; }
    // Milliseconds before the caller's deadline, -1 for none.
    int64_t remaining_ms() const noexcept { return call_->remaining_ms(call_); }
    // Throw the cancellation error when the caller asked to stop.
    void check_cancelled() const {
        if (cancelled()) throw Error(TLLM_ERR_CANCELLED, "cancelled");
    }

    void emit(const std::string &event_json) const { call_->emit(call_, event_json.c_str()); }
    void token(std::string_view text) const {
        emit("{\"type\":\"token\",\"content\":\"" + json_escape(text) + "\"}");
    }
    void thinking(std::string_view text) const {
        emit("{\"type\":\"thinking\",\"content\":\"" + json_escape(text) + "\"}");
    }
    void progress(std::string_view status, int64_t completed, int64_t total) const {
        emit("{\"type\":\"progress\",\"status\":\"" + json_escape(status) + "\",\"completed\":" +
             std::to_string(completed) + ",\"total\":" + std::to_string(total) + "}");
    }

    const tllm_call *raw() const noexcept { return call_; }

private:
    const tllm_call *call_;
};

// The host's services for one instance.
class Host {
public:
    explicit Host(const tllm_host *host) noexcept : host_(host) {}

    void log(tllm_log_level level, const std::string &message) const {
        host_->log(host_, level, message.c_str());
    }
    bool log_enabled(tllm_log_level level) const { return host_->log_enabled(host_, level) != 0; }
    void debug(const std::string &m) const { log(TLLM_LOG_DEBUG, m); }
    void info(const std::string &m) const { log(TLLM_LOG_INFO, m); }
    void warn(const std::string &m) const { log(TLLM_LOG_WARN, m); }
    void error(const std::string &m) const { log(TLLM_LOG_ERROR, m); }

    // Chat with a configured model; returns the chat response JSON or throws Error.
    std::string chat(const Call &call, const std::string &request_json) const {
        char *out = nullptr;
        const tllm_status st = host_->chat(host_, call.raw(), request_json.c_str(), &out);
        return take(st, out);
    }
    // Invoke a tool; returns its result JSON or throws Error.
    std::string call_tool(const Call &call, const std::string &tool,
                          const std::string &arguments_json) const {
        char *out = nullptr;
        const tllm_status st =
            host_->call_tool(host_, call.raw(), tool.c_str(), arguments_json.c_str(), &out);
        return take(st, out);
    }

    // A tool's definition for a chat request's "tools" list; throws Error (NOT_FOUND for an
    // unknown tool, UNSUPPORTED from a host older than ABI 1.1).
    std::string describe_tool(const std::string &tool) const {
        if (host_->struct_size < offsetof(tllm_host, describe_tool) + sizeof host_->describe_tool ||
            host_->describe_tool == nullptr) {
            throw Error(TLLM_ERR_UNSUPPORTED, "this host cannot describe tools (ABI < 1.1)");
        }
        char *out = nullptr;
        const tllm_status st = host_->describe_tool(host_, tool.c_str(), &out);
        return take(st, out);
    }

    // What a chat from C data hands back: the answer's text, and the whole chat response
    // (JSON) when it was asked for.
    struct ChatAnswer {
        std::string content;
        std::string response;
    };

    // A chat call from C data (tllm_host.chat_messages, ABI 1.2): no JSON to write or read.
    // Throws Error (UNSUPPORTED from a host older than ABI 1.2).
    ChatAnswer chat(const Call &call, const tllm_chat_request &request,
                    bool want_response = false) const {
        if (host_->struct_size < offsetof(tllm_host, chat_messages) + sizeof host_->chat_messages ||
            host_->chat_messages == nullptr) {
            throw Error(TLLM_ERR_UNSUPPORTED,
                        "this host cannot take chat requests as C data (ABI < 1.2)");
        }
        char *content = nullptr;
        size_t size = 0;
        char *response = nullptr;
        const tllm_status st = host_->chat_messages(host_, call.raw(), &request, &content, &size,
                                                    want_response ? &response : nullptr);
        ChatAnswer answer;
        if (response != nullptr) answer.response = response;
        host_->free_string(host_, response);
        if (st == TLLM_OK && content != nullptr) {
            answer.content.assign(content, size); // the whole answer, NUL bytes included
            host_->free_string(host_, content);
            return answer;
        }
        answer.content = take(st, content);
        return answer;
    }

    const tllm_host *raw() const noexcept { return host_; }

private:
    std::string take(tllm_status status, char *out) const {
        std::string text = out ? out : "";
        host_->free_string(host_, out);
        if (status != TLLM_OK) throw Error(status, text);
        return text;
    }
    const tllm_host *host_;
};

// Base class of a tinyllm.backend/1 component. Override what the backend offers; the rest
// answers TLLM_ERR_UNSUPPORTED. Each function returns the result document (JSON). Functions may
// run concurrently on one instance unless the class sets `static constexpr uint32_t kFlags =
// TLLM_COMPONENT_SERIALIZED`.
class Backend {
public:
    static constexpr const char *kKind = TLLM_KIND_BACKEND;
    virtual ~Backend() = default;
    virtual std::string chat(Call &, std::string_view) { unsupported("chat"); }
    virtual std::string generate(Call &, std::string_view) { unsupported("generate"); }
    virtual std::string embed(Call &, std::string_view) { unsupported("embed"); }
    virtual std::string list_models(Call &) { unsupported("list_models"); }
    virtual std::string show_model(Call &, std::string_view) { unsupported("show_model"); }
    virtual std::string pull_model(Call &, std::string_view) { unsupported("pull_model"); }
    virtual std::string server_version(Call &) { unsupported("server_version"); }

protected:
    [[noreturn]] static void unsupported(const char *what) {
        throw Error(TLLM_ERR_UNSUPPORTED, std::string("this backend does not support ") + what);
    }
};

// Base class of a tinyllm.node/1 component: `process` takes the message JSON and returns the
// output document {"message": {...}, "route": "..."} or {"set": {...changed members...},
// "route": "..."} (route optional; docs/sdk.md#graph-messages). One instance serves one
// node of a graph; `process` may run concurrently for different runs unless kFlags says
// TLLM_COMPONENT_SERIALIZED.
class Node {
public:
    static constexpr const char *kKind = TLLM_KIND_NODE;
    virtual ~Node() = default;
    virtual std::string process(Call &call, std::string_view message_json) = 0;
};

// Base class of a tinyllm.tool/1 component. The class also declares
//     static constexpr const char *kParameters = R"({"type":"object",...})";
// (the JSON Schema of its arguments); `invoke` takes the arguments JSON, already checked
// against it, and returns the result document {"content": "...", "is_error": false, ...}.
// Use tool_result() to build the common shape. Throw Error(TLLM_ERR_INVALID_ARGUMENT, ...) for
// arguments the tool cannot use.
class Tool {
public:
    static constexpr const char *kKind = TLLM_KIND_TOOL;
    virtual ~Tool() = default;
    virtual std::string invoke(Call &call, std::string_view arguments_json) = 0;
    // `tinyllm doctor`'s check that the tool can work here: {"detail":"...","warning":false}
    // or throw Error saying what is missing. Override when the tool needs something.
    virtual std::string check(Call &) { return R"({"detail":"ready","warning":false})"; }
};

// {"content":"<content>","is_error":<is_error><extra_members>} where `extra_members` is empty
// or starts with a comma: ,"value":"4".
inline std::string tool_result(std::string_view content, bool is_error = false,
                               std::string_view extra_members = {}) {
    std::string out = "{\"content\":\"" + json_escape(content) + "\",\"is_error\":";
    out += is_error ? "true" : "false";
    out += extra_members;
    out += '}';
    return out;
}

// Plugin-level metadata for TINYLLM_PLUGIN.
struct PluginInfo {
    const char *id = nullptr;
    const char *name = nullptr;
    const char *version = nullptr;
    const char *description = nullptr;
    const char *vendor = nullptr;
    const char *license = nullptr;
};

namespace detail {

inline void copy_error(char *buf, size_t size, const char *message) {
    if (buf == nullptr || size == 0) return;
    std::snprintf(buf, size, "%s", message);
}

// Runs `fn` and turns every exception into a status + message on the call.
template <class Fn> tllm_status guarded(const tllm_call *call, Fn &&fn) noexcept {
    try {
        fn();
        return TLLM_OK;
    } catch (const Error &e) {
        call->set_error(call, e.status(), e.what());
        return e.status();
    } catch (const std::bad_alloc &) {
        call->set_error(call, TLLM_ERR_INTERNAL, "out of memory");
    } catch (const std::exception &e) {
        call->set_error(call, TLLM_ERR_INTERNAL, e.what());
    } catch (...) {
        call->set_error(call, TLLM_ERR_INTERNAL, "unknown C++ exception");
    }
    return TLLM_ERR_INTERNAL;
}

template <class T>
tllm_status create(const tllm_host *host, const char *config_json, void **out, char *error,
                   size_t error_size) noexcept {
    try {
        *out = new T(Host(host), std::string_view(config_json ? config_json : "{}"));
        return TLLM_OK;
    } catch (const Error &e) {
        copy_error(error, error_size, e.what());
        return e.status();
    } catch (const std::exception &e) {
        copy_error(error, error_size, e.what());
    } catch (...) {
        copy_error(error, error_size, "unknown C++ exception");
    }
    return TLLM_ERR_INTERNAL;
}

template <class T> void destroy(void *instance) noexcept {
    delete static_cast<T *>(instance);
}

// The host never passes NULL, but a C caller might: treat it as an empty document.
inline std::string_view doc(const char *r) {
    return r != nullptr ? r : "";
}

// Runs a component function returning its result document, and hands it to the call.
template <class Fn> tllm_status run_call(const tllm_call *c, Fn &&fn) noexcept {
    return guarded(c, [&] {
        Call call(c);
        const std::string out = fn(call);
        c->set_output(c, out.c_str());
    });
}

template <class T> struct BackendTable {
    static T &self(void *i) { return *static_cast<T *>(i); }
    template <class Fn> static tllm_status run(const tllm_call *c, Fn &&fn) noexcept {
        return run_call(c, std::forward<Fn>(fn));
    }
    static constexpr tllm_backend_v1 table{
        sizeof(tllm_backend_v1),
        [](void *i, const tllm_call *c, const char *r) {
            return run(c, [&](Call &call) { return self(i).chat(call, doc(r)); });
        },
        [](void *i, const tllm_call *c, const char *r) {
            return run(c, [&](Call &call) { return self(i).generate(call, doc(r)); });
        },
        [](void *i, const tllm_call *c, const char *r) {
            return run(c, [&](Call &call) { return self(i).embed(call, doc(r)); });
        },
        [](void *i, const tllm_call *c) {
            return run(c, [&](Call &call) { return self(i).list_models(call); });
        },
        [](void *i, const tllm_call *c, const char *r) {
            return run(c, [&](Call &call) { return self(i).show_model(call, doc(r)); });
        },
        [](void *i, const tllm_call *c, const char *r) {
            return run(c, [&](Call &call) { return self(i).pull_model(call, doc(r)); });
        },
        [](void *i, const tllm_call *c) {
            return run(c, [&](Call &call) { return self(i).server_version(call); });
        },
    };
};

template <class T> struct NodeTable {
    static constexpr tllm_node_v1 table{
        sizeof(tllm_node_v1),
        [](void *i, const tllm_call *c, const char *m) {
            return run_call(c,
                            [&](Call &call) { return static_cast<T *>(i)->process(call, doc(m)); });
        },
    };
};

template <class T> struct ToolTable {
    static constexpr tllm_tool_v1 table{
        sizeof(tllm_tool_v1),
        T::kParameters,
        [](void *i, const tllm_call *c, const char *a) {
            return run_call(c,
                            [&](Call &call) { return static_cast<T *>(i)->invoke(call, doc(a)); });
        },
        [](void *i, const tllm_call *c) {
            return run_call(c, [&](Call &call) { return static_cast<T *>(i)->check(call); });
        },
    };
};

template <class T> constexpr const void *vtable_of() {
    if constexpr (std::is_base_of_v<Backend, T>) {
        return &BackendTable<T>::table;
    } else if constexpr (std::is_base_of_v<Node, T>) {
        return &NodeTable<T>::table;
    } else if constexpr (std::is_base_of_v<Tool, T>) {
        return &ToolTable<T>::table;
    } else {
        static_assert(std::is_base_of_v<Backend, T> || std::is_base_of_v<Node, T> ||
                          std::is_base_of_v<Tool, T>,
                      "a component class must derive from a tinyllm::sdk kind base class");
        return nullptr;
    }
}

template <class T> constexpr const char *config_schema_of() {
    if constexpr (requires { T::kConfigSchema; })
        return T::kConfigSchema;
    else
        return nullptr;
}

template <class T> constexpr uint32_t flags_of() {
    if constexpr (requires { T::kFlags; })
        return T::kFlags;
    else
        return 0;
}

template <class T> constexpr tllm_component component() {
    return tllm_component{sizeof(tllm_component), T::kKind,      T::kName,   T::kDescription,
                          config_schema_of<T>(),  flags_of<T>(), &create<T>, &destroy<T>,
                          vtable_of<T>()};
}

template <class... Ts> struct Components {
    static constexpr std::array<tllm_component, sizeof...(Ts)> list{component<Ts>()...};
};

constexpr tllm_plugin_descriptor descriptor(const PluginInfo &info, uint32_t count,
                                            const tllm_component *components) {
    return tllm_plugin_descriptor{
        {TLLM_ABI_VERSION_MAJOR, TLLM_ABI_VERSION_MINOR},
        sizeof(tllm_plugin_descriptor),
        info.id,
        info.name,
        info.version,
        info.description,
        info.vendor,
        info.license,
        count,
        components,
        nullptr,
        nullptr,
    };
}

} // namespace detail
} // namespace tinyllm::sdk

// Defines the plugin's entry point from a PluginInfo and the list of component classes.
#define TINYLLM_PLUGIN(info, ...)                                                                  \
    namespace {                                                                                    \
    using tllm_plugin_components_ = ::tinyllm::sdk::detail::Components<__VA_ARGS__>;               \
    constexpr tllm_plugin_descriptor tllm_plugin_descriptor_ = ::tinyllm::sdk::detail::descriptor( \
        info, static_cast<uint32_t>(tllm_plugin_components_::list.size()),                         \
        tllm_plugin_components_::list.data());                                                     \
    }                                                                                              \
    TLLM_DEFINE_PLUGIN(tllm_plugin_descriptor_)

#endif // TINYLLM_PLUGIN_HPP
