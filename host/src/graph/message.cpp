#include "graph/message.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>

namespace tinyllm::graph {
namespace {

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

} // namespace

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

} // namespace tinyllm::graph
