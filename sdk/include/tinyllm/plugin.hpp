// TinyLLM plugin SDK — header-only C++ helper over plugin.h (C++17 or later).
//
// A C++ plugin is one class per component plus one macro:
//
//     class EchoBackend final : public tinyllm::sdk::Backend {
//     public:
//         static constexpr const char *kName = "echo";
//         static constexpr const char *kDescription = "answers with the last user message";
//         static constexpr const char *kConfigSchema = R"({"type":"object"})";  // optional
//         EchoBackend(tinyllm::sdk::Host host, std::string_view config_json);  // cheap
//         void activate(tinyllm::sdk::Call &call) override;                     // optional
//         std::string chat(tinyllm::sdk::Call &call, std::string_view request) override;
//     };
//     constexpr tinyllm::sdk::PluginInfo kInfo{"org.example.echo", "Echo", "1.0.0", "..."};
//     TINYLLM_PLUGIN(kInfo, EchoBackend)
//
// The constructor is the component's `create`: read the config, allocate, throw on a config
// the component cannot use; log and read JSON, but ask no model and call no tool. `activate`
// runs once before the first call, with every host service available (describe tools, check a
// server).
// Every exception thrown by the class is caught at the ABI boundary and turned into a status and
// a message: throw tinyllm::sdk::Error to choose the status, anything else becomes
// TLLM_ERR_INTERNAL. Only the C++ standard library is used, so the helper adds no dependency.
#ifndef TINYLLM_PLUGIN_HPP
#define TINYLLM_PLUGIN_HPP

#include <tinyllm/plugin.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

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

// A parsed JSON document read through the host's tinyllm.json/1 service: values by JSON Pointer
// ("/messages/0/content"), each typed getter empty when the value is absent or of another type.
// Movable, not copyable; string views stay valid while the document lives.
class Json {
public:
    Json(Json &&other) noexcept : service_(other.service_), doc_(other.doc_) {
        other.doc_ = nullptr;
    }
    Json &operator=(Json &&other) noexcept {
        std::swap(service_, other.service_);
        std::swap(doc_, other.doc_);
        return *this;
    }
    Json(const Json &) = delete;
    Json &operator=(const Json &) = delete;
    ~Json() {
        if (doc_ != nullptr) service_->free(doc_);
    }

    // Throws Error(TLLM_ERR_INVALID_ARGUMENT) naming `what` and the parser's reason.
    static Json parse(const tllm_json_service_v1 *service, std::string_view text,
                      std::string_view what = "JSON") {
        char error[256] = "";
        tllm_json *doc = service->parse(text.data(), text.size(), error, sizeof error);
        if (doc == nullptr) {
            throw Error(TLLM_ERR_INVALID_ARGUMENT, std::string(what) + ": " + error);
        }
        return Json(service, doc);
    }

    tllm_json_type type(const char *pointer = "") const {
        return static_cast<tllm_json_type>(service_->type(doc_, pointer));
    }
    bool has(const char *pointer) const { return type(pointer) != TLLM_JSON_ABSENT; }
    std::optional<std::string_view> string(const char *pointer) const {
        size_t size = 0;
        const char *s = service_->string(doc_, pointer, &size);
        if (s == nullptr) return std::nullopt;
        return std::string_view(s, size);
    }
    std::optional<int64_t> integer(const char *pointer) const {
        int64_t v = 0;
        return service_->integer(doc_, pointer, &v) ? std::optional<int64_t>(v) : std::nullopt;
    }
    std::optional<double> number(const char *pointer) const {
        double v = 0;
        return service_->number(doc_, pointer, &v) ? std::optional<double>(v) : std::nullopt;
    }
    std::optional<bool> boolean(const char *pointer) const {
        int32_t v = 0;
        return service_->boolean(doc_, pointer, &v) ? std::optional<bool>(v != 0) : std::nullopt;
    }
    // Elements of an array, members of an object, 0 otherwise.
    size_t count(const char *pointer = "") const { return service_->count(doc_, pointer); }
    // The name of member `index` of the object at `pointer`.
    std::optional<std::string_view> key(const char *pointer, size_t index) const {
        const char *k = service_->key(doc_, pointer, index);
        return k != nullptr ? std::optional<std::string_view>(k) : std::nullopt;
    }
    // The value at `pointer` as compact JSON text.
    std::optional<std::string> write(const char *pointer = "") const {
        char *text = service_->write(doc_, pointer);
        if (text == nullptr) return std::nullopt;
        std::string out(text);
        service_->free_text(text);
        return out;
    }

    // Since 2.3: put `value_json` at `pointer` the way JSON Patch's "add" does (replace a
    // member or element, add a member, insert into an array before the index; "-" appends), or
    // remove what is there. Throws Error(TLLM_ERR_INVALID_ARGUMENT) with the host's reason, or
    // TLLM_ERR_UNSUPPORTED from a host older than 2.3; the document is unchanged then.
    void set(const char *pointer, std::string_view value_json) {
        require_edits();
        char error[256] = "";
        const tllm_status st =
            service_->set(doc_, pointer, value_json.data(), value_json.size(), error, sizeof error);
        if (st != TLLM_OK) throw Error(st, std::string("cannot set ") + pointer + ": " + error);
    }
    void remove(const char *pointer) {
        require_edits();
        char error[256] = "";
        const tllm_status st = service_->remove(doc_, pointer, error, sizeof error);
        if (st != TLLM_OK) throw Error(st, std::string("cannot remove ") + pointer + ": " + error);
    }

private:
    Json(const tllm_json_service_v1 *service, tllm_json *doc) noexcept
        : service_(service), doc_(doc) {}
    void require_edits() const {
        if (!TLLM_HAS_FIELD(service_, tllm_json_service_v1, remove)) {
            throw Error(TLLM_ERR_UNSUPPORTED, "this host cannot edit JSON (it predates SDK 2.3)");
        }
    }
    const tllm_json_service_v1 *service_;
    tllm_json *doc_;
};

// One message of a chat request (Host::chat).
struct ChatMessage {
    std::string role;
    std::string content;
    std::string tool_calls_json; // assistant: the tool calls it made (JSON array), or empty
    std::string tool_name;       // tool: the tool that produced `content`, or empty
};

// A chat request: the fields of tllm_chat_request, owned. Empty strings are "not given".
struct ChatRequest {
    std::string model; // a models.yaml name; empty: default_model
    std::vector<ChatMessage> messages;
    bool stream = false; // emit the answer's tokens as events on the call too
    tllm_think think = TLLM_THINK_DEFAULT;
    std::string options_json; // a JSON object of model options
    std::string format_json;  // "json" (quoted) or a JSON Schema object
    std::string tools_json;   // a JSON array of tool definitions (Host::describe_tool)
};

// What the model answered.
struct ChatAnswer {
    std::string content;
    std::string thinking;
    std::string tool_calls_json; // empty, or the JSON array of tool calls the model asks for
    std::string done_reason;
    int64_t prompt_tokens = -1;
    int64_t completion_tokens = -1;
};

// The host's services for one instance. Chat and tools need a Call: use them in activate and in
// the kind's functions, never in the constructor.
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

    // A service table by id, or throws Error(TLLM_ERR_UNSUPPORTED) when the host has none.
    template <class Table> const Table *service(const char *id) const {
        const auto *table = static_cast<const Table *>(host_->get_service(host_, id));
        if (table == nullptr) {
            throw Error(TLLM_ERR_UNSUPPORTED, std::string("this host offers no ") + id);
        }
        return table;
    }

    // Ask a model; throws Error with the host's reason.
    ChatAnswer chat(const Call &call, const ChatRequest &request) const {
        const auto *chat = service<tllm_chat_service_v1>(TLLM_SERVICE_CHAT);
        std::vector<tllm_chat_message> messages;
        messages.reserve(request.messages.size());
        const auto opt = [](const std::string &s) { return s.empty() ? nullptr : s.c_str(); };
        for (const ChatMessage &m : request.messages) {
            tllm_chat_message c = TLLM_CHAT_MESSAGE_INIT;
            c.role = m.role.c_str();
            c.content = m.content.c_str();
            c.content_size = m.content.size(); // whole, NUL bytes included (0 reads to the NUL)
            c.tool_calls_json = opt(m.tool_calls_json);
            c.tool_name = opt(m.tool_name);
            messages.push_back(c);
        }
        tllm_chat_request r = TLLM_CHAT_REQUEST_INIT;
        r.model = request.model.c_str();
        r.messages = messages.data();
        r.message_count = static_cast<uint32_t>(messages.size());
        r.stream = request.stream ? 1 : 0;
        r.think = request.think;
        r.options_json = opt(request.options_json);
        r.format_json = opt(request.format_json);
        r.tools_json = opt(request.tools_json);
        tllm_chat_result result = TLLM_CHAT_RESULT_INIT;
        const tllm_status status = chat->chat(host_, call.raw(), &r, &result);
        ChatAnswer answer;
        std::string error;
        try {
            const auto text = [](const char *s) { return s != nullptr ? std::string(s) : ""; };
            if (status == TLLM_OK) {
                if (result.content != nullptr)
                    answer.content.assign(result.content, result.content_size);
                answer.thinking = text(result.thinking);
                answer.tool_calls_json = text(result.tool_calls_json);
                answer.done_reason = text(result.done_reason);
                answer.prompt_tokens = result.prompt_tokens;
                answer.completion_tokens = result.completion_tokens;
            } else {
                error = result.error != nullptr ? result.error : "chat failed";
            }
        } catch (...) {
            chat->free_result(host_, &result);
            throw;
        }
        chat->free_result(host_, &result);
        if (status != TLLM_OK) throw Error(status, error);
        return answer;
    }

    // Invoke a tool; returns its result document (JSON) or throws Error.
    std::string call_tool(const Call &call, const std::string &tool,
                          const std::string &arguments_json) const {
        const auto *tools = service<tllm_tools_service_v1>(TLLM_SERVICE_TOOLS);
        char *out = nullptr;
        const tllm_status st =
            tools->call(host_, call.raw(), tool.c_str(), arguments_json.c_str(), &out);
        return take(st, out);
    }

    // A tool's definition for ChatRequest::tools_json; throws Error (NOT_FOUND for an unknown
    // tool). Tools exist from activate on.
    std::string describe_tool(const std::string &tool) const {
        const auto *tools = service<tllm_tools_service_v1>(TLLM_SERVICE_TOOLS);
        char *out = nullptr;
        const tllm_status st = tools->describe(host_, tool.c_str(), &out);
        return take(st, out);
    }

    // The prompt file `id` as JSON (tllm_prompts_service_v1.get); throws Error (NOT_FOUND for
    // an unknown id).
    std::string prompt(const std::string &id) const {
        const auto *prompts = service<tllm_prompts_service_v1>(TLLM_SERVICE_PROMPTS);
        char *out = nullptr;
        const tllm_status st = prompts->get(host_, id.c_str(), &out); // before `out` is read
        return take(st, out);
    }

    // The ladder of `role`: model names, smallest first; throws Error (NOT_FOUND naming the
    // role when no model has it).
    std::vector<std::string> role_models(const std::string &role,
                                         const std::string &min_size = {}) const {
        const auto *models = service<tllm_models_service_v1>(TLLM_SERVICE_MODELS);
        char *out = nullptr;
        const tllm_status st = models->role(host_, role.c_str(), min_size.c_str(), &out);
        const std::string text = take(st, out);
        const Json doc = parse_json(text, "role models");
        std::vector<std::string> names;
        for (size_t i = 0, n = doc.count(""); i < n; ++i)
            names.emplace_back(doc.string(("/" + std::to_string(i)).c_str()).value_or(""));
        return names;
    }

    // Embeddings of `texts` with `model` (empty: default_model), one vector per text, in
    // order; cached by the host. Throws Error.
    std::vector<std::vector<float>> embed(const Call &call, const std::string &model,
                                          const std::vector<std::string> &texts) const {
        const auto *models = service<tllm_models_service_v1>(TLLM_SERVICE_MODELS);
        std::string list = "[";
        for (const std::string &t : texts)
            list += (list.size() > 1 ? ",\"" : "\"") + json_escape(t) + "\"";
        list += "]";
        char *out = nullptr;
        const tllm_status st = models->embed(host_, call.raw(), model.c_str(), list.c_str(), &out);
        const std::string text = take(st, out);
        const Json doc = parse_json(text, "embeddings");
        std::vector<std::vector<float>> vectors(doc.count("/embeddings"));
        for (size_t i = 0; i < vectors.size(); ++i) {
            const std::string row = "/embeddings/" + std::to_string(i);
            vectors[i].resize(doc.count(row.c_str()));
            for (size_t k = 0; k < vectors[i].size(); ++k)
                vectors[i][k] = static_cast<float>(
                    doc.number((row + "/" + std::to_string(k)).c_str()).value_or(0.0));
        }
        return vectors;
    }

    // Grade with the judge `judge` (empty: judges.yaml's default_judge): a grade request
    // (GradeRequest::to_json) in, the host-checked verdict JSON out (Verdict::parse reads it).
    // Throws Error (NOT_FOUND for an unknown judge, the judge's own failure otherwise).
    std::string grade(const Call &call, const std::string &judge,
                      const std::string &request_json) const {
        const auto *judges = service<tllm_judges_service_v1>(TLLM_SERVICE_JUDGES);
        char *out = nullptr;
        const tllm_status st =
            judges->grade(host_, call.raw(), judge.c_str(), request_json.c_str(), &out);
        return take(st, out);
    }
    // Pairwise comparison with a judge that offers it; same rules as grade.
    std::string compare(const Call &call, const std::string &judge,
                        const std::string &request_json) const {
        const auto *judges = service<tllm_judges_service_v1>(TLLM_SERVICE_JUDGES);
        char *out = nullptr;
        const tllm_status st =
            judges->compare(host_, call.raw(), judge.c_str(), request_json.c_str(), &out);
        return take(st, out);
    }

    // Parse JSON with the host's reader; throws Error(TLLM_ERR_INVALID_ARGUMENT) naming `what`.
    Json parse_json(std::string_view text, std::string_view what = "JSON") const {
        return Json::parse(service<tllm_json_service_v1>(TLLM_SERVICE_JSON), text, what);
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
    // Ready the instance before its first call (host services available); throw Error to fail.
    virtual void activate(Call &) {}
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
namespace detail {
template <class T> struct NodeTable;
} // namespace detail

class Node {
public:
    static constexpr const char *kKind = TLLM_KIND_NODE;
    virtual ~Node() = default;
    // Ready the instance before its first call (describe tools...); throw Error to fail.
    virtual void activate(Call &) {}
    virtual std::string process(Call &call, std::string_view message_json) = 0;
    // The routes `process` may return, for the graph's build-time check; empty: not declared
    // (any route). Called once, after the constructor.
    virtual std::vector<std::string> routes() const { return {}; }

private:
    template <class T> friend struct detail::NodeTable;
    std::string routes_json_; // routes() as the C function hands it out
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
    // Ready the instance before its first call; throw Error to fail.
    virtual void activate(Call &) {}
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

// A judge's grade request (tllm_judge_v1.grade), read with GradeRequest::parse or written with
// to_json. `context_json` is the context object as JSON text ("{}" when absent).
struct GradeRequest {
    std::string input;
    std::string output;
    std::optional<std::string> expected;
    std::string context_json = "{}";
    std::optional<std::string> rubric;

    static GradeRequest parse(const Host &host, std::string_view request_json) {
        const Json doc = host.parse_json(request_json, "grade request");
        GradeRequest r;
        r.input = std::string(doc.string("/input").value_or(""));
        r.output = std::string(doc.string("/output").value_or(""));
        if (auto e = doc.string("/expected")) r.expected = std::string(*e);
        if (doc.type("/context") == TLLM_JSON_OBJECT) r.context_json = *doc.write("/context");
        if (auto b = doc.string("/rubric")) r.rubric = std::string(*b);
        return r;
    }

    std::string to_json() const {
        std::string out =
            "{\"input\":\"" + json_escape(input) + "\",\"output\":\"" + json_escape(output) + "\"";
        if (expected) out += ",\"expected\":\"" + json_escape(*expected) + "\"";
        out += ",\"context\":" + (context_json.empty() ? std::string("{}") : context_json);
        if (rubric) out += ",\"rubric\":\"" + json_escape(*rubric) + "\"";
        out += '}';
        return out;
    }
};

// A judge's verdict (tllm_judge_v1.grade's output): build one and return to_json(), or read the
// host's answer to Host::grade with Verdict::parse. Label values are written as JSON strings.
struct Verdict {
    double score = 0;
    bool pass = false;
    std::vector<std::string> reasons;
    std::vector<std::pair<std::string, std::string>> labels;

    std::string to_json() const {
        char number[32];
        std::snprintf(number, sizeof number, "%.17g", score);
        std::string out = std::string("{\"score\":") + number +
                          ",\"pass\":" + (pass ? "true" : "false") + ",\"reasons\":[";
        for (size_t i = 0; i < reasons.size(); ++i)
            out += (i ? ",\"" : "\"") + json_escape(reasons[i]) + "\"";
        out += "],\"labels\":{";
        for (size_t i = 0; i < labels.size(); ++i)
            out += (i ? ",\"" : "\"") + json_escape(labels[i].first) + "\":\"" +
                   json_escape(labels[i].second) + "\"";
        out += "}}";
        return out;
    }

    static Verdict parse(const Host &host, std::string_view verdict_json) {
        const Json doc = host.parse_json(verdict_json, "verdict");
        Verdict v;
        v.score = doc.number("/score").value_or(0.0);
        v.pass = doc.boolean("/pass").value_or(false);
        for (size_t i = 0, n = doc.count("/reasons"); i < n; ++i)
            v.reasons.emplace_back(
                doc.string(("/reasons/" + std::to_string(i)).c_str()).value_or(""));
        for (size_t i = 0, n = doc.count("/labels"); i < n; ++i) {
            const std::string key(doc.key("/labels", i).value_or(""));
            std::string pointer = "/labels/";
            for (char c : key)
                pointer += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
            const auto text = doc.string(pointer.c_str());
            v.labels.emplace_back(key, text ? std::string(*text)
                                            : doc.write(pointer.c_str()).value_or(""));
        }
        return v;
    }
};

// Base class of a tinyllm.judge/1 component: `grade` takes the grade request JSON (read it with
// GradeRequest::parse) and returns the verdict JSON (Verdict::to_json). Override `compare` for
// pairwise judgements ({"preference":"a"|"b"|"tie",...}); without it the host answers that the
// judge does not compare. Both may run concurrently unless kFlags says
// TLLM_COMPONENT_SERIALIZED.
class Judge {
public:
    static constexpr const char *kKind = TLLM_KIND_JUDGE;
    virtual ~Judge() = default;
    // Ready the instance before its first call (fetch a prompt, check a tool); throw Error.
    virtual void activate(Call &) {}
    virtual std::string grade(Call &call, std::string_view request_json) = 0;
    virtual std::string compare(Call &, std::string_view) {
        throw Error(TLLM_ERR_UNSUPPORTED, "this judge does not compare two answers");
    }
};

// What a mutation is asked (tllm_mutation_v1.propose), read with MutationRequest::parse: the
// graph, the node to improve and its position, and the whole request for the failures, metrics
// and role ladders (read them by JSON Pointer: "/failures/0/examples/0/input",
// "/metrics/labels/word_problems/failures", "/roles/math/1").
struct MutationRequest {
    std::string node;
    size_t node_index = 0; // the node's position in /graph/nodes
    Json request;
    std::string graph_json; // compact

    static MutationRequest parse(const Host &host, std::string_view request_json) {
        Json doc = host.parse_json(request_json, "mutation request");
        std::string node(doc.string("/node").value_or(""));
        const size_t count = doc.count("/graph/nodes");
        size_t index = count;
        for (size_t i = 0; i < count && index == count; ++i) {
            const std::string id = "/graph/nodes/" + std::to_string(i) + "/id";
            if (doc.string(id.c_str()).value_or("") == node) index = i;
        }
        if (index == count) {
            throw Error(TLLM_ERR_INVALID_ARGUMENT, "no node \"" + node + "\" in the graph");
        }
        std::string graph = doc.write("/graph").value_or("{}");
        return MutationRequest{std::move(node), index, std::move(doc), std::move(graph)};
    }

    // A fresh, editable copy of the graph for one candidate (Json::set, Json::remove).
    Json graph(const Host &host) const { return host.parse_json(graph_json, "graph"); }
    // "/nodes/3" followed by `member` ("/config/tools"): the node inside graph().
    std::string node_pointer(std::string_view member = "") const {
        return "/nodes/" + std::to_string(node_index) + std::string(member);
    }
};

// One proposal of a mutation: the changed graph (a whole graph document), why, and the nodes
// it adds or changes.
struct Candidate {
    std::string graph_json;
    std::string rationale;
    std::vector<std::string> touched_nodes;
};

// The output of tllm_mutation_v1.propose.
inline std::string candidates_to_json(const std::vector<Candidate> &candidates,
                                      const std::vector<std::string> &reasons = {}) {
    std::string out = "{\"candidates\":[";
    for (size_t i = 0; i < candidates.size(); ++i) {
        const Candidate &c = candidates[i];
        out += (i ? ",{" : "{");
        out += "\"graph\":" + c.graph_json + ",\"rationale\":\"" + json_escape(c.rationale) +
               "\",\"touched_nodes\":[";
        for (size_t k = 0; k < c.touched_nodes.size(); ++k)
            out += (k ? ",\"" : "\"") + json_escape(c.touched_nodes[k]) + "\"";
        out += "]}";
    }
    out += "],\"reasons\":[";
    for (size_t i = 0; i < reasons.size(); ++i)
        out += (i ? ",\"" : "\"") + json_escape(reasons[i]) + "\"";
    out += "]}";
    return out;
}

// Base class of a tinyllm.mutation/1 component: `propose` takes the request JSON (read it with
// MutationRequest::parse) and returns candidates_to_json(...). May run concurrently unless kFlags
// says TLLM_COMPONENT_SERIALIZED.
class Mutation {
public:
    static constexpr const char *kKind = TLLM_KIND_MUTATION;
    virtual ~Mutation() = default;
    virtual void activate(Call &) {}
    virtual std::string propose(Call &call, std::string_view request_json) = 0;
};

// Plugin-level metadata for TINYLLM_PLUGIN.
struct PluginInfo {
    const char *id = nullptr;
    const char *name = nullptr;
    const char *version = nullptr;
    const char *description = nullptr;
    const char *vendor = nullptr;
    const char *license = nullptr;
    // Optional: tllm_plugin_descriptor.init and .deinit.
    tllm_status (*init)(const char *plugin_path, char *error, size_t error_size) = nullptr;
    void (*deinit)() = nullptr;
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

template <class T> tllm_status activate(void *instance, const tllm_call *c) noexcept {
    return guarded(c, [&] {
        Call call(c);
        static_cast<T *>(instance)->activate(call);
    });
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
        [](void *i) -> const char * {
            Node &node = *static_cast<T *>(i);
            const std::vector<std::string> routes = node.routes();
            if (routes.empty()) return nullptr;
            node.routes_json_ = "[";
            for (const std::string &r : routes)
                node.routes_json_ +=
                    (node.routes_json_.size() > 1 ? ",\"" : "\"") + json_escape(r) + "\"";
            node.routes_json_ += "]";
            return node.routes_json_.c_str();
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

template <class T> struct JudgeTable {
    static constexpr tllm_judge_v1 table{
        sizeof(tllm_judge_v1),
        [](void *i, const tllm_call *c, const char *r) {
            return run_call(c,
                            [&](Call &call) { return static_cast<T *>(i)->grade(call, doc(r)); });
        },
        [](void *i, const tllm_call *c, const char *r) {
            return run_call(c,
                            [&](Call &call) { return static_cast<T *>(i)->compare(call, doc(r)); });
        },
    };
};

template <class T> struct MutationTable {
    static constexpr tllm_mutation_v1 table{
        sizeof(tllm_mutation_v1),
        [](void *i, const tllm_call *c, const char *r) {
            return run_call(c,
                            [&](Call &call) { return static_cast<T *>(i)->propose(call, doc(r)); });
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
    } else if constexpr (std::is_base_of_v<Judge, T>) {
        return &JudgeTable<T>::table;
    } else if constexpr (std::is_base_of_v<Mutation, T>) {
        return &MutationTable<T>::table;
    } else {
        static_assert(std::is_base_of_v<Backend, T> || std::is_base_of_v<Node, T> ||
                          std::is_base_of_v<Tool, T> || std::is_base_of_v<Judge, T> ||
                          std::is_base_of_v<Mutation, T>,
                      "a component class must derive from a tinyllm::sdk kind base class");
        return nullptr;
    }
}

// Optional static members of a component class, detected the C++17 way.
template <class T, class = void> struct HasConfigSchema : std::false_type {};
template <class T>
struct HasConfigSchema<T, std::void_t<decltype(T::kConfigSchema)>> : std::true_type {};
template <class T, class = void> struct HasFlags : std::false_type {};
template <class T> struct HasFlags<T, std::void_t<decltype(T::kFlags)>> : std::true_type {};

template <class T> constexpr const char *config_schema_of() {
    if constexpr (HasConfigSchema<T>::value)
        return T::kConfigSchema;
    else
        return nullptr;
}

template <class T> constexpr uint32_t flags_of() {
    if constexpr (HasFlags<T>::value)
        return T::kFlags;
    else
        return 0;
}

template <class T> constexpr tllm_component component() {
    return tllm_component{
        sizeof(tllm_component), T::kKind,   T::kName,     T::kDescription, config_schema_of<T>(),
        flags_of<T>(),          &create<T>, &activate<T>, &destroy<T>,     vtable_of<T>()};
}

template <class... Ts> struct Components {
    static constexpr std::array<tllm_component, sizeof...(Ts)> list{component<Ts>()...};
};

constexpr tllm_plugin_descriptor descriptor(const PluginInfo &info, uint32_t count,
                                            const tllm_component *components) {
    return tllm_plugin_descriptor{
        TLLM_ABI_VERSION_INIT,
        sizeof(tllm_plugin_descriptor),
        info.id,
        info.name,
        info.version,
        info.description,
        info.vendor,
        info.license,
        count,
        components,
        info.init,
        info.deinit,
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
