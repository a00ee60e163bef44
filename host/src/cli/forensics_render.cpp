#include "cli/forensics_render.hpp"

#include "cli/terminal.hpp"
#include "forensics/excerpt.hpp"
#include "tinyllm/json.hpp"

#include <algorithm>
#include <cstdio>
#include <type_traits>

namespace tinyllm::cli {
namespace {

using forensics::Count;
using forensics::Group;
using forensics::Report;
using forensics::sanitise;

std::string percent(double share) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f%%", share * 100);
    return buf;
}

std::string node_name(const std::string &node) {
    return node.empty() ? "(run)" : sanitise(node);
}

// "math 9, router 2, +1 more": at most `max` names.
std::string counts_text(const std::vector<Count> &counts, size_t max) {
    std::string text;
    for (size_t i = 0; i < counts.size() && i < max; ++i)
        text += (i ? ", " : "") + node_name(counts[i].name) + " " + std::to_string(counts[i].count);
    if (counts.size() > max) text += ", +" + std::to_string(counts.size() - max) + " more";
    return text;
}

std::string padded(std::string text, size_t width, bool right = false) {
    size_t chars = 0;
    for (const char c : text)
        chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (chars >= width) return text;
    const std::string pad(width - chars, ' ');
    return right ? pad + text : text + pad;
}

std::string runs_text(size_t n) {
    return std::to_string(n) + (n == 1 ? " run" : " runs");
}

std::string summary_line(const Report &r, const std::string &window_text) {
    std::string line = "Failures in " + window_text + ": " + std::to_string(r.findings.size()) +
                       " failed or weak (" + std::to_string(r.failed) + " failed, " +
                       std::to_string(r.weak) + " graded low or empty)";
    if (r.cancelled > 0) line += "; " + std::to_string(r.cancelled) + " cancelled, not counted";
    return line;
}

void print_recovered(std::ostream &out, const forensics::Recovered &rec, bool color) {
    if (rec.runs == 0) return;
    out << "\n"
        << paint("Recovered", Color::bold, color)
        << " (ended well, not counted above): " << runs_text(rec.runs);
    if (!rec.gate_rules.empty()) {
        out << "; a gate sent the answer back: " << counts_text(rec.gate_rules, 6);
    }
    if (!rec.retried_codes.empty()) {
        out << "; a failed execution was retried: " << counts_text(rec.retried_codes, 6);
    }
    out << "\n";
}

} // namespace

void print_failures(std::ostream &out, const Report &report, const std::string &window_text,
                    bool color) {
    out << paint(sanitise(summary_line(report, window_text)), Color::bold, color) << "\n\n";
    std::vector<std::string> titles;
    size_t width = 8; // "CATEGORY"
    for (const Group &g : report.groups) {
        titles.push_back(sanitise(forensics::title(g.category, g.key)));
        width = std::max(width, std::min<size_t>(titles.back().size(), 48));
    }
    out << "  RUNS   SHARE  " << padded("CATEGORY", width) << "  NODES BLAMED\n";
    for (size_t i = 0; i < report.groups.size(); ++i) {
        const Group &g = report.groups[i];
        out << "  " << padded(std::to_string(g.count), 4, true) << "  "
            << padded(percent(g.share), 6, true) << "  " << padded(titles[i], width) << "  "
            << counts_text(g.blamed, 3) << "\n";
    }
    for (size_t i = 0; i < report.groups.size(); ++i) {
        const Group &g = report.groups[i];
        out << "\n"
            << paint(titles[i], Color::bold, color) << " · " << runs_text(g.count) << ", "
            << percent(g.share) << " · blamed: " << counts_text(g.blamed, 6) << "\n";
        for (const forensics::Example &e : g.examples)
            out << "  " << sanitise(e.run_id) << "  " << sanitise(e.excerpt) << "\n";
        out << "  next: " << sanitise(g.next_step) << "\n";
    }
    print_recovered(out, report.recovered, color);
}

void print_notes(std::ostream &out, const std::vector<std::string> &notes) {
    for (const std::string &note : notes)
        out << "note: " << sanitise(note) << "\n";
}

namespace {

using json::Value;

Value text(const std::string &s, json::Allocator &a) {
    return json::string_value(s, a);
}

Value counts_json(const std::vector<Count> &counts, const char *name, json::Allocator &a) {
    Value arr(rapidjson::kArrayType);
    for (const Count &c : counts) {
        Value v(rapidjson::kObjectType);
        v.AddMember(Value(name, a), text(c.name, a), a);
        v.AddMember("count", Value(static_cast<uint64_t>(c.count)), a);
        arr.PushBack(v, a);
    }
    return arr;
}

template <class T> Value optional_value(const std::optional<T> &v, json::Allocator &a) {
    if (!v) return Value(rapidjson::kNullType);
    if constexpr (std::is_same_v<T, std::string>) {
        return text(*v, a);
    } else {
        return Value(*v);
    }
}

Value group_json(const Group &g, json::Allocator &a) {
    Value v(rapidjson::kObjectType);
    v.AddMember("category", text(std::string(forensics::to_string(g.category)), a), a);
    v.AddMember("key", text(g.key, a), a);
    v.AddMember("title", text(forensics::title(g.category, g.key), a), a);
    v.AddMember("count", Value(static_cast<uint64_t>(g.count)), a);
    v.AddMember("share", Value(g.share), a);
    v.AddMember("blamed", counts_json(g.blamed, "node", a), a);
    Value examples(rapidjson::kArrayType);
    for (const forensics::Example &e : g.examples) {
        Value x(rapidjson::kObjectType);
        x.AddMember("run_id", text(e.run_id, a), a);
        x.AddMember("node", text(e.node, a), a);
        x.AddMember("excerpt", text(e.excerpt, a), a);
        examples.PushBack(x, a);
    }
    v.AddMember("examples", examples, a);
    v.AddMember("next_step", text(g.next_step, a), a);
    return v;
}

Value finding_json(const forensics::Finding &f, json::Allocator &a) {
    Value v(rapidjson::kObjectType);
    v.AddMember("run_id", text(f.run_id, a), a);
    v.AddMember("category", text(std::string(forensics::to_string(f.category)), a), a);
    v.AddMember("key", text(f.key, a), a);
    v.AddMember("node", text(f.node, a), a);
    v.AddMember("node_type", text(f.node_type, a), a);
    v.AddMember("failed", Value(f.run_failed), a);
    v.AddMember("inferred", Value(f.inferred), a);
    v.AddMember("excerpt", text(f.excerpt, a), a);
    Value tools(rapidjson::kArrayType), rules(rapidjson::kArrayType);
    for (const std::string &t : f.help.tools_called)
        tools.PushBack(text(t, a), a);
    for (const std::string &r : f.help.gate_rules_passed)
        rules.PushBack(text(r, a), a);
    v.AddMember("tools_called", tools, a);
    v.AddMember("gate_rules_passed", rules, a);
    return v;
}

} // namespace

std::string failures_json(const Report &report, const ReportSettings &settings) {
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    Value window(rapidjson::kObjectType);
    const bool by_evaluation = settings.window.evaluation.has_value();
    window.AddMember("last",
                     by_evaluation ? Value(rapidjson::kNullType)
                                   : Value(static_cast<uint64_t>(settings.query.last)),
                     a);
    window.AddMember("since_ms", optional_value(settings.query.since_ms, a), a);
    window.AddMember("graph", optional_value(settings.query.graph, a), a);
    window.AddMember(
        "evaluation",
        by_evaluation ? text(settings.window.evaluation->id, a) : Value(rapidjson::kNullType), a);
    window.AddMember("min_score", optional_value(settings.min_score, a), a);
    window.AddMember("running_skipped", Value(static_cast<uint64_t>(settings.window.running)), a);
    doc.AddMember("window", window, a);
    doc.AddMember("runs", Value(static_cast<uint64_t>(report.runs)), a);
    doc.AddMember("failed", Value(static_cast<uint64_t>(report.failed)), a);
    doc.AddMember("weak", Value(static_cast<uint64_t>(report.weak)), a);
    doc.AddMember("cancelled", Value(static_cast<uint64_t>(report.cancelled)), a);
    Value groups(rapidjson::kArrayType);
    for (const Group &g : report.groups)
        groups.PushBack(group_json(g, a), a);
    doc.AddMember("categories", groups, a);
    Value findings(rapidjson::kArrayType);
    for (const forensics::Finding &f : report.findings)
        findings.PushBack(finding_json(f, a), a);
    doc.AddMember("findings", findings, a);
    Value recovered(rapidjson::kObjectType);
    recovered.AddMember("runs", Value(static_cast<uint64_t>(report.recovered.runs)), a);
    recovered.AddMember("gate_rules", counts_json(report.recovered.gate_rules, "rule", a), a);
    recovered.AddMember("retried", counts_json(report.recovered.retried_codes, "code", a), a);
    doc.AddMember("recovered", recovered, a);
    Value notes(rapidjson::kArrayType);
    for (const std::string &note : settings.window.notes)
        notes.PushBack(text(note, a), a);
    doc.AddMember("notes", notes, a);
    return json::to_pretty_string(doc);
}

} // namespace tinyllm::cli
