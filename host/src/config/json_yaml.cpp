#include "config/json_yaml.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <regex>

namespace tinyllm::config {

namespace {

constexpr size_t kFlowWidth = 76;

// What yaml_json.cpp's YAML 1.2 core schema would read as a non-string, or what a plain scalar
// cannot hold: those strings are written double-quoted.
bool needs_quotes(const std::string &text) {
    if (text.empty()) return true;
    static const std::regex special(
        R"(^(true|false|True|False|TRUE|FALSE|null|Null|NULL|~|[-+]?(\.inf|\.Inf|\.INF)|\.nan|\.NaN|\.NAN|[-+]?[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)$)");
    return std::regex_match(text, special) || text.front() == ' ' || text.back() == ' ' ||
           text.find('\n') != std::string::npos;
}

bool is_scalar(const json::Value &v) {
    return !v.IsObject() && !v.IsArray();
}

void emit(YAML::Emitter &out, const json::Value &value);

void emit_scalar(YAML::Emitter &out, const json::Value &value) {
    if (value.IsNull()) {
        out << YAML::Null;
    } else if (value.IsBool()) {
        out << (value.GetBool() ? "true" : "false");
    } else if (value.IsInt64()) {
        out << value.GetInt64();
    } else if (value.IsUint64()) {
        out << value.GetUint64();
    } else if (value.IsNumber()) {
        // Shortest text that reads back as the same double.
        out << json::to_string(value);
    } else {
        const std::string text(value.GetString(), value.GetStringLength());
        if (text.find('\n') != std::string::npos && text.find('\r') == std::string::npos &&
            text.back() == '\n') {
            out << YAML::Literal << text;
        } else if (needs_quotes(text)) {
            out << YAML::DoubleQuoted << text;
        } else {
            out << text;
        }
    }
}

// Flow style for short collections of scalars: one line, as a person writes an edge.
bool fits_flow(const json::Value &value) {
    size_t width = 2;
    auto add = [&](const json::Value &v) {
        if (!is_scalar(v)) return false;
        if (v.IsString() && (v.GetStringLength() > kFlowWidth ||
                             std::string_view(v.GetString(), v.GetStringLength()).find('\n') !=
                                 std::string_view::npos))
            return false;
        width += (v.IsString() ? v.GetStringLength() + 2 : 8) + 2;
        return true;
    };
    if (value.IsObject()) {
        if (value.MemberCount() == 0) return true;
        for (const auto &m : value.GetObject()) {
            width += m.name.GetStringLength() + 2;
            if (!add(m.value)) return false;
        }
    } else {
        if (value.Size() == 0) return true;
        for (const auto &v : value.GetArray())
            if (!add(v)) return false;
    }
    return width <= kFlowWidth;
}

void emit(YAML::Emitter &out, const json::Value &value) {
    if (is_scalar(value)) {
        emit_scalar(out, value);
        return;
    }
    const bool flow = fits_flow(value);
    if (value.IsObject()) {
        out << (flow ? YAML::Flow : YAML::Block) << YAML::BeginMap;
        for (const auto &m : value.GetObject()) {
            out << YAML::Key;
            emit_scalar(out, m.name);
            out << YAML::Value;
            emit(out, m.value);
        }
        out << YAML::EndMap;
    } else {
        out << (flow ? YAML::Flow : YAML::Block) << YAML::BeginSeq;
        for (const auto &v : value.GetArray())
            emit(out, v);
        out << YAML::EndSeq;
    }
}

} // namespace

std::string to_yaml(const json::Value &value) {
    YAML::Emitter out;
    out.SetIndent(2);
    emit(out, value);
    std::string text = out.c_str();
    if (text.empty() || text.back() != '\n') text += '\n';
    return text;
}

} // namespace tinyllm::config
