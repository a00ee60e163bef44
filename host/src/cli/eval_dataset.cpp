#include "cli/eval_dataset.hpp"

#include "config/suggest.hpp"
#include "tinyllm/error.hpp"
#include "tinyllm/json.hpp"

#include <rapidjson/error/en.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <unordered_map>

namespace tinyllm::cli::eval {
namespace {

enum class LineRead { line, end, too_long };

// The next line of `in` without its '\n' (and '\r'), reading at most `max` bytes of it: a line
// that goes on is refused there. `bytes` gets what was consumed, newline included.
LineRead next_line(std::streambuf &in, std::string &line, size_t max, size_t &bytes) {
    line.clear();
    bytes = 0;
    for (;;) {
        const int c = in.sbumpc();
        if (c == std::char_traits<char>::eof()) return bytes == 0 ? LineRead::end : LineRead::line;
        ++bytes;
        if (c == '\n') break;
        if (line.size() == max) return LineRead::too_long;
        line.push_back(static_cast<char>(c));
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return LineRead::line;
}

bool is_blank(const std::string &line) {
    return line.find_first_not_of(" \t\r") == std::string::npos;
}

std::string where(const std::string &name, size_t line) {
    return name + ":" + std::to_string(line) + ": ";
}

// The string member `key` of `object`; `required` false: "" when absent.
std::string string_member(const json::Value &object, const char *key, bool required,
                          const std::string &at) {
    const json::Value *value = json::find(object, key);
    if (value == nullptr) {
        if (!required) return {};
        throw Error(ErrorCode::usage, at + "no \"" + key + "\" (every line needs \"input\" and " +
                                          "\"route\" strings)");
    }
    if (!value->IsString()) {
        throw Error(ErrorCode::usage, at + "\"" + key + "\" must be a string, not " +
                                          std::string(json::type_name(*value)));
    }
    return {value->GetString(), value->GetStringLength()};
}

// One line as a JSON object; throws Error(usage) at `at` for anything else.
json::Document parse_object_line(const std::string &text, const std::string &at) {
    json::Document doc;
    doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
    if (doc.HasParseError()) {
        std::string why = rapidjson::GetParseError_En(doc.GetParseError());
        if (why.ends_with('.')) why.pop_back();
        throw Error(ErrorCode::usage, at + "not valid JSON at column " +
                                          std::to_string(doc.GetErrorOffset() + 1) + ": " + why +
                                          " (each line must be one JSON object)");
    }
    if (!doc.IsObject()) {
        throw Error(ErrorCode::usage, at + "a JSON " + std::string(json::type_name(doc)) +
                                          ", not an object (each line must be one JSON object)");
    }
    return doc;
}

// Calls fn(doc, line, bytes, at) for every non-blank line of `in`, each a JSON object; checks
// that ids are unique. Returns how many lines it gave.
template <class Fn>
size_t for_each_object(std::istream &in, const std::string &name, size_t max_line_bytes, Fn &&fn) {
    std::unordered_map<std::string, size_t> line_of_id;
    std::string text;
    size_t bytes = 0, count = 0;
    for (size_t line = 1;; ++line) {
        const LineRead read = next_line(*in.rdbuf(), text, max_line_bytes, bytes);
        if (read == LineRead::end) break;
        const std::string at = where(name, line);
        if (read == LineRead::too_long) {
            throw Error(ErrorCode::usage,
                        at + "line longer than " + std::to_string(max_line_bytes) +
                            " bytes (each line must be one JSON object; is this a JSONL file?)");
        }
        if (line == 1 && text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3); // a UTF-8 BOM
        if (is_blank(text)) continue;
        const json::Document doc = parse_object_line(text, at);
        if (const std::string id = string_member(doc, "id", false, at); !id.empty()) {
            if (const auto [it, added] = line_of_id.emplace(id, line); !added) {
                throw Error(ErrorCode::usage, at + "id \"" + id + "\" is also on line " +
                                                  std::to_string(it->second) +
                                                  " (ids must be unique)");
            }
        }
        fn(doc, line, bytes, at);
        ++count;
    }
    if (in.bad()) throw Error(ErrorCode::usage, name + ": cannot read: " + std::strerror(errno));
    return count;
}

std::ifstream open_dataset(const std::filesystem::path &path) {
    const std::string name = path.string();
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        throw Error(ErrorCode::usage, name + ": cannot read: " + std::strerror(EISDIR));
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorCode::usage, name + ": cannot open: " + std::strerror(errno));
    return in;
}

LabelledRequest parse_line(const json::Document &doc, const std::string &at) {
    LabelledRequest r;
    r.input = string_member(doc, "input", true, at);
    r.route = string_member(doc, "route", true, at);
    r.id = string_member(doc, "id", false, at);
    if (const json::Value *ambiguous = json::find(doc, "ambiguous")) {
        if (!ambiguous->IsBool()) {
            throw Error(ErrorCode::usage, at + "\"ambiguous\" must be true or false, not " +
                                              std::string(json::type_name(*ambiguous)));
        }
        r.ambiguous = ambiguous->GetBool();
    }
    return r;
}

} // namespace

std::vector<LabelledRequest> read_dataset(std::istream &in, const std::string &name,
                                          size_t max_line_bytes) {
    std::vector<LabelledRequest> requests;
    for_each_object(
        in, name, max_line_bytes,
        [&](const json::Document &doc, size_t line, size_t bytes, const std::string &at) {
            LabelledRequest r = parse_line(doc, at);
            r.line = line;
            r.bytes = bytes;
            if (r.id.empty()) r.id = "line " + std::to_string(line);
            requests.push_back(std::move(r));
        });
    if (requests.empty()) {
        throw Error(ErrorCode::usage,
                    name +
                        ": no requests (one JSON object a line: {\"id\", \"input\", \"route\"})");
    }
    return requests;
}

std::vector<LabelledRequest> read_dataset_file(const std::filesystem::path &path) {
    std::ifstream in = open_dataset(path);
    return read_dataset(in, path.string());
}

std::vector<Example> read_examples(std::istream &in, const std::string &name,
                                   size_t max_line_bytes) {
    std::vector<Example> examples;
    for_each_object(
        in, name, max_line_bytes,
        [&](const json::Document &doc, size_t line, size_t bytes, const std::string &at) {
            Example e;
            e.line = line;
            e.index = examples.size();
            e.bytes = bytes;
            const json::Value *input = json::find(doc, "input");
            if (input == nullptr || !input->IsString()) {
                throw Error(ErrorCode::usage,
                            at + (input == nullptr
                                      ? std::string("no \"input\" (every line needs an "
                                                    "\"input\" string)")
                                      : "\"input\" must be a string, not " +
                                            std::string(json::type_name(*input))));
            }
            e.input.assign(input->GetString(), input->GetStringLength());
            e.id = string_member(doc, "id", false, at);
            if (const json::Value *expected = json::find(doc, "expected")) {
                if (expected->IsString()) {
                    e.expected = std::string(expected->GetString(), expected->GetStringLength());
                } else if (expected->IsNumber()) {
                    e.expected = json::to_string(*expected);
                } else {
                    throw Error(ErrorCode::usage, at +
                                                      "\"expected\" must be a string or a "
                                                      "number, not " +
                                                      std::string(json::type_name(*expected)));
                }
            }
            json::Document context(rapidjson::kObjectType);
            auto &a = context.GetAllocator();
            for (const auto &m : doc.GetObject()) {
                const std::string_view key(m.name.GetString(), m.name.GetStringLength());
                if (key == "input" || key == "expected" || key == "id") continue;
                if (key == "labels") {
                    if (!m.value.IsObject()) {
                        throw Error(ErrorCode::usage, at +
                                                          "\"labels\" must be an object of "
                                                          "strings, not " +
                                                          std::string(json::type_name(m.value)));
                    }
                    for (const auto &l : m.value.GetObject()) {
                        if (!l.value.IsString()) {
                            throw Error(ErrorCode::usage,
                                        at + "labels." + l.name.GetString() +
                                            " must be a string, not " +
                                            std::string(json::type_name(l.value)));
                        }
                        e.labels.emplace_back(l.name.GetString(), l.value.GetString());
                    }
                }
                context.AddMember(json::Value(m.name, a), json::Value(m.value, a), a);
            }
            e.context = json::to_string(context);
            if (e.id.empty()) e.id = "line " + std::to_string(line);
            examples.push_back(std::move(e));
        });
    if (examples.empty()) {
        throw Error(ErrorCode::usage,
                    name + ": no examples (one JSON object a line: {\"input\", \"expected\"?, "
                           "\"labels\"?})");
    }
    return examples;
}

std::vector<Example> read_examples_file(const std::filesystem::path &path) {
    std::ifstream in = open_dataset(path);
    return read_examples(in, path.string());
}

void check_labels(const std::vector<LabelledRequest> &requests,
                  const std::vector<std::string> &routes, const std::string &name,
                  const std::string &node_id) {
    for (const LabelledRequest &r : requests) {
        if (std::find(routes.begin(), routes.end(), r.route) != routes.end()) continue;
        throw Error(ErrorCode::usage, where(name, r.line) + "route \"" + r.route +
                                          "\" is not one of node " + node_id + "'s routes (" +
                                          config::join(routes) + ")");
    }
}

} // namespace tinyllm::cli::eval
