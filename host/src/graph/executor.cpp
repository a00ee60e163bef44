#include "graph/executor.hpp"

#include "tinyllm/json.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace tinyllm::graph {
namespace {

using runtime::CallContext;
using runtime::CancelToken;
using runtime::Clock;

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

int64_t micros_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
}

// A failure inside the graph, with the node it happened in (empty for run-level limits).
class RunFailure : public Error {
public:
    RunFailure(ErrorCode code, const std::string &message, std::string node)
        : Error(code, message), node_(std::move(node)) {}
    const std::string &node() const noexcept { return node_; }

private:
    std::string node_;
};

bool retryable(ErrorCode code) {
    return code == ErrorCode::unavailable || code == ErrorCode::timeout ||
           code == ErrorCode::remote;
}

// Collects the model and tool calls a node makes into its trace entry.
class NodeRecorder final : public runtime::CallObserver {
public:
    explicit NodeRecorder(trace::NodeExecution &exec) : exec_(exec) {}

    void on_model_call(const runtime::ModelCallRecord &r) override {
        trace::ModelCall call;
        call.model = r.model;
        call.backend = r.backend;
        call.started_at_ms = r.started_at_ms;
        call.duration_us = r.duration_us;
        call.error = r.error;
        call.prompt_tokens = r.usage.prompt_eval_count;
        call.completion_tokens = r.usage.eval_count;
        call.load_duration_ns = r.usage.load_duration;
        call.prompt_eval_duration_ns = r.usage.prompt_eval_duration;
        call.eval_duration_ns = r.usage.eval_duration;
        call.total_duration_ns = r.usage.total_duration;
        std::lock_guard lock(mutex_);
        exec_.model_calls.push_back(std::move(call));
    }

    void on_tool_call(const runtime::ToolCallRecord &r) override {
        std::lock_guard lock(mutex_);
        exec_.tool_calls.push_back(
            {r.tool, r.arguments, r.result, r.started_at_ms, r.duration_us, r.error});
    }

private:
    trace::NodeExecution &exec_;
    std::mutex mutex_;
};

// The state of one run, shared by its branches.
struct RunState {
    const Graph &graph;
    const RunOptions &options;
    trace::Run &run;
    std::optional<Clock::time_point> deadline;
    std::mutex mutex; // guards run.nodes, visits, next_seq
    std::vector<int> visits;
    int64_t next_seq = 0;
    int steps = 0;
    bool has_first_success_join = false;

    void check_alive(const CancelToken &token) const {
        if (token.cancelled()) throw RunFailure(ErrorCode::cancelled, "cancelled", "");
        if (deadline && Clock::now() >= *deadline) {
            throw RunFailure(ErrorCode::timeout, "the run's time budget ran out", "");
        }
    }

    // Tells the observer (which does not look at run.nodes), then keeps the execution.
    void record(trace::NodeExecution &&exec) {
        if (options.observer != nullptr) options.observer->on_node(run, exec);
        std::lock_guard lock(mutex);
        run.nodes.push_back(std::move(exec));
    }
};

// A message between nodes: its text (what crosses the ABI and goes into the trace), parsed only
// when something needs the document (a condition, a fan-out's merge).
class Message {
public:
    Message() = default;
    explicit Message(std::string text, std::optional<std::string> content = std::nullopt,
                     std::optional<std::string> route = std::nullopt)
        : text_(std::move(text)), content_(std::move(content)), route_(std::move(route)) {}
    explicit Message(json::Document doc) : doc_(std::move(doc)) { text_ = json::to_string(*doc_); }

    const std::string &text() const { return text_; }
    std::string &&take_text() { return std::move(text_); }
    const json::Document &doc() const {
        if (!doc_) doc_ = json::parse(text_, "message");
        return *doc_;
    }
    std::string content() const {
        if (content_) return *content_;
        return json::get_string(doc(), "content").value_or("");
    }
    std::string route() const {
        if (route_) return *route_;
        return json::get_string(doc(), "route").value_or("");
    }
    std::string take_content() {
        if (content_) return std::move(*content_);
        return content();
    }
    // What is known without parsing.
    const std::optional<std::string> &known_content() const { return content_; }

private:
    std::string text_;
    std::optional<std::string> content_; // known without parsing, when the reader saw it
    std::optional<std::string> route_;   // likewise
    mutable std::optional<json::Document> doc_;
};

// Reads a node's output in one SAX pass, for the common cases the executor can finish without a
// document: {"message": {...}} with nothing to change in the message (no top-level route to
// move in, "attempt" already `visit`): the message is the output's own text; or {"set": {...},
// "route": "..."} with plain member names, none of them "attempt" or given twice: the input
// message's text is spliced. Anything else goes the document's way, which also reports errors.
class OutputScan : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, OutputScan> {
public:
    explicit OutputScan(int visit) : visit_(visit) {}

    // The index among the output's members of "message" / "set"; their route and content.
    std::optional<size_t> message_member;
    std::optional<size_t> set_member;
    std::optional<std::string> route;
    std::optional<std::string> content;
    std::optional<std::string> top_route;        // the output's own "route", a string
    bool route_key = false, content_key = false; // the message / set has them, of any type

    bool message_usable() const {
        return done_ && message_member && !set_member && !top_member_ && attempt_ok_ && !duplicate_;
    }
    bool set_usable() const {
        return done_ && set_member && !message_member && (!top_member_ || top_route) &&
               !set_attempt_ && !duplicate_;
    }

    bool Default() { return value(); }
    bool Uint(unsigned u) {
        if (inner() && field_ == kAttempt) attempt_ok_ = u == static_cast<unsigned>(visit_);
        return value();
    }
    bool String(const char *s, rapidjson::SizeType length, bool) {
        if (inner() && field_ == kRoute) route.emplace(s, length);
        if (inner() && field_ == kContent) content.emplace(s, length);
        if (depth_ == 1 && field_ == kTopRoute) top_route.emplace(s, length);
        return value();
    }
    bool StartObject() {
        if (depth_ == 1 && (field_ == kMessage || field_ == kSet)) {
            std::optional<size_t> &member = field_ == kMessage ? message_member : set_member;
            if (member) duplicate_ = true;
            member = members_ - 1;
            inner_ = true;
        }
        ++depth_;
        return value();
    }
    bool StartArray() {
        ++depth_;
        return value();
    }
    bool EndObject(rapidjson::SizeType) {
        if (--depth_ == 0) done_ = true;
        if (depth_ == 1) inner_ = false;
        return true;
    }
    bool EndArray(rapidjson::SizeType) { return --depth_, true; }
    bool Key(const char *name, rapidjson::SizeType length, bool) {
        const std::string_view key(name, length);
        field_ = kOther;
        if (depth_ == 1) {
            ++members_;
            if (key == "message") field_ = kMessage;
            if (key == "set") field_ = kSet;
            if (key == "route") {
                field_ = kTopRoute;
                if (top_member_) duplicate_ = true;
                top_member_ = true; // of any type: the document decides
            }
        } else if (inner()) {
            if (key == "attempt") field_ = kAttempt;
            if (key == "route") field_ = kRoute, route_key = true;
            if (key == "content") field_ = kContent, content_key = true;
            if (field_ == kAttempt && set_member && !message_member) set_attempt_ = true;
            // A repeated member: which one counts is left to the document.
            if (set_member && !message_member) {
                // The names point into the reader's in-place copy, alive for the whole scan.
                const auto end = set_keys_.begin() + static_cast<std::ptrdiff_t>(set_count_);
                if (set_count_ == set_keys_.size() ||
                    std::find(set_keys_.begin(), end, key) != end) {
                    duplicate_ = true; // or too many to compare here: the document decides
                } else {
                    set_keys_[set_count_++] = key;
                }
            } else if (field_ != kOther && (seen_ & (1u << field_)) != 0) {
                duplicate_ = true;
            }
            seen_ |= 1u << field_;
        }
        return true;
    }

private:
    enum Field { kOther, kMessage, kSet, kTopRoute, kAttempt, kRoute, kContent };
    bool inner() const { return inner_ && depth_ == 2; }
    bool value() {
        field_ = kOther;
        return true;
    }
    int visit_;
    int depth_ = 0;
    Field field_ = kOther;
    size_t members_ = 0; // members of the output seen so far
    unsigned seen_ = 0;
    std::array<std::string_view, 16> set_keys_{};
    size_t set_count_ = 0;
    bool inner_ = false;
    bool attempt_ok_ = false;
    bool top_member_ = false;
    bool set_attempt_ = false;
    bool duplicate_ = false;
    bool done_ = false;
};

// The input message with a node's "set" members put in (replacing or added), the node's route
// and `visit` as "attempt", spliced from texts the executor has checked: the input message (its
// own) and the scanned output. nullopt when a name is escaped or the input repeats a member,
// where the document's way decides.
std::optional<std::string> splice_update(const Message &input, std::string_view set_object,
                                         const std::optional<std::string> &top_route, int visit) {
    const std::vector<json::RawMember> members = json::raw_members(input.text());
    const std::vector<json::RawMember> updates = json::raw_members(set_object);
    const auto escaped = [](const json::RawMember &m) {
        return m.name.find('\\') != std::string_view::npos;
    };
    for (size_t i = 0; i < members.size(); ++i) {
        if (escaped(members[i])) return std::nullopt;
        for (size_t j = 0; j < i; ++j)
            if (members[j].name == members[i].name) return std::nullopt;
    }
    if (std::any_of(updates.begin(), updates.end(), escaped)) return std::nullopt;

    std::string out;
    out.reserve(input.text().size() + set_object.size() + 32);
    out += '{';
    const auto put = [&out](std::string_view name, std::string_view value) {
        if (out.size() > 1) out += ',';
        out.append(name).append(":").append(value);
    };
    const auto put_route = [&out, &top_route] {
        out.append(out.size() > 1 ? ",\"route\":" : "\"route\":");
        json::append_quoted(out, *top_route);
    };
    char attempt_text[16];
    const std::string_view attempt(
        attempt_text,
        static_cast<size_t>(
            std::to_chars(attempt_text, attempt_text + sizeof attempt_text, visit).ptr -
            attempt_text));
    uint64_t used = 0; // bit i: updates[i] replaced a member (the scan admits at most 16)
    bool had_route = false, had_attempt = false;
    for (const json::RawMember &m : members) {
        const auto update =
            std::find_if(updates.begin(), updates.end(),
                         [&m](const json::RawMember &u) { return u.name == m.name; });
        if (m.name == R"("route")") had_route = true;
        if (m.name == R"("attempt")") {
            had_attempt = true;
            put(m.name, attempt);
        } else if (m.name == R"("route")" && top_route) {
            put_route();
        } else if (update != updates.end()) {
            used |= uint64_t{1} << (update - updates.begin());
            put(m.name, update->value);
        } else {
            put(m.name, m.value);
        }
    }
    for (size_t i = 0; i < updates.size(); ++i) {
        const bool route_given = top_route && updates[i].name == R"("route")";
        if ((used & (uint64_t{1} << i)) == 0 && !(route_given && had_route)) {
            if (route_given)
                put_route(), had_route = true;
            else
                put(updates[i].name, updates[i].value);
        }
    }
    if (top_route && !had_route) put_route();
    if (!had_attempt) put(R"("attempt")", attempt);
    out += '}';
    return out;
}

// The output's message and route as the next node and the trace get them.
struct NodeOutput {
    Message message;
    std::string route;
};

NodeOutput parse_node_output(const std::string &output, const Message &input, const NodeDef &def,
                             int visit) {
    OutputScan scan(visit);
    if (!json::read(output, scan).IsError()) {
        if (scan.message_usable()) {
            std::string_view text = json::raw_members(output).at(*scan.message_member).value;
            std::string route = scan.route.value_or("");
            return {Message(std::string(text), std::move(scan.content), route), route};
        }
        if (scan.set_usable()) {
            const std::string_view set = json::raw_members(output).at(*scan.set_member).value;
            if (auto text = splice_update(input, set, scan.top_route, visit)) {
                // What the set says wins over the input; a value that is not a string reads as
                // "" (route) or is left to the document (content).
                const std::string node_route = scan.top_route   ? *scan.top_route
                                               : scan.route_key ? scan.route.value_or("")
                                                                : input.route();
                std::optional<std::string> content =
                    scan.content_key ? std::move(scan.content) : input.known_content();
                return {Message(std::move(*text), std::move(content), node_route), node_route};
            }
        }
    }
    const auto failure = [&def](const std::string &what) {
        return Error(ErrorCode::protocol,
                     "node " + def.id + " (" + def.type + ") returned " + what);
    };
    json::Document out;
    out.Parse(output.data(), output.size());
    if (out.HasParseError() || !out.IsObject()) {
        throw failure("output that is not a JSON object");
    }
    const auto msg = out.FindMember("message");
    const auto update = out.FindMember("set");
    if (msg != out.MemberEnd() && update != out.MemberEnd()) {
        throw failure("both \"message\" and \"set\" (one or the other)");
    }
    json::Value route;
    if (auto it = out.FindMember("route"); it != out.MemberEnd()) {
        if (!it->value.IsString()) throw failure("a non-string route");
        route.Swap(it->value);
    }
    json::Document result;
    if (update != out.MemberEnd()) {
        if (!update->value.IsObject()) throw failure("a \"set\" that is not an object");
        result.CopyFrom(input.doc(), result.GetAllocator());
        auto &alloc = result.GetAllocator();
        for (auto &m : update->value.GetObject()) {
            if (auto it = result.FindMember(m.name); it != result.MemberEnd()) {
                it->value.CopyFrom(m.value, alloc);
            } else {
                result.AddMember(json::Value(m.name, alloc), json::Value(m.value, alloc), alloc);
            }
        }
    } else {
        if (msg == out.MemberEnd() || !msg->value.IsObject()) {
            throw failure("neither a \"message\" nor a \"set\" object");
        }
        // The message object becomes the document's root, moved, not copied: its strings stay
        // in the document's pool.
        json::Value message;
        message.Swap(msg->value);
        static_cast<json::Value &>(out).Swap(message);
        result.Swap(out);
    }
    auto &alloc = result.GetAllocator();
    auto set = [&](const char *key, json::Value value) {
        if (auto it = result.FindMember(key); it != result.MemberEnd()) {
            it->value = value;
        } else {
            result.AddMember(json::Value(key, alloc), value, alloc);
        }
    };
    if (route.IsString()) set("route", std::move(route));
    // `attempt` counts how often the node that produced the message has run in this run, so a
    // gate loop can say `attempt < 3`.
    set("attempt", json::Value(visit));
    std::string message_route = json::get_string(result, "route").value_or("");
    return {Message(std::move(result)), std::move(message_route)};
}

// Runs one node, retrying per its policy. Records every attempt.
Message execute(RunState &st, const Node &node, const Message &input, const CancelToken &token,
                const std::string &branch) {
    const NodeDef &def = *node.def;
    int visit = 0;
    {
        std::lock_guard lock(st.mutex);
        visit = ++st.visits[node.index];
    }
    if (def.max_visits > 0 && visit > def.max_visits) {
        throw RunFailure(ErrorCode::limit_exceeded,
                         "node " + def.id + " was entered more than " +
                             std::to_string(def.max_visits) + " times (max_visits)",
                         def.id);
    }
    for (int attempt = 1;; ++attempt) {
        st.check_alive(token);
        trace::NodeExecution exec;
        {
            std::lock_guard lock(st.mutex);
            if (++st.steps > st.graph.def.limits.max_steps) {
                throw RunFailure(ErrorCode::limit_exceeded,
                                 "the run exceeded max_steps (" +
                                     std::to_string(st.graph.def.limits.max_steps) +
                                     " node executions) at node " + def.id,
                                 def.id);
            }
            exec.seq = st.next_seq++;
        }
        exec.node_id = def.id;
        exec.node_type = def.type;
        exec.attempt = attempt;
        exec.visit = visit;
        exec.branch = branch;
        exec.started_at_ms = now_ms();
        exec.input = input.text();
        const auto start = Clock::now();

        std::optional<Clock::time_point> deadline = st.deadline;
        if (def.timeout_ms > 0) {
            const auto own = start + std::chrono::milliseconds(def.timeout_ms);
            deadline = deadline ? std::min(*deadline, own) : own;
        }
        if (st.options.observer != nullptr) {
            st.options.observer->on_node_start(st.run, exec, deadline);
        }
        runtime::EventSink sink;
        if (st.options.on_event) {
            sink = [&st, &node](std::string_view event) {
                st.options.on_event(NodeEvent{node.def->id, node.is_exit, event});
            };
        }
        CallContext call(token, deadline, std::move(sink));
        NodeRecorder recorder(exec);
        call.set_observer(&recorder);
        try {
            NodeOutput out =
                parse_node_output(node.instance->process(call, input.text()), input, def, visit);
            exec.duration_us = micros_since(start);
            exec.status = trace::NodeStatus::succeeded;
            exec.output = out.message.text();
            exec.route = std::move(out.route);
            st.record(std::move(exec));
            return std::move(out.message);
        } catch (const Error &e) {
            exec.duration_us = micros_since(start);
            ErrorCode code = e.code();
            std::string message = e.what();
            if (code == ErrorCode::cancelled && !token.cancelled()) {
                code = ErrorCode::timeout; // stopped by its deadline, not by the user
            }
            if (code == ErrorCode::timeout && def.timeout_ms > 0 &&
                (!st.deadline || Clock::now() < *st.deadline)) {
                message = "timed out after " + std::to_string(def.timeout_ms) +
                          " ms (timeout_ms): " + message;
            }
            exec.status = code == ErrorCode::cancelled ? trace::NodeStatus::cancelled
                          : code == ErrorCode::timeout ? trace::NodeStatus::timed_out
                                                       : trace::NodeStatus::failed;
            exec.error = message;
            st.record(std::move(exec));
            if (code == ErrorCode::cancelled) throw RunFailure(code, "cancelled", def.id);
            const bool run_out_of_time = st.deadline && Clock::now() >= *st.deadline;
            if (retryable(code) && attempt < def.retry.max_attempts && !run_out_of_time) {
                // Exponential backoff, waited in small steps so cancellation stays prompt.
                int64_t wait = def.retry.backoff_ms;
                for (int i = 1; i < attempt; ++i)
                    wait = std::min(wait * 2, def.retry.max_backoff_ms);
                const auto until = Clock::now() + std::chrono::milliseconds(wait);
                while (Clock::now() < until) {
                    st.check_alive(token);
                    std::this_thread::sleep_for(std::min<Clock::duration>(
                        until - Clock::now(), std::chrono::milliseconds(10)));
                }
                continue;
            }
            const std::string attempts =
                attempt > 1 ? " after " + std::to_string(attempt) + " attempts" : "";
            throw RunFailure(
                code, "node " + def.id + " (" + def.type + ") failed" + attempts + ": " + message,
                def.id);
        }
    }
}

// The edges to follow from `node` for `message`: every matching conditional or unconditional
// edge, or the "else" edge when none matched.
std::vector<size_t> choose(const Node &node, const Message &message) {
    std::vector<size_t> next;
    const Edge *otherwise = nullptr;
    for (const Edge &e : node.out) {
        if (e.is_else) {
            otherwise = &e;
        } else if (!e.when || e.when->evaluate(message.doc())) {
            next.push_back(e.to);
        }
    }
    if (next.empty() && otherwise != nullptr) next.push_back(otherwise->to);
    return next;
}

struct Arrival {
    Message message;
    size_t node = 0;
    bool at_join = false;
};

Arrival walk(RunState &st, size_t start, Message message, const CancelToken &token,
             const std::string &branch, bool in_branch);

// Runs every successor as a branch until they reach their join, then merges them.
Arrival fan_out(RunState &st, const Node &from, const std::vector<size_t> &successors,
                const Message &message, const CancelToken &token, const std::string &branch) {
    const size_t n = successors.size();
    std::vector<std::optional<Arrival>> results(n);
    std::vector<std::exception_ptr> errors(n);
    std::vector<CancelToken> tokens;
    for (size_t i = 0; i < n; ++i)
        tokens.push_back(token.child());
    std::mutex mutex;
    std::condition_variable done_cv;
    size_t finished = 0;
    std::optional<size_t> winner;

    std::vector<std::thread> threads;
    threads.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        threads.emplace_back([&, i] {
            const std::string label = (branch.empty() ? "" : branch + ".") + std::to_string(i);
            std::optional<Arrival> result;
            std::exception_ptr error;
            try {
                result = walk(st, successors[i], Message(message.text()), tokens[i], label, true);
            } catch (...) {
                error = std::current_exception();
            }
            std::lock_guard lock(mutex);
            results[i] = std::move(result);
            errors[i] = error;
            ++finished;
            done_cv.notify_all();
        });
    }

    // Wait for all branches, or (first_success) for the first to arrive; the others are then
    // cancelled. Either way every thread is joined before returning.
    {
        std::unique_lock lock(mutex);
        done_cv.wait(lock, [&] {
            if (finished == n) return true;
            for (size_t i = 0; i < n; ++i) {
                if (results[i] && results[i]->at_join &&
                    st.graph.nodes[results[i]->node].def->join == JoinMode::first_success) {
                    winner = i;
                    return true;
                }
                // One failure decides the fan-out, unless a first-success join could still be
                // reached by another branch (the graph has one).
                if (errors[i] && !st.has_first_success_join) return true;
            }
            return false;
        });
    }
    for (size_t i = 0; i < n; ++i) {
        if (!winner || *winner != i) tokens[i].cancel();
    }
    for (auto &t : threads)
        t.join();

    // The join every branch must have reached.
    std::optional<size_t> join;
    for (size_t i = 0; i < n; ++i) {
        if (results[i] && results[i]->at_join) {
            join = results[i]->node;
            break;
        }
    }
    const JoinMode mode = join ? st.graph.nodes[*join].def->join : JoinMode::all;
    if (mode == JoinMode::first_success) {
        if (!winner) {
            for (size_t i = 0; i < n; ++i) {
                if (results[i] && results[i]->at_join) winner = i;
            }
        }
        if (winner) return std::move(*results[*winner]);
    }
    // "all": the first failure (in branch order) is the run's failure; a user cancellation
    // is reported as such rather than as whichever branch noticed it first.
    if (token.cancelled()) throw RunFailure(ErrorCode::cancelled, "cancelled", "");
    // Branches cancelled because another failed report "cancelled": the real cause comes first.
    auto is_cancellation = [](const std::exception_ptr &p) {
        try {
            std::rethrow_exception(p);
        } catch (const Error &e) {
            return e.code() == ErrorCode::cancelled;
        } catch (...) {
            return false;
        }
    };
    for (size_t i = 0; i < n; ++i) {
        if (errors[i] && !is_cancellation(errors[i])) std::rethrow_exception(errors[i]);
    }
    for (size_t i = 0; i < n; ++i) {
        if (errors[i]) std::rethrow_exception(errors[i]);
    }
    for (size_t i = 0; i < n; ++i) {
        if (!results[i]->at_join || results[i]->node != *join) {
            throw RunFailure(ErrorCode::invalid_argument,
                             "fan-out from node " + from.def->id + ": branch " + std::to_string(i) +
                                 " ended at node " + st.graph.nodes[results[i]->node].def->id +
                                 " instead of the join node " + st.graph.nodes[*join].def->id,
                             from.def->id);
        }
    }
    // Merge: the fan-out source's message, with every branch's message under "branches" and
    // their contents joined (in edge order) as the new content.
    Arrival merged;
    merged.node = *join;
    merged.at_join = true;
    json::Document doc;
    doc.CopyFrom(message.doc(), doc.GetAllocator());
    auto &alloc = doc.GetAllocator();
    json::Value branches(rapidjson::kArrayType);
    std::string content;
    for (size_t i = 0; i < n; ++i) {
        const json::Document &b = results[i]->message.doc();
        if (auto c = json::get_string(b, "content")) content += (i ? "\n\n" : "") + *c;
        branches.PushBack(json::Value(b, alloc), alloc);
    }
    doc.RemoveMember("branches");
    doc.AddMember("branches", branches, alloc);
    doc.RemoveMember("content");
    doc.AddMember("content", json::string_value(content, alloc), alloc);
    merged.message = Message(std::move(doc));
    return merged;
}

// Runs nodes from `start` until an exit, or (inside a branch) until a join node is reached.
Arrival walk(RunState &st, size_t start, Message message, const CancelToken &token,
             const std::string &branch, bool in_branch) {
    size_t current = start;
    constexpr size_t kNone = static_cast<size_t>(-1);
    size_t joined = kNone; // a join this walk itself merged into: run it, don't stop there
    for (;;) {
        st.check_alive(token);
        const Node &node = st.graph.nodes[current];
        if (in_branch && node.def->join != JoinMode::none && joined != current) {
            return {std::move(message), current, true};
        }
        joined = kNone;
        message = execute(st, node, message, token, branch);
        if (node.is_exit) return {std::move(message), current, false};
        const std::vector<size_t> next = choose(node, message);
        if (next.empty()) {
            const std::string route = message.route();
            throw RunFailure(ErrorCode::invalid_argument,
                             "dead end at node " + node.def->id +
                                 ": no outgoing edge matched (route \"" + route + "\")",
                             node.def->id);
        }
        if (next.size() == 1) {
            current = next.front();
            continue;
        }
        Arrival merged = fan_out(st, node, next, message, token, branch);
        message = std::move(merged.message);
        current = merged.node;
        joined = current;
    }
}

} // namespace

AppliedOutput apply_node_output(const std::string &output, const std::string &input_message,
                                const NodeDef &def, int visit) {
    NodeOutput out = parse_node_output(output, Message(input_message), def, visit);
    return {out.message.take_text(), std::move(out.route)};
}

std::string initial_message(const std::string &input) {
    std::string out;
    out.reserve(2 * input.size() + 64);
    out += R"({"input":)";
    json::append_quoted(out, input);
    const size_t quoted = out.size() - 9; // the same text again for content
    out += R"(,"content":)";
    out.append(out, 9, quoted);
    out += R"(,"route":"","attempt":1,"data":{}})";
    return out;
}

trace::Run Executor::run(const std::string &input, const RunOptions &options) const {
    trace::Run run;
    run.id = options.run_id;
    run.graph_id = graph_.def.id;
    run.graph_version = graph_.def.version;
    run.input = input;
    run.started_at_ms = now_ms();

    RunState st{graph_, options, run, options.deadline, {}, {}, 0, 0};
    st.visits.assign(graph_.nodes.size(), 0);
    st.has_first_success_join =
        std::any_of(graph_.nodes.begin(), graph_.nodes.end(),
                    [](const Node &n) { return n.def->join == JoinMode::first_success; });
    if (graph_.def.limits.timeout_ms > 0) {
        const auto own = Clock::now() + std::chrono::milliseconds(graph_.def.limits.timeout_ms);
        st.deadline = st.deadline ? std::min(*st.deadline, own) : own;
    }
    if (options.observer != nullptr) options.observer->on_run_start(run);

    try {
        Arrival end = walk(st, graph_.entry, Message(initial_message(input), input, ""),
                           options.cancel, "", false);
        run.status = trace::RunStatus::succeeded;
        run.answer = end.message.take_content();
        run.output = end.message.take_text();
    } catch (const RunFailure &f) {
        run.status = f.code() == ErrorCode::cancelled ? trace::RunStatus::cancelled
                                                      : trace::RunStatus::failed;
        run.error_code = std::string(to_string(f.code()));
        run.error_message = f.what();
        run.error_node = f.node();
    } catch (const Error &e) {
        run.status = trace::RunStatus::failed;
        run.error_code = std::string(to_string(e.code()));
        run.error_message = e.what();
    } catch (const std::exception &e) {
        run.status = trace::RunStatus::failed;
        run.error_code = "internal";
        run.error_message = std::string("unexpected: ") + e.what();
    }
    run.finished_at_ms = now_ms();
    std::sort(run.nodes.begin(), run.nodes.end(),
              [](const auto &a, const auto &b) { return a.seq < b.seq; });
    if (options.observer != nullptr) options.observer->on_run_end(run);
    return run;
}

} // namespace tinyllm::graph
