// tinyllm ask [--model M] [--system S] [--json] PROMPT — one direct model call; tokens are
// written to stdout as they arrive.
#include "cli/answer_stream.hpp"
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/input.hpp"
#include "cli/terminal.hpp"
#include "messages/chat.hpp"
#include "tinyllm/json.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace tinyllm::cli {
namespace {

struct AskOptions {
    std::string model;
    std::string system;
    bool as_json = false;
    bool stream = false;
    bool think = false;
    std::string format;
    std::optional<double> temperature;
    std::optional<int64_t> seed;
    int64_t timeout_ms = 0;
    std::vector<std::string> prompt;
};

// --format: "json", a JSON Schema inline, or @FILE holding one.
std::string format_json(const std::string &format) {
    if (format == "json") return "\"json\"";
    std::string text = format;
    if (!format.empty() && format[0] == '@') {
        std::ifstream in(format.substr(1));
        if (!in) throw Error(ErrorCode::usage, "--format: cannot read " + format.substr(1));
        text.assign(std::istreambuf_iterator<char>(in), {});
    }
    const json::Document schema = json::parse_object(text, "--format", ErrorCode::usage);
    return json::to_string(schema);
}

messages::ChatRequest build_request(const AskOptions &o, const std::string &prompt) {
    messages::ChatRequest req;
    req.model = o.model;
    auto message = [](std::string role, std::string content) {
        messages::ChatMessage m;
        m.role = std::move(role);
        m.content = std::move(content);
        return m;
    };
    if (!o.system.empty()) req.messages.push_back(message("system", o.system));
    req.messages.push_back(message("user", prompt));
    req.stream = true;
    if (o.think) req.think = "true";
    if (!o.format.empty()) req.format = format_json(o.format);
    if (o.temperature || o.seed) {
        json::Document opts(rapidjson::kObjectType);
        if (o.temperature) opts.AddMember("temperature", *o.temperature, opts.GetAllocator());
        if (o.seed) opts.AddMember("seed", *o.seed, opts.GetAllocator());
        req.options = json::to_string(opts);
    }
    return req;
}

} // namespace

int run_ask(Context &ctx, const std::vector<std::string> &args) {
    AskOptions o;
    po::options_description desc("Options");
    desc.add_options()("help,h",
                       "show this help")("model,m", po::value(&o.model)->value_name("NAME"),
                                         "model name (default: default_model in models.yaml)")(
        "system,s", po::value(&o.system)->value_name("TEXT"), "system prompt")(
        "json", po::bool_switch(&o.as_json), "print the whole response as JSON, no streaming")(
        "stream", po::bool_switch(&o.stream),
        "stream the answer's tokens also when stdout is not a terminal (by default a pipe gets "
        "the answer once it is complete)")("think", po::bool_switch(&o.think),
                                           "ask a thinking model to think (shown on stderr)")(
        "format", po::value(&o.format)->value_name("json|SCHEMA|@FILE"),
        "constrain the answer to JSON, or to a JSON Schema")(
        "temperature",
        po::value<double>()->value_name("T")->notifier([&](double t) { o.temperature = t; }),
        "sampling temperature")(
        "seed", po::value<int64_t>()->value_name("N")->notifier([&](int64_t s) { o.seed = s; }),
        "sampling seed, for reproducible answers")(
        "timeout", po::value(&o.timeout_ms)->value_name("MS"),
        "give up after MS milliseconds (default: limits.request_timeout_ms)");
    add_common_options(desc, ctx.options());
    const auto vm = parse_with_positionals(args, desc, {"prompt..."}, ctx.options());
    o.prompt = positional_rest(vm, "prompt");
    if (vm.count("help")) {
        print_help("ask [OPTIONS] PROMPT...",
                   "Sends PROMPT (or stdin) to one model and streams the answer to stdout.", desc);
        return kExitOk;
    }
    const std::string prompt =
        prompt_from(o.prompt, "ask", ctx.config().system.limits.max_input_bytes);
    runtime::Runtime &rt = ctx.runtime();
    if (o.timeout_ms < 0) throw Error(ErrorCode::usage, "--timeout must be positive");
    const Context::TimeBudget budget = ctx.time_budget(o.timeout_ms);

    AnswerStream printer(o.as_json, o.stream);
    runtime::CallContext call(ctx.cancel_token(), budget.deadline,
                              [&printer](std::string_view ev) { printer.event(ev); });
    messages::ChatResponse response;
    try {
        response = rt.chat(call, build_request(o, prompt));
    } catch (const Error &e) {
        printer.finish(); // a partial answer ends its line before the error is printed
        // The plugin knows only its caller's deadline; name the budget that set it.
        if (e.code() == ErrorCode::timeout && budget.deadline &&
            runtime::Clock::now() >= *budget.deadline) {
            throw Error(ErrorCode::timeout,
                        "the time budget ran out (" + budget.name + "): " + e.what());
        }
        throw;
    }
    if (o.as_json) {
        std::cout << json::to_pretty_string(json::parse(messages::to_json(response), "response"))
                  << "\n";
    } else {
        printer.finish(response.message.content);
    }
    return kExitOk;
}

} // namespace tinyllm::cli
