#include "config/yaml_json.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

namespace tinyllm::config {

namespace {

// Recursive aliases (`a: &x [*x]`) make yaml-cpp build a cyclic graph, and nested aliases can
// expand exponentially ("billion laughs"); both limits turn that into an error, not a crash.
constexpr int max_depth = 64;
constexpr size_t max_nodes = 100'000; // a real config has a few hundred

const std::string tag_prefix = "tag:yaml.org,2002:";

[[noreturn]] void fail(const std::string &file, const YAML::Mark &mark,
                       const std::string &message) {
    std::string where = file;
    if (!mark.is_null()) {
        where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    }
    throw Error(ErrorCode::config, where + ": " + message);
}

// Matchers for the YAML 1.2 core schema's number forms (std::regex is far too slow here).
bool is_digit(char c, int base) {
    if (base == 8) return c >= '0' && c <= '7';
    if (base == 16) return std::isxdigit(static_cast<unsigned char>(c)) != 0;
    return c >= '0' && c <= '9';
}

// Advance `i` past a run of digits; true when there was at least one.
bool skip_digits(std::string_view text, size_t &i, int base = 10) {
    const size_t start = i;
    while (i < text.size() && is_digit(text[i], base))
        ++i;
    return i > start;
}

void skip_sign(std::string_view text, size_t &i) {
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
}

// [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+
std::optional<int64_t> parse_int(std::string_view text) {
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'o' || text[1] == 'x')) {
        base = text[1] == 'o' ? 8 : 16;
        text.remove_prefix(2);
    } else if (!text.empty() && text[0] == '+') {
        text.remove_prefix(1); // from_chars rejects '+'
    }
    size_t i = base == 10 && !text.empty() && text[0] == '-' ? 1 : 0;
    if (!skip_digits(text, i, base) || i != text.size()) return std::nullopt;
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt; // overflow
    return value;
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_float(std::string_view text) {
    size_t i = 0;
    skip_sign(text, i);
    const bool integer_part = skip_digits(text, i);
    if (i < text.size() && text[i] == '.') {
        ++i;
        if (!skip_digits(text, i) && !integer_part) return false;
    } else if (!integer_part) {
        return false;
    }
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        skip_sign(text, i);
        if (!skip_digits(text, i)) return false;
    }
    return i == text.size();
}

// Infinity and NaN are left out on purpose: JSON cannot carry them, so `.inf` stays a string.
std::optional<double> parse_float(std::string_view text) {
    if (!is_float(text)) return std::nullopt;
    if (text.front() == '+') text.remove_prefix(1);
    double value = 0;
    // from_chars, unlike strtod, ignores the C locale's decimal separator.
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::optional<bool> parse_bool(const std::string &text) {
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    return std::nullopt;
}

bool is_null_text(const std::string &text) {
    return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

bool has_member(const json::Value &object, const std::string &name) {
    const json::Value key(
        rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size())));
    return object.FindMember(key) != object.MemberEnd();
}

const char *kind_name(const YAML::Node &node) {
    switch (node.Type()) {
    case YAML::NodeType::Sequence: return "a sequence";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Null: return "null";
    default: return "a scalar";
    }
}

class Converter {
public:
    Converter(const std::string &file, json::Allocator &alloc, SourceMap &map)
        : file_(file), alloc_(alloc), map_(map) {}

    json::Value convert(const YAML::Node &node, const std::string &pointer, int depth) {
        if (depth > max_depth) {
            fail(file_, node.Mark(),
                 "nesting deeper than " + std::to_string(max_depth) +
                     " levels (a recursive alias?)");
        }
        if (++nodes_ > max_nodes) fail(file_, node.Mark(), "too many nodes (alias expansion?)");
        switch (node.Type()) {
        case YAML::NodeType::Map: return mapping(node, pointer, depth);
        case YAML::NodeType::Sequence: return sequence(node, pointer, depth);
        case YAML::NodeType::Scalar: return scalar(node);
        default: return json::Value(rapidjson::kNullType);
        }
    }

    void record(const std::string &pointer, const YAML::Mark &mark, const YAML::Mark *key,
                bool array_element) {
        SourceMap::Entry entry;
        entry.array_element = array_element;
        if (!mark.is_null()) {
            entry.line = static_cast<size_t>(mark.line) + 1;
            entry.column = static_cast<size_t>(mark.column) + 1;
        }
        if (key != nullptr && !key->is_null()) {
            entry.key_line = static_cast<size_t>(key->line) + 1;
            entry.key_column = static_cast<size_t>(key->column) + 1;
        }
        if (entry.line == 0 && entry.key_line != 0) {
            entry.line = entry.key_line;
            entry.column = entry.key_column;
        }
        if (entry.line != 0) map_.add(pointer, entry);
    }

private:
    json::Value scalar(const YAML::Node &node) {
        const std::string &text = node.Scalar();
        const std::string &tag = node.Tag();
        if (tag == "?") return plain_scalar(text);
        if (tag.rfind(tag_prefix, 0) == 0)
            return tagged_scalar(node, tag.substr(tag_prefix.size()));
        // "!" (a quoted scalar) and application tags: the text as written.
        return json::string_value(text, alloc_);
    }

    json::Value plain_scalar(const std::string &text) {
        if (const auto b = parse_bool(text)) return json::Value(*b);
        if (const auto i = parse_int(text)) return json::Value(*i);
        if (const auto d = parse_float(text)) return json::Value(*d);
        return json::string_value(text, alloc_);
    }

    json::Value tagged_scalar(const YAML::Node &node, const std::string &type) {
        const std::string &text = node.Scalar();
        if (type == "int") {
            if (const auto i = parse_int(text)) return json::Value(*i);
        } else if (type == "float") {
            if (const auto d = parse_float(text)) return json::Value(*d);
        } else if (type == "bool") {
            if (const auto b = parse_bool(text)) return json::Value(*b);
        } else if (type == "null") {
            if (is_null_text(text)) return json::Value(rapidjson::kNullType);
        } else {
            return json::string_value(text, alloc_);
        }
        fail(file_, node.Mark(), "\"" + text + "\" is not a valid !!" + type);
    }

    json::Value sequence(const YAML::Node &node, const std::string &pointer, int depth) {
        json::Value array(rapidjson::kArrayType);
        size_t index = 0;
        for (const YAML::Node &item : node) {
            const std::string child = append_pointer(pointer, std::to_string(index++));
            array.PushBack(convert(item, child, depth + 1), alloc_);
            record(child, item.Mark(), nullptr, true);
        }
        return array;
    }

    json::Value mapping(const YAML::Node &node, const std::string &pointer, int depth) {
        const std::set<std::string> explicit_keys = check_keys(node);
        json::Value object(rapidjson::kObjectType);
        for (const auto &member : node) {
            if (is_merge_key(member.first)) {
                merge(object, member.second, explicit_keys, pointer, depth);
            } else {
                add_member(object, member.first, member.second, pointer, depth);
            }
        }
        return object;
    }

    // Every key must be a scalar and appear once; merged keys (`<<`) may be overridden.
    std::set<std::string> check_keys(const YAML::Node &node) {
        std::unordered_map<std::string, YAML::Mark> seen;
        std::set<std::string> keys;
        // Range-for keeps yaml-cpp's member proxy alive; `it->first` would dangle.
        for (const auto &member : node) {
            const YAML::Node &key = member.first;
            if (!key.IsScalar()) {
                fail(file_, key.Mark(), std::string("keys must be strings, got ") + kind_name(key));
            }
            if (is_merge_key(key)) continue;
            const auto [first, inserted] = seen.emplace(key.Scalar(), key.Mark());
            if (!inserted) {
                fail(file_, key.Mark(),
                     "duplicate key \"" + key.Scalar() + "\" (first at line " +
                         std::to_string(first->second.line + 1) + ")");
            }
            keys.insert(key.Scalar());
        }
        return keys;
    }

    static bool is_merge_key(const YAML::Node &key) {
        return key.IsScalar() && key.Tag() == "?" && key.Scalar() == "<<";
    }

    void add_member(json::Value &object, const YAML::Node &key, const YAML::Node &value,
                    const std::string &pointer, int depth) {
        const std::string child = append_pointer(pointer, key.Scalar());
        json::Value converted = convert(value, child, depth + 1);
        const YAML::Mark key_mark = key.Mark();
        YAML::Mark mark = value.Mark();
        // yaml-cpp gives an empty value (`file:` then a newline) the position of the NEXT token,
        // often on a later line; the key is where a reader looks for it.
        if (value.IsNull() && !mark.is_null() && mark.line > key_mark.line) mark = key_mark;
        record(child, mark, &key_mark, false);
        object.AddMember(json::string_value(key.Scalar(), alloc_), converted, alloc_);
    }

    // `<<: *base` or `<<: [*a, *b]`: copy the members the mapping does not set itself; earlier
    // sources win over later ones, as the merge-key spec says.
    void merge(json::Value &object, const YAML::Node &source, const std::set<std::string> &own,
               const std::string &pointer, int depth) {
        // Checked before a list's items too: `<<: &x [*x]` is a list that holds itself.
        if (depth + 1 > max_depth) fail(file_, source.Mark(), "merge nesting too deep");
        if (source.IsSequence()) {
            for (const YAML::Node &item : source)
                merge(object, item, own, pointer, depth + 1);
            return;
        }
        if (!source.IsMap()) {
            fail(file_, source.Mark(), "a merge key (<<) needs a mapping or a list of mappings");
        }
        for (const auto &member : source) {
            if (!member.first.IsScalar()) {
                fail(file_, member.first.Mark(),
                     std::string("keys must be strings, got ") + kind_name(member.first));
            }
            if (is_merge_key(member.first)) {
                merge(object, member.second, own, pointer, depth + 1);
                continue;
            }
            const std::string &name = member.first.Scalar();
            if (own.count(name) != 0 || has_member(object, name)) continue;
            add_member(object, member.first, member.second, pointer, depth);
        }
    }

    const std::string &file_;
    json::Allocator &alloc_;
    SourceMap &map_;
    size_t nodes_ = 0;
};

} // namespace

namespace {
std::atomic<size_t> g_max_file_bytes{kDefaultMaxFileBytes};
} // namespace

void set_max_file_bytes(size_t bytes) noexcept {
    g_max_file_bytes.store(bytes);
}
size_t max_file_bytes() noexcept {
    return g_max_file_bytes.load();
}

std::string read_text_file(const std::filesystem::path &path) {
    const std::string name = path.string();
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        throw Error(ErrorCode::config, name + ": cannot open: " + std::strerror(EISDIR));
    }
    // O_NONBLOCK: opening a FIFO must not wait for a writer; reads are blocking again after.
    const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) throw Error(ErrorCode::config, name + ": cannot open: " + std::strerror(errno));
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    const size_t limit = max_file_bytes();
    std::string text;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int error = errno;
            ::close(fd);
            throw Error(ErrorCode::config, name + ": cannot read: " + std::strerror(error));
        }
        if (n == 0) break;
        if (text.size() + static_cast<size_t>(n) > limit) {
            ::close(fd);
            throw Error(ErrorCode::config, name + ": larger than limits.max_file_bytes (" +
                                               std::to_string(limit) + " bytes)");
        }
        text.append(buffer, static_cast<size_t>(n));
    }
    ::close(fd);
    return text;
}

namespace {

// The documents of a YAML stream, read without building them: how many, where each starts and
// where the second one's root is.
class DocumentCounter : public YAML::EventHandler {
public:
    size_t documents = 0;
    YAML::Mark start = YAML::Mark::null_mark(); // of the document read last
    YAML::Mark second_root = YAML::Mark::null_mark();

    void OnDocumentStart(const YAML::Mark &mark) override {
        start = mark;
        root_pending_ = ++documents == 2;
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark &mark, YAML::anchor_t) override { node(mark); }
    void OnAlias(const YAML::Mark &mark, YAML::anchor_t) override { node(mark); }
    void OnScalar(const YAML::Mark &mark, const std::string &, YAML::anchor_t,
                  const std::string &) override {
        node(mark);
    }
    void OnSequenceStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {
        node(mark);
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {
        node(mark);
    }
    void OnMapEnd() override {}

private:
    void node(const YAML::Mark &mark) {
        if (root_pending_) second_root = mark;
        root_pending_ = false;
    }
    bool root_pending_ = false;
};

// YAML allows no control characters but TAB, LF and CR in a stream (YAML 1.2, c-printable).
// yaml-cpp reads a NUL as the end of the input in some places and as text in others ("unknown
// escape character", "illegal EOF in scalar", or a file that is silently cut short), so such a
// byte is an error here, at its own position, before yaml-cpp sees it.
void reject_control_bytes(std::string_view text, const std::string &file) {
    const auto bad = std::find_if(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return (byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') || byte == 0x7F;
    });
    if (bad == text.end()) return;
    const auto offset = static_cast<size_t>(bad - text.begin());
    const size_t last_newline = text.substr(0, offset).rfind('\n');
    YAML::Mark mark;
    mark.pos = static_cast<int>(offset);
    mark.line = static_cast<int>(std::count(text.begin(), bad, '\n'));
    mark.column = static_cast<int>(
        last_newline == std::string_view::npos ? offset : offset - last_newline - 1);
    char code[8];
    std::snprintf(code, sizeof code, "0x%02X", static_cast<unsigned char>(*bad));
    fail(file, mark,
         std::string("a control character (") + code + (*bad == '\0' ? ", a NUL byte" : "") +
             ") that YAML does not allow");
}

// The one document of `text`; nullopt for a stream without any. The documents are counted
// first, without YAML::LoadAll: yaml-cpp 0.7 never ends on a stray ',' after a root node
// (`- a` then `,` on the next line, or `&x, y`): its parser hands out the same empty document
// again and again without reading on, and LoadAll collects them until memory runs out
// (jbeder/yaml-cpp#1040, fixed after 0.8.0). A document that starts where the one before it
// started has read nothing; that is the error here.
std::optional<YAML::Node> parse_document(std::string_view text, const std::string &file) {
    reject_control_bytes(text, file);
    const std::string owned(text);
    try {
        std::istringstream in(owned);
        YAML::Parser parser(in);
        DocumentCounter counter;
        YAML::Mark previous = YAML::Mark::null_mark();
        while (parser.HandleNextDocument(counter)) {
            if (counter.documents > 1 && counter.start.pos == previous.pos) {
                const auto at = static_cast<size_t>(counter.start.pos);
                fail(file, counter.start,
                     at < owned.size() ? "unexpected '" + std::string(1, owned[at]) + "'"
                                       : std::string("unexpected end of the file"));
            }
            previous = counter.start;
        }
        if (counter.documents > 1) {
            fail(file, counter.second_root,
                 "expected one YAML document, found " + std::to_string(counter.documents));
        }
        if (counter.documents == 0) return std::nullopt;
        return YAML::Load(owned);
    } catch (const YAML::DeepRecursion &e) {
        // yaml-cpp 0.7 stops at 2000 levels with the message "bad file" (its depth guard is
        // given the wrong text); say what it is, in the words of the converter's own limit.
        fail(file, e.mark, "nesting deeper than " + std::to_string(max_depth) + " levels");
    } catch (const YAML::Exception &e) {
        // e.what() repeats the position in yaml-cpp's own words; keep only the message.
        fail(file, e.mark, e.msg);
    }
}

} // namespace

YamlDocument parse_yaml(std::string_view text, const std::string &file) {
    const std::optional<YAML::Node> document = parse_document(text, file);
    YamlDocument result;
    auto positions = std::make_shared<SourceMap>(file);
    if (document) {
        Converter converter(file, result.value.GetAllocator(), *positions);
        json::Value root = converter.convert(*document, "", 0);
        // The root value belongs to the document; its allocator already owns the children.
        static_cast<json::Value &>(result.value).Swap(root);
        converter.record("", document->Mark(), nullptr, false);
    }
    result.positions = std::move(positions);
    return result;
}

YamlDocument load_yaml_file(const std::filesystem::path &path) {
    return parse_yaml(read_text_file(path), path.string());
}

} // namespace tinyllm::config
