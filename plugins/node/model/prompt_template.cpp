#include "prompt_template.hpp"

#include <kainjow/mustache.hpp>

#include <mutex>

namespace tinyllm::node {

namespace mustache = kainjow::mustache;

struct PromptTemplate::Impl {
    explicit Impl(const std::string &text) : tmpl(text) {
        tmpl.set_custom_escape([](const std::string &s) { return s; });
    }
    mustache::mustache tmpl;
    std::mutex mutex; // kainjow's render() mutates the template; runs share one node
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

} // namespace

PromptTemplate::PromptTemplate(std::string_view text, std::string_view what)
    : impl_(std::make_unique<Impl>(std::string(text))), empty_(text.empty()) {
    if (!impl_->tmpl.is_valid()) {
        throw Error(ErrorCode::invalid_argument,
                    std::string(what) + ": invalid template: " + impl_->tmpl.error_message());
    }
}

PromptTemplate::~PromptTemplate() = default;
PromptTemplate::PromptTemplate(PromptTemplate &&) noexcept = default;
PromptTemplate &PromptTemplate::operator=(PromptTemplate &&) noexcept = default;

std::string PromptTemplate::render(const json::Value &message) const {
    const mustache::data data = to_data(message);
    std::lock_guard lock(impl_->mutex);
    return impl_->tmpl.render(data);
}

} // namespace tinyllm::node
