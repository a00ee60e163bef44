// tinyllm grade --input TEXT --output TEXT [--expected TEXT] [--judge NAME] [--json]
// tinyllm grade ... --versus TEXT      (pairwise: which of two answers is better)
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/input.hpp"
#include "cli/run_guard.hpp"
#include "cli/terminal.hpp"
#include "tinyllm/json.hpp"

#include <algorithm>
#include <iostream>
#include <sstream>

namespace tinyllm::cli {
namespace {

struct GradeOptions {
    std::string input;
    std::string output;
    std::optional<std::string> expected;
    std::optional<std::string> versus;
    std::string judge;
    std::string context = "{}";
    std::optional<std::string> rubric;
    bool as_json = false;
};

// "-" reads the text from stdin (once: only one option may say so).
std::string text_or_stdin(const std::string &value, bool &stdin_used, const char *option,
                          size_t max_bytes) {
    const std::string what = std::string("--") + option;
    if (value != "-") {
        check_input_size(value, max_bytes, what);
        return value;
    }
    if (stdin_used) {
        throw Error(ErrorCode::usage,
                    std::string("--") + option + " -: stdin is already read by another option");
    }
    stdin_used = true;
    return read_stdin(max_bytes, what);
}

std::string request_json(const GradeOptions &o) {
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    doc.AddMember("input", json::string_value(o.input, a), a);
    if (o.versus) {
        doc.AddMember("a", json::string_value(o.output, a), a);
        doc.AddMember("b", json::string_value(*o.versus, a), a);
    } else {
        doc.AddMember("output", json::string_value(o.output, a), a);
    }
    if (o.expected) doc.AddMember("expected", json::string_value(*o.expected, a), a);
    json::Document context = json::parse_object(o.context, "--context", ErrorCode::usage);
    doc.AddMember("context", json::Value(context, a), a);
    if (o.rubric) doc.AddMember("rubric", json::string_value(*o.rubric, a), a);
    return json::to_string(doc);
}

void print_reasons_and_labels(const json::Value &verdict) {
    if (const json::Value *reasons = json::find(verdict, "reasons");
        reasons && reasons->IsArray()) {
        for (const json::Value &r : reasons->GetArray())
            if (r.IsString()) std::cout << "  - " << r.GetString() << "\n";
    }
    const json::Value *labels = json::find(verdict, "labels");
    if (labels == nullptr || !labels->IsObject() || labels->MemberCount() == 0) return;
    std::cout << "  labels:";
    for (const auto &m : labels->GetObject()) {
        std::cout << " " << m.name.GetString() << "="
                  << (m.value.IsString() ? std::string(m.value.GetString())
                                         : json::to_string(m.value));
    }
    std::cout << "\n";
}

int grade(Context &ctx, const GradeOptions &o) {
    runtime::Runtime &rt = ctx.runtime();
    const std::string name = o.judge.empty() ? rt.default_judge() : o.judge;
    {
        // Judges call tools and an ensemble other judges: every one is created here, on this
        // thread, before the first grade (tools first, so judges find them when they activate).
        const SetupWatchdog watchdog(ctx.setup_budget());
        rt.judges().find(name) != nullptr ? rt.prepare_components() : void();
        rt.judges().prepare(name); // throws: an unknown name (with a suggestion), its failure
    }
    const std::string request = request_json(o);
    const int64_t budget = rt.config().system.limits.request_timeout_ms;
    std::optional<runtime::Clock::time_point> deadline;
    if (budget > 0) deadline = runtime::Clock::now() + std::chrono::milliseconds(budget);
    runtime::CallContext call(ctx.cancel_token(), deadline, nullptr);
    const std::string answer =
        o.versus ? rt.compare(call, name, request) : rt.grade(call, name, request);
    json::Document verdict = json::parse_object(answer, "verdict");
    const bool color = color_enabled(stdout);
    if (o.versus) {
        const std::string preference = json::get_string(verdict, "preference").value_or("tie");
        if (o.as_json) {
            verdict.AddMember("judge", json::string_value(name, verdict.GetAllocator()),
                              verdict.GetAllocator());
            std::cout << json::to_pretty_string(verdict) << "\n";
        } else {
            const char *which = preference == "a"   ? "--output is better"
                                : preference == "b" ? "--versus is better"
                                                    : "a tie: neither is better";
            std::cout << paint(which, Color::bold, color) << "  (judge " << name << ")\n";
            print_reasons_and_labels(verdict);
        }
        return kExitOk;
    }
    const bool pass = json::get_bool(verdict, "pass").value_or(false);
    if (o.as_json) {
        verdict.AddMember("judge", json::string_value(name, verdict.GetAllocator()),
                          verdict.GetAllocator());
        std::cout << json::to_pretty_string(verdict) << "\n";
    } else {
        char score[32];
        std::snprintf(score, sizeof score, "%.2f",
                      json::get_number(verdict, "score").value_or(0.0));
        std::cout << (pass ? paint("PASS", Color::green, color) : paint("FAIL", Color::red, color))
                  << "  score " << score << "  judge " << name << "\n";
        print_reasons_and_labels(verdict);
    }
    std::cout.flush();
    return pass ? kExitOk : kExitFailure;
}

} // namespace

int run_grade(Context &ctx, const std::vector<std::string> &args) {
    po::options_description desc("Options");
    GradeOptions o;
    std::string expected, versus, rubric;
    desc.add_options()("help,h", "show this help")("input,i", po::value(&o.input)->required(),
                                                   "the request the answer is for (- for stdin)")(
        "output,o", po::value(&o.output)->required(), "the answer to grade (- for stdin)")(
        "expected,e", po::value(&expected), "a reference answer (- for stdin)")(
        "judge,j", po::value(&o.judge),
        "the judge: a judges.yaml name or a judge component (default: judges.yaml's "
        "default_judge, else rules)")("context", po::value(&o.context),
                                      "a JSON object of more facts for the judge, e.g. "
                                      "'{\"tests\":\"assert f(1) == 2\"}'")(
        "rubric", po::value(&rubric), "what a good answer is, in words (model judges)")(
        "versus", po::value(&versus),
        "a second answer: compare the two instead of grading one (judges that compare)")(
        "json", po::bool_switch(&o.as_json), "print the verdict as JSON");
    add_common_options(desc, ctx.options());
    if (std::find(args.begin(), args.end(), "--help") != args.end() ||
        std::find(args.begin(), args.end(), "-h") != args.end()) {
        print_help("grade --input TEXT --output TEXT [--expected TEXT] [--judge NAME] [--json]\n"
                   "       tinyllm grade --input TEXT --output A --versus B [--judge NAME]",
                   "Grade an answer with a judge and print its verdict: score (0 to 1), pass or "
                   "fail, reasons and labels.\nExit codes: 0 pass, 1 fail, 8 the judge could not "
                   "grade (its error is printed), 7 unknown judge,\n2 usage, 3 config, 4 plugin, 5 "
                   "model server unavailable, 6 timeout, 130 cancelled.\nWith --versus: which "
                   "answer is better (exit 0 whatever the preference).",
                   desc);
        return kExitOk;
    }
    const auto vm = parse_with_positionals(args, desc, {}, ctx.options());
    bool stdin_used = false;
    const size_t max_bytes = ctx.config().system.limits.max_input_bytes;
    o.input = text_or_stdin(o.input, stdin_used, "input", max_bytes);
    o.output = text_or_stdin(o.output, stdin_used, "output", max_bytes);
    if (vm.count("expected"))
        o.expected = text_or_stdin(expected, stdin_used, "expected", max_bytes);
    if (vm.count("versus")) o.versus = text_or_stdin(versus, stdin_used, "versus", max_bytes);
    if (vm.count("rubric")) o.rubric = rubric;
    return grade(ctx, o); // an error's exit code: exit_code_for(code, "grade")
}

} // namespace tinyllm::cli
