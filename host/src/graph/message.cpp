#include "graph/message.hpp"

namespace tinyllm::graph {

namespace {

// RFC 7386: objects merge member by member, null removes a member, anything else replaces.
void merge_patch(json::Value &target, const json::Value &patch, json::Document::AllocatorType &a) {
    if (!patch.IsObject()) {
        target.CopyFrom(patch, a);
        return;
    }
    if (!target.IsObject()) target.SetObject();
    for (const auto &m : patch.GetObject()) {
        const auto it = target.FindMember(m.name);
        if (m.value.IsNull()) {
            if (it != target.MemberEnd()) target.RemoveMember(it);
        } else if (it != target.MemberEnd()) {
            merge_patch(it->value, m.value, a);
        } else {
            json::Value value;
            merge_patch(value, m.value, a);
            target.AddMember(json::Value(m.name, a), value, a);
        }
    }
}

} // namespace

// One reading of every node output, through the document: the shortcuts that once read the
// common shapes in a SAX pass and spliced the input's text were a second JSON path (issue 13).
NodeOutput parse_node_output(const std::string &output, const Message &input, const NodeDef &def,
                             int visit) {
    const auto failure = [&def](const std::string &what) {
        return Error(ErrorCode::protocol,
                     "node " + def.id + " (" + def.type + ") returned " + what);
    };
    json::Document out;
    if (!json::parse_into(out, output) || !out.IsObject()) {
        throw failure("output that is not a JSON object");
    }
    const auto msg = out.FindMember("message");
    const auto update = out.FindMember("set");
    const auto patch = out.FindMember("patch");
    if ((msg != out.MemberEnd()) + (update != out.MemberEnd()) + (patch != out.MemberEnd()) > 1) {
        throw failure("more than one of \"message\", \"set\" and \"patch\" (one of them)");
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
    } else if (patch != out.MemberEnd()) {
        if (!patch->value.IsObject()) throw failure("a \"patch\" that is not an object");
        result.CopyFrom(input.doc(), result.GetAllocator());
        merge_patch(result, patch->value, result.GetAllocator());
    } else {
        if (msg == out.MemberEnd() || !msg->value.IsObject()) {
            throw failure("no \"message\", \"set\" or \"patch\" object");
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

std::string initial_message(const std::string &input, std::string_view data) {
    std::string out;
    out.reserve(2 * input.size() + data.size() + 64);
    out += R"({"input":)";
    json::append_quoted(out, input);
    const size_t quoted = out.size() - 9; // the same text again for content
    out += R"(,"content":)";
    out.append(out, 9, quoted);
    out += R"(,"route":"","attempt":1,"data":)";
    out += data;
    out += '}';
    return out;
}

} // namespace tinyllm::graph
