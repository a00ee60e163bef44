#include "cli/graph_versions.hpp"

#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/terminal.hpp"
#include "cli/time_arg.hpp"
#include "config/json_yaml.hpp"
#include "config/yaml_json.hpp"
#include "store/graph_store.hpp"
#include "versions/active_graph.hpp"
#include "versions/diff.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>

namespace tinyllm::cli {

namespace {

std::string versions_list(const std::vector<store::GraphVersionRecord> &versions) {
    std::string out;
    for (const auto &v : versions)
        out += (out.empty() ? "" : ", ") + v.version;
    return out.empty() ? "none" : out;
}

// The graph's versions, or Error(not_found) saying that none was ever recorded.
std::vector<store::GraphVersionRecord> recorded(store::GraphStore &graphs,
                                                const std::string &graph_id) {
    auto versions = graphs.versions(graph_id);
    if (versions.empty()) {
        std::string known;
        for (const std::string &id : graphs.graphs())
            known += (known.empty() ? "" : ", ") + id;
        throw Error(ErrorCode::not_found,
                    "graph " + graph_id +
                        " has no recorded versions (a graph is recorded when it "
                        "first runs; graphs with versions: " +
                        (known.empty() ? "none" : known) + ")");
    }
    return versions;
}

store::GraphVersionRecord find_version(store::GraphStore &graphs, const std::string &graph_id,
                                       const std::string &version) {
    if (auto v = graphs.version(graph_id, version)) return *v;
    throw Error(ErrorCode::not_found,
                "graph " + graph_id + " has no version " + version +
                    " (versions: " + versions_list(recorded(graphs, graph_id)) + ")");
}

json::Document parsed(const store::GraphVersionRecord &v) {
    const graph::GraphDef def = versions::load_version(v);
    json::Document doc;
    doc.CopyFrom(*def.document, doc.GetAllocator());
    return doc;
}

std::string origin_text(const store::GraphVersionRecord &v) {
    if (v.origin == store::VersionOrigin::file) return "file";
    return std::string(store::to_string(v.origin)) + (v.strategy.empty() ? "" : " " + v.strategy);
}

} // namespace

int print_graph_versions(Context &ctx, const std::string &graph_id, bool as_json) {
    store::GraphStore graphs(ctx.store());
    const auto versions = recorded(graphs, graph_id);
    const std::string active = graphs.active_version(graph_id).value_or("");
    const auto events = graphs.events(graph_id);
    if (as_json) {
        json::Document doc(rapidjson::kObjectType);
        auto &a = doc.GetAllocator();
        doc.AddMember("graph", json::string_value(graph_id, a), a);
        doc.AddMember("active", json::string_value(active, a), a);
        json::Value list(rapidjson::kArrayType);
        for (const auto &v : versions) {
            json::Value o(rapidjson::kObjectType);
            o.AddMember("version", json::string_value(v.version, a), a);
            o.AddMember("active", v.version == active, a);
            o.AddMember("hash", json::string_value(v.hash, a), a);
            o.AddMember("parent", json::string_value(v.parent, a), a);
            o.AddMember("origin", json::string_value(std::string(to_string(v.origin)), a), a);
            o.AddMember("strategy", json::string_value(v.strategy, a), a);
            o.AddMember("rationale", json::string_value(v.rationale, a), a);
            json::Document touched = json::parse(v.touched_nodes.empty() ? "[]" : v.touched_nodes,
                                                 "touched nodes", ErrorCode::internal);
            o.AddMember("touched_nodes", json::Value(touched, a), a);
            o.AddMember("source", json::string_value(v.source, a), a);
            o.AddMember("created_at_ms", v.created_at_ms, a);
            if (v.retired_at_ms) {
                o.AddMember("retired_at_ms", *v.retired_at_ms, a);
            } else {
                o.AddMember("retired_at_ms", json::Value(), a);
            }
            list.PushBack(o, a);
        }
        doc.AddMember("versions", list, a);
        json::Value history(rapidjson::kArrayType);
        for (const auto &e : events) {
            json::Value o(rapidjson::kObjectType);
            o.AddMember("at_ms", e.at_ms, a);
            o.AddMember("kind", json::string_value(std::string(to_string(e.kind)), a), a);
            o.AddMember("from", json::string_value(e.from_version, a), a);
            o.AddMember("to", json::string_value(e.to_version, a), a);
            o.AddMember("experiment", json::string_value(e.experiment_id, a), a);
            o.AddMember("reason", json::string_value(e.reason, a), a);
            history.PushBack(o, a);
        }
        doc.AddMember("history", history, a);
        std::cout << json::to_pretty_string(doc) << "\n";
        return kExitOk;
    }
    const bool color = color_enabled(stdout);
    std::printf("%-22s %-8s %-24s %-14s %-16s %s\n", "VERSION", "HASH", "ORIGIN", "PARENT",
                "CREATED", "STATUS");
    for (const auto &v : versions) {
        std::string status = v.version == active ? paint("active", Color::green, color)
                             : v.retired_at_ms   ? std::string("retired")
                                                 : std::string("");
        std::printf("%-22s %-8s %-24s %-14s %-16s %s\n", terminal_safe(v.version).c_str(),
                    v.hash.substr(0, 8).c_str(), terminal_safe(origin_text(v)).c_str(),
                    terminal_safe(v.parent.empty() ? "-" : v.parent).c_str(),
                    local_time(v.created_at_ms).c_str(), status.c_str());
    }
    if (!events.empty()) {
        std::printf("\nHistory of the active version:\n");
        for (const auto &e : events) {
            std::printf("  %s  %-13s %s -> %s%s%s\n", local_time(e.at_ms).c_str(),
                        std::string(to_string(e.kind)).c_str(),
                        terminal_safe(e.from_version.empty() ? "-" : e.from_version).c_str(),
                        terminal_safe(e.to_version).c_str(), e.reason.empty() ? "" : ": ",
                        terminal_safe(e.reason).c_str());
        }
    }
    return kExitOk;
}

int print_graph_diff(Context &ctx, const std::string &graph_id, const std::string &from,
                     const std::string &to, bool as_json) {
    store::GraphStore graphs(ctx.store());
    const store::GraphVersionRecord a = find_version(graphs, graph_id, from);
    const store::GraphVersionRecord b = find_version(graphs, graph_id, to);
    const std::vector<versions::Change> changes = versions::diff_graphs(parsed(a), parsed(b));
    if (as_json) {
        json::Document doc(rapidjson::kObjectType);
        auto &al = doc.GetAllocator();
        doc.AddMember("graph", json::string_value(graph_id, al), al);
        doc.AddMember("from", json::string_value(a.version, al), al);
        doc.AddMember("to", json::string_value(b.version, al), al);
        json::Value list(rapidjson::kArrayType);
        for (const auto &c : changes) {
            json::Value o(rapidjson::kObjectType);
            const char *kind = c.kind == versions::Change::Kind::added     ? "added"
                               : c.kind == versions::Change::Kind::removed ? "removed"
                                                                           : "changed";
            o.AddMember("kind", json::Value(kind, al), al);
            o.AddMember("subject", json::string_value(c.subject, al), al);
            o.AddMember("detail", json::string_value(c.detail, al), al);
            list.PushBack(o, al);
        }
        doc.AddMember("changes", list, al);
        std::cout << json::to_pretty_string(doc) << "\n";
        return kExitOk;
    }
    std::printf("graph %s: %s -> %s\n", terminal_safe(graph_id).c_str(),
                terminal_safe(a.version).c_str(), terminal_safe(b.version).c_str());
    if (!b.rationale.empty() && b.parent == a.version) {
        std::printf("why: %s\n", terminal_safe(b.rationale).c_str());
    }
    if (changes.empty()) std::printf("no changes\n");
    const bool color = color_enabled(stdout);
    for (const auto &c : changes) {
        const Color colour = c.kind == versions::Change::Kind::added     ? Color::green
                             : c.kind == versions::Change::Kind::removed ? Color::red
                                                                         : Color::yellow;
        std::printf("%s\n", paint(terminal_safe(versions::to_line(c)), colour, color).c_str());
    }
    return kExitOk;
}

int rollback_graph(Context &ctx, const std::string &graph_id, const std::string &version,
                   const std::string &reason, bool as_json) {
    store::GraphStore graphs(ctx.store());
    const store::GraphVersionRecord target = find_version(graphs, graph_id, version);
    // It must still build: a version that no longer passes the checks is not made active.
    (void)versions::load_version(target);
    const std::string before = graphs.active_version(graph_id).value_or("");
    store::GraphEvent event;
    event.graph_id = graph_id;
    event.kind = store::GraphEventKind::rollback;
    event.to_version = target.version;
    event.reason = reason.empty() ? "by hand (tinyllm graph rollback)" : reason;
    graphs.activate(event);
    if (as_json) {
        json::Document doc(rapidjson::kObjectType);
        auto &a = doc.GetAllocator();
        doc.AddMember("graph", json::string_value(graph_id, a), a);
        doc.AddMember("from", json::string_value(before, a), a);
        doc.AddMember("to", json::string_value(target.version, a), a);
        std::cout << json::to_pretty_string(doc) << "\n";
        return kExitOk;
    }
    std::printf("graph %s: active version %s -> %s (new runs use %s; runs in flight finish on "
                "the version they started with)\n",
                terminal_safe(graph_id).c_str(),
                terminal_safe(before.empty() ? "-" : before).c_str(),
                terminal_safe(target.version).c_str(), terminal_safe(target.version).c_str());
    return kExitOk;
}

int export_graph_version(Context &ctx, const std::string &graph_id, const std::string &version,
                         const std::string &output) {
    store::GraphStore graphs(ctx.store());
    const std::string wanted =
        version.empty() ? graphs.active_version(graph_id).value_or("") : version;
    if (wanted.empty()) (void)recorded(graphs, graph_id); // throws: no versions
    const store::GraphVersionRecord v = find_version(graphs, graph_id, wanted);
    std::string text;
    if (v.origin == store::VersionOrigin::file &&
        v.definition.find("version:") != std::string::npos &&
        v.version.find('+') == std::string::npos) {
        text = v.definition; // the operator's own file, comments and all
    } else {
        json::Document doc = parsed(v);
        auto &a = doc.GetAllocator();
        doc.RemoveMember("version");
        json::Document ordered(rapidjson::kObjectType);
        auto &oa = ordered.GetAllocator();
        // id and version first, as graph files are written.
        ordered.AddMember("id", json::Value(doc["id"], oa), oa);
        ordered.AddMember("version", json::string_value(v.version, oa), oa);
        for (auto &m : doc.GetObject()) {
            if (std::string_view(m.name.GetString()) == "id") continue;
            ordered.AddMember(json::Value(m.name, oa), json::Value(m.value, oa), oa);
        }
        (void)a;
        text = "# " + versions::version_name(graph_id, v.version) +
               ", exported by tinyllm graph export";
        if (!v.strategy.empty()) text += " (made by the mutation " + v.strategy + ")";
        text += "\n";
        if (!v.rationale.empty()) text += "# " + v.rationale + "\n";
        text += config::to_yaml(ordered);
    }
    if (output.empty() || output == "-") {
        std::cout << text;
        std::cout.flush();
        if (!std::cout) throw Error(ErrorCode::io, "cannot write the graph to stdout");
        return kExitOk;
    }
    std::ofstream out(output, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw Error(ErrorCode::io, output + ": cannot write the graph");
    std::fprintf(stderr, "wrote %s (graph %s %s)\n", output.c_str(), graph_id.c_str(),
                 v.version.c_str());
    return kExitOk;
}

} // namespace tinyllm::cli
