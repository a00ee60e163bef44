// A CLI command: a name, a one-line summary for `tinyllm --help`, and a function that parses
// its own arguments (each command has its own --help) and returns an exit code.
#pragma once

#include <string>
#include <vector>

namespace tinyllm::cli {

class Context;

struct Command {
    const char *name;
    const char *summary;
    int (*run)(Context &context, const std::vector<std::string> &args);
};

const std::vector<Command> &commands();

// The commands, each defined in its own file under cli/commands/.
int run_doctor(Context &context, const std::vector<std::string> &args);
int run_plugins(Context &context, const std::vector<std::string> &args);
int run_models(Context &context, const std::vector<std::string> &args);
int run_ask(Context &context, const std::vector<std::string> &args);
int run_config(Context &context, const std::vector<std::string> &args);
int run_graph(Context &context, const std::vector<std::string> &args);
int run_run(Context &context, const std::vector<std::string> &args);
int run_runs(Context &context, const std::vector<std::string> &args);
int run_serve(Context &context, const std::vector<std::string> &args);
int run_tool(Context &context, const std::vector<std::string> &args);
int run_node(Context &context, const std::vector<std::string> &args);
int run_prompts(Context &context, const std::vector<std::string> &args);
int run_eval(Context &context, const std::vector<std::string> &args);
int run_metrics(Context &context, const std::vector<std::string> &args);
int run_failures(Context &context, const std::vector<std::string> &args);
int run_grade(Context &context, const std::vector<std::string> &args);
int run_judges(Context &context, const std::vector<std::string> &args);
int run_expansion(Context &context, const std::vector<std::string> &args);

} // namespace tinyllm::cli
