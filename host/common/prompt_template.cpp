#include "tinyllm/prompt_template.hpp"

#include <kainjow/mustache.hpp>

#include <algorithm>
#include <mutex>

namespace tinyllm {

namespace mustache = kainjow::mustache;

namespace {

// The two shapes nearly every prompt has, rendered without building Mustache data from the
// whole message: text without tags, and one top-level variable ("{{input}}", "{{content}}").
bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::string single_variable(const std::string &text) {
    if (text.size() <= 4 || text.compare(0, 2, "{{") != 0 ||
        text.compare(text.size() - 2, 2, "}}") != 0) {
        return {};
    }
    const std::string name = text.substr(2, text.size() - 4);
    for (const char c : name) {
        if (!is_name_char(c)) return {};
    }
    return name;
}

} // namespace

struct PromptTemplate::Impl {
    explicit Impl(const std::string &text)
        : tmpl(text), constant(text.find("{{") == std::string::npos),
          variable(single_variable(text)), text(text) {
        tmpl.set_custom_escape([](const std::string &s) { return s; });
    }
    mustache::mustache tmpl;
    std::mutex mutex;           // kainjow's render() mutates the template; runs share one node
    const bool constant;        // no tags: renders as itself
    const std::string variable; // the template is just {{variable}}: its string value
    const std::string text;
};

namespace {

mustache::data to_data(const json::Value &v) {
    if (v.IsObject()) {
        mustache::data obj{mustache::data::type::object};
        for (const auto &m : v.GetObject())
            obj.set(m.name.GetString(), to_data(m.value));
        return obj;
    }
    if (v.IsArray()) {
        mustache::data list{mustache::data::type::list};
        for (const auto &item : v.GetArray())
            list.push_back(to_data(item));
        return list;
    }
    if (v.IsString()) return mustache::data{std::string(v.GetString(), v.GetStringLength())};
    if (v.IsBool())
        return v.GetBool() ? mustache::data::type::bool_true : mustache::data::type::bool_false;
    if (v.IsNull()) return mustache::data::type::bool_false;
    return mustache::data{json::to_string(v)};
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// The names a (valid) template reads. kainjow keeps its parse tree private, so the tags are
// read here; the template has already parsed, so every "{{" opens a well-formed tag.
std::vector<std::string> tag_names(std::string_view text, std::string_view what) {
    std::vector<std::string> names;
    size_t pos = 0;
    while ((pos = text.find("{{", pos)) != std::string_view::npos) {
        const bool triple = text.compare(pos, 3, "{{{") == 0;
        const size_t open = pos + (triple ? 3 : 2);
        const size_t close = text.find(triple ? "}}}" : "}}", open);
        if (close == std::string_view::npos) break;
        std::string_view tag = trim(text.substr(open, close - open));
        pos = close + (triple ? 3 : 2);
        if (tag.empty()) continue;
        const char sigil = tag.front();
        if (sigil == '!' || sigil == '/') continue; // a comment; a section's end
        if (sigil == '>' || sigil == '=') {
            throw Error(ErrorCode::invalid_argument,
                        std::string(what) + ": invalid template: " +
                            (sigil == '>' ? "partials ({{> name}}) are not supported"
                                          : "changing the delimiters is not supported"));
        }
        if (sigil == '#' || sigil == '^' || sigil == '&') tag = trim(tag.substr(1));
        if (tag == ".") continue;
        std::string name(tag.substr(0, tag.find('.')));
        if (std::find(names.begin(), names.end(), name) == names.end()) {
            names.push_back(std::move(name));
        }
    }
    return names;
}

} // namespace

PromptTemplate::PromptTemplate(std::string_view text, std::string_view what)
    : impl_(std::make_unique<Impl>(std::string(text))), empty_(text.empty()) {
    if (!impl_->tmpl.is_valid()) {
        throw Error(ErrorCode::invalid_argument,
                    std::string(what) + ": invalid template: " + impl_->tmpl.error_message());
    }
    names_ = tag_names(text, what);
}

PromptTemplate::~PromptTemplate() = default;
PromptTemplate::PromptTemplate(PromptTemplate &&) noexcept = default;
PromptTemplate &PromptTemplate::operator=(PromptTemplate &&) noexcept = default;

std::string PromptTemplate::render(const json::Value &message) const {
    if (impl_->constant) return impl_->text;
    if (!impl_->variable.empty() && message.IsObject()) {
        // Mustache data keeps the last of duplicated members; so does this.
        const json::Value *value = nullptr;
        for (const auto &m : message.GetObject()) {
            if (m.name.GetStringLength() == impl_->variable.size() &&
                impl_->variable.compare(0, impl_->variable.size(), m.name.GetString(),
                                        m.name.GetStringLength()) == 0) {
                value = &m.value;
            }
        }
        // A string renders as itself (no escaping); other values take the general path.
        if (value != nullptr && value->IsString()) {
            return {value->GetString(), value->GetStringLength()};
        }
    }
    const mustache::data data = to_data(message);
    std::lock_guard lock(impl_->mutex);
    return impl_->tmpl.render(data);
}

} // namespace tinyllm
