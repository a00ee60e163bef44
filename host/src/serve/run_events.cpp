#include "serve/run_events.hpp"

#include "tinyllm/json.hpp"
#include "trace/trace_json.hpp"

#include <algorithm>

namespace tinyllm::serve {

namespace {

constexpr const char *kEventStream = "text/event-stream; charset=utf-8";

std::string run_summary(const trace::Run &run) {
    json::Document doc;
    doc.CopyFrom(trace::to_json(run, false, doc.GetAllocator()), doc.GetAllocator());
    return json::to_string(doc);
}

// {"run_id": ..., "node": node}
std::string with_node(const trace::Run &run, json::Value node, json::Document &doc) {
    doc.SetObject();
    auto &a = doc.GetAllocator();
    doc.AddMember("run_id", json::string_value(run.id, a), a);
    doc.AddMember("node", node, a);
    return json::to_string(doc);
}

} // namespace

bool RunEvents::subscribe(const std::shared_ptr<Exchange> &exchange, std::string run_id) {
    auto gone = std::make_shared<std::atomic<bool>>(false);
    {
        const std::lock_guard lock(mutex_);
        drop_gone();
        if (closed_ || subscribers_.size() >= max_subscribers_) return false;
        // No-cache: a proxy must not hold the stream back; X-Accel-Buffering: nginx's word
        // for the same.
        exchange->start_stream(200, kEventStream,
                               {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}});
        exchange->write(": tinyllm run events\n\n");
        subscribers_.push_back({exchange, std::move(run_id), gone});
        count_.store(subscribers_.size());
    }
    // Outside the lock: on_disconnect may run the callback at once.
    exchange->on_disconnect([gone] { gone->store(true); });
    return true;
}

bool RunEvents::wanted(std::string_view run_id, bool node_event) const {
    if (count_.load(std::memory_order_relaxed) == 0) return false;
    const std::lock_guard lock(mutex_);
    return std::any_of(subscribers_.begin(), subscribers_.end(), [&](const Subscriber &s) {
        return !s.gone->load() && (s.run_id.empty() ? !node_event : s.run_id == run_id);
    });
}

void RunEvents::publish(std::string_view run_id, std::string_view type, std::string_view data,
                        bool node_event) {
    if (count_.load(std::memory_order_relaxed) == 0) return;
    std::string message;
    const std::lock_guard lock(mutex_);
    for (const Subscriber &s : subscribers_) {
        if (s.gone->load() || (s.run_id.empty() ? node_event : s.run_id != run_id)) continue;
        if (message.empty()) {
            message.reserve(data.size() + type.size() + 16);
            message.append("event: ").append(type).append("\ndata: ").append(data).append("\n\n");
        }
        s.exchange->write(message);
    }
}

void RunEvents::heartbeat() {
    const std::lock_guard lock(mutex_);
    drop_gone();
    for (const Subscriber &s : subscribers_)
        s.exchange->write(": ping\n\n");
}

void RunEvents::close_all() {
    const std::lock_guard lock(mutex_);
    closed_ = true;
    for (const Subscriber &s : subscribers_)
        s.exchange->end();
    subscribers_.clear();
    count_.store(0);
}

size_t RunEvents::subscribers() const {
    const std::lock_guard lock(mutex_);
    return static_cast<size_t>(std::count_if(subscribers_.begin(), subscribers_.end(),
                                             [](const Subscriber &s) { return !s.gone->load(); }));
}

void RunEvents::drop_gone() {
    std::erase_if(subscribers_, [](const Subscriber &s) { return s.gone->load(); });
    count_.store(subscribers_.size());
}

void RunEventObserver::on_run_start(const trace::Run &run) {
    if (events_.wanted(run.id, false)) events_.publish(run.id, "run_started", run_summary(run));
}

void RunEventObserver::on_node_start(const trace::Run &run, const trace::NodeExecution &node,
                                     std::optional<runtime::Clock::time_point> /*deadline*/) {
    if (!events_.wanted(run.id, false)) return;
    json::Document doc;
    auto &a = doc.GetAllocator();
    json::Value v(rapidjson::kObjectType);
    v.AddMember("seq", json::Value(node.seq), a);
    v.AddMember("node", json::string_value(node.node_id, a), a);
    v.AddMember("type", json::string_value(node.node_type, a), a);
    v.AddMember("attempt", json::Value(node.attempt), a);
    v.AddMember("visit", json::Value(node.visit), a);
    v.AddMember("branch", json::string_value(node.branch, a), a);
    v.AddMember("started_at_ms", json::Value(node.started_at_ms), a);
    events_.publish(run.id, "node_started", with_node(run, std::move(v), doc));
}

void RunEventObserver::on_node(const trace::Run &run, const trace::NodeExecution &node) {
    if (!events_.wanted(run.id, false)) return;
    json::Document doc;
    json::Value v = trace::to_json(node, doc.GetAllocator());
    events_.publish(run.id, "node_finished", with_node(run, std::move(v), doc));
}

void RunEventObserver::on_run_end(const trace::Run &run) {
    if (events_.wanted(run.id, false)) events_.publish(run.id, "run_finished", run_summary(run));
}

void publish_node_event(RunEvents &events, std::string_view run_id, const graph::NodeEvent &ev) {
    if (!events.wanted(run_id, true)) return;
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    doc.AddMember("run_id", json::string_value(std::string(run_id), a), a);
    doc.AddMember("seq", json::Value(ev.seq), a);
    doc.AddMember("node", json::string_value(ev.node_id, a), a);
    json::Document event;
    if (json::parse_into(event, ev.event_json)) {
        doc.AddMember("event", json::Value(event, a), a);
    } else {
        doc.AddMember("event", json::string_value(std::string(ev.event_json), a), a);
    }
    events.publish(run_id, "node_event", json::to_string(doc), true);
}

} // namespace tinyllm::serve
