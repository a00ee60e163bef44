#include "validate/conformance.hpp"

#include "graph/executor.hpp"
#include "plugin/loader.hpp"
#include "runtime/backend.hpp"
#include "runtime/component_config.hpp"
#include "runtime/judge.hpp"
#include "runtime/mutation.hpp"
#include "runtime/node.hpp"
#include "runtime/tool.hpp"
#include "tinyllm/json.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <optional>
#include <regex>
#include <thread>
#include <unistd.h>

namespace tinyllm::validate {

namespace {

using runtime::CallContext;
using runtime::Clock;

// Each call gets this long; the child as a whole is bounded by its parent.
constexpr std::chrono::seconds kCallBudget{10};
// A call is cancelled this long after it starts, and must return within kCancelBound of that.
constexpr std::chrono::milliseconds kCancelAfter{50};
constexpr std::chrono::milliseconds kCancelBound{2000};
// How long activate may take with the validator's canned services (no server behind them).
constexpr std::chrono::milliseconds kActivateBound{10000};
constexpr int kThreads = 4;
constexpr int kCallsPerThread = 3;

// The validator's host: a chat answers with one fixed, labelled text (so a node that asks a
// model can be exercised without a server), and so does a judge asked for a grade; tools are not
// available.
class ValidatorServices final : public runtime::HostServices {
public:
    // The request already passed the chat service's checks; the answer is a fixed one.
    messages::ChatResponse chat(const tllm_call *, messages::ChatRequest) override {
        messages::ChatResponse response;
        response.model = "validate";
        response.message.role = "assistant";
        response.message.content = "a canned answer from tinyllm plugins validate";
        response.done_reason = "stop";
        response.prompt_eval_count = 1;
        response.eval_count = 1;
        return response;
    }
    std::string call_tool(const tllm_call *, const std::string &tool,
                          const std::string &) override {
        throw Error(ErrorCode::not_found, "no tool \"" + tool + "\" while validating a plugin");
    }
    std::string describe_tool(const std::string &tool) override {
        throw Error(ErrorCode::not_found, "no tool \"" + tool + "\" while validating a plugin");
    }
    std::string grade(const tllm_call *, const std::string &, const std::string &) override {
        return R"({"score":1,"pass":true,"reasons":["a canned verdict from tinyllm plugins validate"],"labels":{}})";
    }
};

class Suite {
public:
    explicit Suite(const Reporter &report) : report_(report) {}

    // Runs `fn` as one check: it returns the detail of a pass and throws Error for a failure.
    template <class Fn> bool check(const std::string &name, Fn &&fn) {
        if (report_.start) report_.start(name);
        CheckResult r{name, true, {}};
        try {
            r.detail = fn();
        } catch (const Error &e) {
            r.ok = false;
            r.detail = e.what();
        } catch (const std::exception &e) {
            r.ok = false;
            r.detail = std::string("unexpected: ") + e.what();
        }
        if (report_.result) report_.result(r);
        return r.ok;
    }

private:
    const Reporter &report_;
};

Error contract(const std::string &what) {
    return Error(ErrorCode::plugin, what);
}

json::Document object_output(const std::string &text, const char *what) {
    try {
        return json::parse_object(text, what);
    } catch (const Error &e) {
        throw contract(std::string(what) + " is not a JSON object: " + e.what());
    }
}

// A call that either answers or fails properly: a non-OK status with a message. Both pass;
// what is checked is the answer's shape when there is one. Returns the output, or nullopt
// with `failure` set.
template <class Fn>
std::optional<std::string> call_once(Fn &&fn, std::string &failure,
                                     runtime::CancelToken token = {}) {
    CallContext call(token, Clock::now() + kCallBudget, {});
    try {
        return fn(call);
    } catch (const Error &e) {
        // The host reports a C++ exception that crossed the C ABI as a plugin error.
        if (e.code() == ErrorCode::plugin) throw;
        if (std::string_view(e.what()).empty()) throw contract("failed without a message");
        failure = e.what();
        return std::nullopt;
    }
}

void check_node_output(const std::string &text) {
    const json::Document doc = object_output(text, "process's output");
    const json::Value *found = nullptr;
    int shapes = 0;
    for (const char *key : {"message", "set", "patch"}) {
        if (const json::Value *v = json::find(doc, key)) {
            found = v;
            ++shapes;
        }
    }
    if (shapes != 1) {
        throw contract(
            "process's output must have exactly one of \"message\", \"set\" and \"patch\": " +
            text.substr(0, 200));
    }
    if (!found->IsObject()) {
        throw contract("process's \"message\"/\"set\"/\"patch\" must be an object");
    }
    if (const json::Value *route = json::find(doc, "route"); route && !route->IsString()) {
        throw contract("process's \"route\" must be a string");
    }
}

void check_tool_output(const std::string &text) {
    const json::Document doc = object_output(text, "invoke's result");
    const json::Value *content = json::find(doc, "content");
    if (content == nullptr || !content->IsString()) {
        throw contract("invoke's result needs a string \"content\"");
    }
    if (const json::Value *e = json::find(doc, "is_error"); e && !e->IsBool()) {
        throw contract("invoke's \"is_error\" must be a boolean");
    }
}

// Arguments satisfying a tool's parameters schema: each required property with a sample value
// of its type (an enum's first value when it has one).
std::string sample_arguments(const char *schema_text) {
    const json::Document schema = json::parse_object(schema_text, "parameters_schema");
    json::Document args(rapidjson::kObjectType);
    auto &a = args.GetAllocator();
    const json::Value *props = json::find(schema, "properties");
    const json::Value *required = json::find(schema, "required");
    if (props == nullptr || !props->IsObject() || required == nullptr || !required->IsArray()) {
        return "{}";
    }
    for (const auto &name : required->GetArray()) {
        if (!name.IsString()) continue;
        const json::Value *p = json::find(*props, name.GetString());
        json::Value v;
        const std::string type = p ? json::get_string(*p, "type").value_or("string") : "string";
        if (const json::Value *e = p ? json::find(*p, "enum") : nullptr;
            e && e->IsArray() && !e->Empty()) {
            v.CopyFrom((*e)[0], a);
        } else if (type == "integer") {
            v.SetInt(1);
        } else if (type == "number") {
            v.SetDouble(1.5);
        } else if (type == "boolean") {
            v.SetBool(true);
        } else if (type == "array") {
            v.SetArray();
        } else if (type == "object") {
            v.SetObject();
        } else {
            v = json::string_value("1 + 1", a); // reads as text, and as an expression
        }
        args.AddMember(json::Value(name, a), v, a);
    }
    return json::to_string(args);
}

// The same call from several threads at once must behave as it does alone.
template <class Fn> std::string concurrently(Fn &&call_fn) {
    std::atomic<int> answered{0};
    std::atomic<int> failed{0};
    std::mutex mutex;
    std::optional<Error> broken; // the first call that broke the contract
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kCallsPerThread; ++i) {
                std::string failure;
                try {
                    if (call_once(call_fn, failure)) {
                        answered.fetch_add(1);
                    } else {
                        failed.fetch_add(1);
                    }
                } catch (const Error &e) {
                    std::lock_guard lock(mutex);
                    if (!broken) broken = e;
                }
            }
        });
    }
    for (auto &t : threads)
        t.join();
    if (broken) throw *broken;
    return std::to_string(kThreads * kCallsPerThread) + " calls from " + std::to_string(kThreads) +
           " threads: " + std::to_string(answered.load()) + " answered, " +
           std::to_string(failed.load()) + " failed properly";
}

// A call cancelled while it runs returns promptly. (A call that finishes before the cancel
// passes too: there was nothing to stop.)
template <class Fn> std::string cancelled_call(Fn &&call_fn) {
    runtime::CancelToken token;
    std::atomic<bool> done{false};
    std::optional<Clock::time_point> cancelled_at;
    std::thread canceller([&] {
        const auto until = Clock::now() + kCancelAfter;
        while (!done.load() && Clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        if (!done.load()) {
            cancelled_at = Clock::now();
            token.cancel();
        }
    });
    std::string failure;
    const auto start = Clock::now();
    try {
        call_once(call_fn, failure, token);
    } catch (...) {
        done.store(true);
        canceller.join();
        throw;
    }
    done.store(true);
    canceller.join();
    const auto end = Clock::now();
    const auto ms = [](Clock::duration d) {
        return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
    };
    if (!cancelled_at) return "returned in " + ms(end - start) + " ms, before it was cancelled";
    if (end - *cancelled_at > kCancelBound) {
        throw contract("cancelled " + ms(kCancelAfter) + " ms after it started, the call took " +
                       ms(end - *cancelled_at) + " ms more to return (at most " + ms(kCancelBound) +
                       ")");
    }
    return "cancelled after " + ms(kCancelAfter) + " ms, returned " + ms(end - *cancelled_at) +
           " ms later" + (failure.empty() ? "" : ": " + failure);
}

// What a mutation is asked while validating: a two-node graph (as a graph file holds it, its
// defaults filled in) whose second node fails, mostly by timing out.
constexpr std::string_view kSampleExpansionRequest = R"({
  "graph": {
    "id": "validate",
    "version": "1.0.0",
    "description": "A two-node sample graph from tinyllm plugins validate.",
    "entry": "first",
    "exits": ["second"],
    "limits": {"max_steps": 10, "timeout_ms": 0},
    "nodes": [
      {"id": "first", "type": "passthrough", "config": {}, "timeout_ms": 0,
       "retry": {"max_attempts": 1, "backoff_ms": 200, "max_backoff_ms": 5000}, "max_visits": 0},
      {"id": "second", "type": "model", "config": {"prompt": "{{input}}"}, "timeout_ms": 30000,
       "retry": {"max_attempts": 1, "backoff_ms": 200, "max_backoff_ms": 5000}, "max_visits": 0}
    ],
    "edges": [{"from": "first", "to": "second"}]
  },
  "node": "second",
  "failures": [
    {"category": "timeout", "key": "timeout", "count": 6, "labels": {"arithmetic": 6},
     "examples": [{"input": "what is 2+2?", "output": "", "reasons": ["node second timed out"],
                   "label": "arithmetic", "tools": []}]},
    {"category": "judge_verdict", "key": "failure=wrong_number", "count": 2,
     "labels": {"arithmetic": 2},
     "examples": [{"input": "what is 3*3?", "output": "6", "expected": "9",
                   "reasons": ["the answer's final number 6 is not 9"], "label": "arithmetic",
                   "tools": []}]}
  ],
  "metrics": {"requests": 20, "graded": 20, "failures": 8, "failure_rate": 0.4,
              "labels": {"arithmetic": {"graded": 20, "failures": 8}},
              "models": {"qwen2.5:1.5b": 20}, "tools": {}},
  "roles": {"general": ["qwen2.5:0.5b", "qwen2.5:1.5b", "qwen2.5:3b"]}
})";

// One line for a proposal: how many candidates, the nodes they touch, the reasons.
std::string summary_of(const runtime::MutationProposal &p) {
    std::string out = std::to_string(p.candidates.size()) + " candidate(s)";
    for (const runtime::MutationCandidate &c : p.candidates) {
        out += "; touching";
        for (const std::string &node : c.touched_nodes)
            out += " " + node;
        out += ": " + c.rationale;
    }
    for (const std::string &reason : p.reasons)
        out += "; " + reason;
    return out;
}

// The kind-specific checks of one component; `config` is its default (or example) config.
void check_component(Suite &suite, plugin::ComponentRef ref, const std::string &config,
                     runtime::HostServices &services) {
    const tllm_component &c = *ref.component;
    const std::string label = std::string(c.kind) + " " + c.name;
    const bool serialized = (c.flags & TLLM_COMPONENT_SERIALIZED) != 0;
    const std::string_view kind = c.kind;

    // Generic over kinds: `make` creates an instance, `call` makes its main call, `shape`
    // checks an answer.
    const auto run_kind = [&](auto make, const std::string &what, auto call, auto shape) {
        std::unique_ptr<std::decay_t<decltype(*make())>> instance;
        if (!suite.check(label + ": create with its config", [&] {
                instance = make();
                auto second = make(); // two instances side by side
                return std::string("created, twice");
            })) {
            return;
        }
        if (!suite.check(label + ": activate", [&] {
                if (TLLM_TABLE_FN(ref.component, tllm_component, activate) == nullptr) {
                    return std::string("no activate: nothing to do");
                }
                CallContext cc(runtime::CancelToken(), Clock::now() + kActivateBound, {});
                instance->activate(cc);
                return std::string("activated");
            })) {
            return;
        }
        const auto main_call = [&](CallContext &cc) { return call(*instance, cc); };
        suite.check(label + ": " + what, [&] {
            std::string failure;
            const auto out = call_once(main_call, failure);
            if (!out) return "failed properly: " + failure;
            shape(*out);
            return std::string("answered: ") + out->substr(0, 120);
        });
        suite.check(label + ": concurrent calls", [&] {
            if (serialized) return std::string("skipped: TLLM_COMPONENT_SERIALIZED");
            return concurrently(main_call);
        });
        suite.check(label + ": cancellation", [&] { return cancelled_call(main_call); });
        suite.check(label + ": destroy", [&] {
            instance.reset();
            return std::string("destroyed");
        });
    };

    if (kind == TLLM_KIND_NODE) {
        const std::string message = graph::initial_message("validate");
        run_kind(
            [&] { return std::make_unique<runtime::Node>("validate", ref, config, &services); },
            "process a sample message",
            [&](runtime::Node &n, CallContext &cc) { return n.process(cc, message); },
            check_node_output);
    } else if (kind == TLLM_KIND_TOOL) {
        const std::string args =
            sample_arguments(static_cast<const tllm_tool_v1 *>(c.vtable)->parameters_schema);
        run_kind([&] { return std::make_unique<runtime::Tool>(c.name, ref, config, &services); },
                 "invoke with sample arguments " + args,
                 [&](runtime::Tool &t, CallContext &cc) { return t.invoke(cc, args); },
                 check_tool_output);
    } else if (kind == TLLM_KIND_JUDGE) {
        // The host checks the verdict against its schema: a judge answering outside it fails.
        const std::string request =
            R"({"input":"what is 2+2?","output":"2 + 2 = 4","expected":"4","context":{}})";
        run_kind([&] { return std::make_unique<runtime::Judge>(c.name, ref, config, &services); },
                 "grade a sample answer",
                 [&](runtime::Judge &j, CallContext &cc) { return j.grade(cc, request); },
                 [](const std::string &) {});
    } else if (kind == TLLM_KIND_MUTATION) {
        // The host checks the output against its schema, and that every candidate graph is an
        // object with the sample graph's id: a mutation answering otherwise fails.
        const std::string request(kSampleExpansionRequest);
        run_kind(
            [&] { return std::make_unique<runtime::Mutation>(c.name, ref, config, &services); },
            "propose for a sample two-node graph",
            [&](runtime::Mutation &m, CallContext &cc) {
                try {
                    return summary_of(m.propose(cc, request));
                } catch (const Error &e) {
                    // The host's check of the output failed: the contract is broken (a
                    // failure the plugin reports itself, with a status, is a proper one).
                    const std::string outside = "mutation " + m.name() + " answered outside";
                    if (std::string_view(e.what()).starts_with(outside)) throw contract(e.what());
                    throw;
                }
            },
            [](const std::string &) {});
    } else if (kind == TLLM_KIND_BACKEND) {
        run_kind(
            [&] { return std::make_unique<runtime::Backend>("validate", ref, config, &services); },
            "server_version",
            [](runtime::Backend &b, CallContext &cc) { return b.server_version(cc); },
            [](const std::string &out) { object_output(out, "server_version's answer"); });
    }
}

// The first key a config schema requires without giving it a default, or "".
std::string required_without_default(const char *schema_text) {
    if (schema_text == nullptr) return {};
    const json::Document schema = json::parse_object(schema_text, "config_schema");
    const json::Value *required = json::find(schema, "required");
    const json::Value *props = json::find(schema, "properties");
    if (required == nullptr || !required->IsArray()) return {};
    for (const auto &key : required->GetArray()) {
        if (!key.IsString()) continue;
        const json::Value *p = props != nullptr ? json::find(*props, key.GetString()) : nullptr;
        if (p == nullptr || json::find(*p, "default") == nullptr) return key.GetString();
    }
    return {};
}

// The schema's first "examples" entry (the JSON Schema keyword), when it is an object: the
// config the calls are made with when the component needs one from its user.
std::optional<json::Document> example_config(const char *schema_text) {
    if (schema_text == nullptr) return std::nullopt;
    const json::Document schema = json::parse_object(schema_text, "config_schema");
    const json::Value *examples = json::find(schema, "examples");
    if (examples == nullptr || !examples->IsArray() || examples->Empty() ||
        !(*examples)[0].IsObject()) {
        return std::nullopt;
    }
    json::Document doc;
    doc.CopyFrom((*examples)[0], doc.GetAllocator());
    return doc;
}

} // namespace

void run_conformance(const std::filesystem::path &file, const Reporter &report) {
    Suite suite(report);
    std::vector<plugin::LoadFailure> component_failures;
    plugin::LoadResult loaded;
    if (!suite.check("loads (entry point, ABI, descriptor, init)", [&] {
            loaded = plugin::load_plugin(file, component_failures);
            if (auto *f = std::get_if<plugin::LoadFailure>(&loaded)) {
                throw contract(plugin::describe(*f));
            }
            const auto &p = *std::get<std::unique_ptr<plugin::LoadedPlugin>>(loaded);
            return std::string(p.descriptor->id) + " " + p.descriptor->version + ", ABI " +
                   std::to_string(p.descriptor->abi.major) + "." +
                   std::to_string(p.descriptor->abi.minor);
        })) {
        return;
    }
    const auto &plugin = *std::get<std::unique_ptr<plugin::LoadedPlugin>>(loaded);
    for (const auto &f : component_failures) {
        suite.check("component", [&]() -> std::string { throw contract(plugin::describe(f)); });
    }
    suite.check("metadata", [&] {
        const tllm_plugin_descriptor &d = *plugin.descriptor;
        static const std::regex id(R"([a-z0-9][a-z0-9_-]*(\.[a-z0-9_-]+)+)");
        static const std::regex semver(R"(\d+\.\d+\.\d+([-+].*)?)");
        if (!std::regex_match(d.id, id)) {
            throw contract(std::string("id \"") + d.id +
                           "\" should be reverse-DNS-like, lowercase: org.example.name");
        }
        if (!std::regex_match(d.version, semver)) {
            throw contract(std::string("version \"") + d.version +
                           "\" should be a semantic version: 1.2.3");
        }
        for (const tllm_component *c : plugin.components) {
            if (c->description == nullptr || *c->description == '\0') {
                throw contract(std::string("component ") + c->name + " has no description");
            }
        }
        return std::to_string(plugin.components.size()) + " component(s), each described";
    });
    ValidatorServices services;
    for (const tllm_component *c : plugin.components) {
        const plugin::ComponentRef ref{c, &plugin};
        std::string config;
        std::string incomplete; // a required key without a default
        if (!suite.check(std::string(c->kind) + " " + c->name + ": config schema", [&] {
                if (const std::string key = required_without_default(c->config_schema);
                    !key.empty()) {
                    if (const auto example = example_config(c->config_schema)) {
                        config = runtime::make_component_config(*c, *example, {}, c->name).json;
                        return "valid JSON Schema; \"" + key +
                               "\" has no default, so the calls use its first example " + config;
                    }
                    incomplete = key;
                    return "valid; \"" + key +
                           "\" is required and has no default, so the calls are skipped "
                           "(they need a config of the user's; add one to the schema's "
                           "\"examples\" to have them made)";
                }
                static const json::Value empty(rapidjson::kObjectType);
                config = runtime::make_component_config(*c, empty, {}, c->name).json;
                return c->config_schema == nullptr
                           ? std::string("no config")
                           : "valid JSON Schema; its defaults give " + config;
            })) {
            continue;
        }
        if (!incomplete.empty()) continue;
        check_component(suite, ref, config, services);
    }
}

int validate_main(const std::filesystem::path &file) {
    // The answer goes to the parent on the real stdout; whatever the plugin prints goes to
    // stderr, where the parent reports it as a failed check.
    const int answer_fd = ::dup(STDOUT_FILENO);
    if (answer_fd < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        std::perror("tinyllm-plugin-host: cannot set up its output");
        return 2;
    }
    FILE *answer = ::fdopen(answer_fd, "w");
    if (answer == nullptr) return 2;
    const auto line = [answer](const json::Document &doc) {
        const std::string text = json::to_string(doc) + "\n";
        std::fwrite(text.data(), 1, text.size(), answer);
        std::fflush(answer); // each line out before the next check: a crash keeps what was said
    };
    Reporter report;
    report.start = [&](const std::string &check) {
        json::Document doc(rapidjson::kObjectType);
        doc.AddMember("start", json::string_value(check, doc.GetAllocator()), doc.GetAllocator());
        line(doc);
    };
    report.result = [&](const CheckResult &r) {
        json::Document doc(rapidjson::kObjectType);
        auto &a = doc.GetAllocator();
        doc.AddMember("check", json::string_value(r.check, a), a);
        doc.AddMember("ok", r.ok, a);
        doc.AddMember("detail", json::string_value(r.detail, a), a);
        line(doc);
    };
    run_conformance(file, report);
    return std::fclose(answer) == 0 ? 0 : 2;
}

} // namespace tinyllm::validate
