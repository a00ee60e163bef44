// Messages as JSON (issue 12, item 3): the input is a JSON document from outside (a model's
// answer, a plugin's output, a tool's arguments, a stored trace), read the way the host reads
// each of them:
//   - json::parse (host/common/tinyllm/json.hpp), the one reading policy, and what is written
//     back: the text must read the same as a std::string and as a string_view;
//     to_string/to_pretty_string must parse again to the same value and escape every control
//     byte; append_quoted must write what RapidJSON's Writer writes; string_at must find what
//     the document holds (the first of duplicated members, as find() does);
//   - the chat messages that cross the ABI (host/src/messages/chat.cpp): parse_chat_request,
//     parse_chat_response, parse_chat_message, parse_tool_calls and back with to_json, which
//     must be a fixed point (what to_json wrote reads back and writes the same text);
//   - a node's output applied to a run's message (host/src/graph/message.cpp,
//     apply_node_output: message/set/patch/route), as the executor does between nodes.
// Expected: tinyllm::Error. Anything else, or a broken promise above, is a finding.
#include "fuzz_support.hpp"
#include "graph/message.hpp"
#include "json_text.hpp"
#include "messages/chat.hpp"

#include "tinyllm/error.hpp"
#include "tinyllm/json.hpp"

#include <cmath>
#include <set>
#include <string>
#include <string_view>

namespace {

namespace json = tinyllm::json;
namespace messages = tinyllm::messages;
using tinyllm::fuzz::fail;

bool same_text(const json::Value &a, const json::Value &b) {
    return tinyllm::fuzz::utf8_replaced({a.GetString(), a.GetStringLength()}) ==
           tinyllm::fuzz::utf8_replaced({b.GetString(), b.GetStringLength()});
}

// Equal values; doubles may differ in their last bits, because RapidJSON reads numbers without
// kParseFullPrecisionFlag (a documented approximation of its reader, not a TinyLLM promise),
// and strings are compared with what is not UTF-8 replaced (see utf8_replaced).
bool same_value(const json::Value &a, const json::Value &b) {
    if (a.IsNumber() && b.IsNumber()) {
        if (a.IsDouble() != b.IsDouble()) return false;
        if (!a.IsDouble()) return a == b;
        const double x = a.GetDouble();
        const double y = b.GetDouble();
        return x == y || std::fabs(x - y) <= 1e-15 * std::fmax(std::fabs(x), std::fabs(y));
    }
    if (a.GetType() != b.GetType()) return false;
    if (a.IsObject()) {
        if (a.MemberCount() != b.MemberCount()) return false;
        for (auto i = a.MemberBegin(), j = b.MemberBegin(); i != a.MemberEnd(); ++i, ++j) {
            if (!same_text(i->name, j->name) || !same_value(i->value, j->value)) return false;
        }
        return true;
    }
    if (a.IsArray()) {
        if (a.Size() != b.Size()) return false;
        for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
            if (!same_value(a[i], b[i])) return false;
        }
        return true;
    }
    if (a.IsString()) return same_text(a, b);
    return a == b;
}

void require_no_control_bytes(const std::string &written, std::string_view what) {
    for (const char c : written) {
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n') {
            fail(std::string(what) + " wrote a raw control byte", written);
        }
    }
}

// The one reading policy, and writing back what it read.
void json_policy(const std::string &text) {
    // Text held as a std::string is read through a StringStream, other text through a
    // MemoryStream: the same text must read the same either way.
    json::Document viewed;
    const bool view_ok = static_cast<bool>(json::parse_into(viewed, std::string_view(text)));
    json::Document doc;
    try {
        doc = json::parse(text, "fuzz input");
    } catch (const tinyllm::Error &e) {
        if (view_ok)
            fail("json::parse accepts as a string_view what it rejects as a std::string", e.what());
        return;
    }
    if (!view_ok) fail("json::parse rejects as a string_view what it accepts as a std::string");
    if (!same_value(doc, viewed)) fail("json::parse reads a string_view and a std::string apart");
    const std::string compact = json::to_string(doc);
    const std::string pretty = json::to_pretty_string(doc);
    if (compact.find('\n') != std::string::npos) fail("to_string wrote a newline", compact);
    require_no_control_bytes(compact, "to_string");
    require_no_control_bytes(pretty, "to_pretty_string");
    // Valid UTF-8 too, to a reader that checks the encoding.
    rapidjson::Document strict;
    strict.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(
        compact.c_str(), compact.size());
    if (strict.HasParseError()) fail("to_string wrote what a strict reader rejects", compact);
    for (const std::string *written : {&compact, &pretty}) {
        json::Document again;
        try {
            again = json::parse(*written, "written");
        } catch (const tinyllm::Error &e) {
            fail("what json::to_string wrote does not parse", *written + " -> " + e.what());
        }
        if (!same_value(doc, again)) fail("to_string/parse is not a round trip", *written);
    }
    // string_at reads what find() reads (the first of duplicated members).
    if (const json::Value *message = json::find(doc, "message")) {
        std::optional<std::string> expected = json::get_string(*message, "content");
        if (json::string_at(text, {"message", "content"}) != expected) {
            fail("string_at disagrees with the document", compact);
        }
    }
    if (json::string_at(text, {"route"}) != json::get_string(doc, "route")) {
        fail("string_at disagrees with the document", compact);
    }
}

// append_quoted promises the Writer's output byte for byte (what is not UTF-8 aside).
void quoting(std::string_view text) {
    std::string quoted;
    json::append_quoted(quoted, text);
    rapidjson::StringBuffer buffer;
    json::Writer writer(buffer);
    writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    if (tinyllm::fuzz::utf8_replaced(quoted) !=
        tinyllm::fuzz::utf8_replaced({buffer.GetString(), buffer.GetSize()})) {
        fail("append_quoted differs from RapidJSON's Writer", quoted);
    }
    // The first message of a run holds the input twice, as a valid JSON object.
    const std::string first = tinyllm::graph::initial_message(std::string(text));
    try {
        const json::Document doc = json::parse_object(first, "initial message");
        if (json::get_string(doc, "input") != json::get_string(doc, "content")) {
            fail("initial_message: input and content differ", first);
        }
    } catch (const tinyllm::Error &e) {
        fail("initial_message wrote invalid JSON", first + " -> " + e.what());
    }
}

// Whether some object in `value` holds a name twice. The chat parsers give such a document no
// one reading (a field takes the last member, `extra` keeps them all and overrides the field
// when written, find() elsewhere takes the first): a known gap, see docs/reliability.md.
bool has_duplicate_names(const json::Value &value) {
    if (value.IsArray()) {
        for (const auto &item : value.GetArray()) {
            if (has_duplicate_names(item)) return true;
        }
    } else if (value.IsObject()) {
        std::set<std::string_view> names;
        for (const auto &m : value.GetObject()) {
            if (!names.emplace(m.name.GetString(), m.name.GetStringLength()).second) return true;
            if (has_duplicate_names(m.value)) return true;
        }
    }
    return false;
}

// parse -> to_json -> parse -> to_json: the second text must be the first (up to the last
// digits of decimals), and what to_json wrote must always read back. Checked for documents
// without duplicated names; the parsers and writers run on every input.
template <class Parse>
void chat_round_trip(const std::string &text, Parse parse, const char *what) {
    decltype(parse(text)) value;
    try {
        value = parse(text);
    } catch (const tinyllm::Error &) {
        return;
    }
    json::Document doc;
    const bool checked = json::parse_into(doc, text) && !has_duplicate_names(doc);
    if (!checked) {
        try {
            (void)parse(messages::to_json(value));
        } catch (const tinyllm::Error &) {
        }
        return;
    }
    std::string written;
    try {
        written = messages::to_json(value);
    } catch (const tinyllm::Error &e) {
        fail(std::string(what) + ": to_json failed on a value its parser accepted",
             text + " -> " + e.what());
    }
    require_no_control_bytes(written, what);
    decltype(parse(text)) again;
    try {
        again = parse(written);
    } catch (const tinyllm::Error &e) {
        fail(std::string(what) + ": what to_json wrote does not read back",
             written + " -> " + e.what());
    }
    // The same text, but for the last digits of decimals (see same_value): RapidJSON reads
    // -9.223444444444438e121 as the double written -9.22344444444444e121.
    const std::string rewritten = messages::to_json(again);
    if (rewritten != written &&
        !same_value(json::parse(written, "written"), json::parse(rewritten, "rewritten"))) {
        fail(std::string(what) + ": to_json(parse(to_json(x))) != to_json(x)",
             written + "\n  vs " + rewritten);
    }
}

void node_output(const std::string &text) {
    static const std::string input = tinyllm::graph::initial_message("What is 2+2?");
    tinyllm::graph::NodeDef def;
    def.id = "fuzz";
    def.type = "fuzz";
    try {
        const tinyllm::graph::AppliedOutput out =
            tinyllm::graph::apply_node_output(text, input, def, 2);
        const json::Document doc = json::parse_object(out.message, "applied message");
        // The message is written JSON, so a route that is not UTF-8 is in it with U+FFFD.
        if (json::get_string(doc, "route").value_or("") !=
            tinyllm::fuzz::utf8_replaced(out.route)) {
            fail("apply_node_output: route differs from the message's", out.message);
        }
        if (json::get_int(doc, "attempt") != 2) fail("apply_node_output: attempt not set");
    } catch (const tinyllm::Error &e) {
        if (e.code() != tinyllm::ErrorCode::protocol) {
            fail("apply_node_output threw an error that is not ErrorCode::protocol", e.what());
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string text(reinterpret_cast<const char *>(data), size);
    try {
        json_policy(text);
        quoting(text);
        chat_round_trip(text, messages::parse_chat_request, "chat request");
        chat_round_trip(text, messages::parse_chat_response, "chat response");
        chat_round_trip(text, messages::parse_chat_message, "chat message");
        chat_round_trip(text, messages::parse_tool_calls, "tool calls");
        node_output(text);
    } catch (const std::exception &e) {
        tinyllm::fuzz::fail_unexpected(e);
    }
    return 0;
}
