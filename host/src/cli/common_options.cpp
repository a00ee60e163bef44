#include "cli/common_options.hpp"

#include "tinyllm/error.hpp"

#include <iostream>

namespace tinyllm::cli {

void add_common_options(po::options_description &desc, GlobalOptions &opts) {
    desc.add_options()(
        "config",
        po::value<std::string>()->value_name("DIR")->notifier(
            [&opts](const std::string &v) { opts.config_dir = v; }),
        "config directory (default: $TINYLLM_CONFIG, ./config, ~/.config/tinyllm, installed)")(
        "plugins",
        po::value<std::vector<std::string>>()->value_name("DIR")->composing()->notifier(
            [&opts](const std::vector<std::string> &v) {
                opts.plugin_paths.insert(opts.plugin_paths.end(), v.begin(), v.end());
            }),
        "load plugins from DIR or a .so file (repeatable; also $TINYLLM_PLUGIN_PATH)")
        // Only ever sets the flag: a command re-parsing its own arguments must not reset a
        // --no-default-plugins given before the command name.
        ("no-default-plugins", po::bool_switch()->notifier([&opts](bool on) {
            if (on) opts.no_default_plugins = true;
        }),
         "do not load the plugins installed next to the executable")(
            "verbose,v", "more logging on stderr (-v debug, -vv trace)")(
            "log-level",
            po::value<std::string>()->value_name("LEVEL")->notifier(
                [&opts](const std::string &v) { opts.log_level = v; }),
            "trace, debug, info, warn, error or off (default: system.yaml, $TINYLLM_LOG_LEVEL)");
}

po::variables_map parse_command_line(const std::vector<std::string> &args,
                                     const po::options_description &desc,
                                     const po::positional_options_description &positional,
                                     GlobalOptions &opts) {
    po::variables_map vm;
    try {
        po::parsed_options parsed = po::command_line_parser(args)
                                        .options(desc)
                                        .positional(positional)
                                        .style(po::command_line_style::default_style &
                                               ~po::command_line_style::allow_guessing)
                                        .run();
        // -v may repeat (-v -v, -vv): count it here, since a plain option may occur only once.
        std::erase_if(parsed.options, [&](const po::option &o) {
            if (o.string_key != "verbose") return false;
            ++opts.verbosity; // "-vv" arrives as two entries
            return true;
        });
        po::store(parsed, vm);
        po::notify(vm);
    } catch (const po::error &e) {
        throw Error(ErrorCode::usage, std::string(e.what()) + " (see --help)");
    }
    return vm;
}

po::variables_map parse_with_positionals(const std::vector<std::string> &args,
                                         const po::options_description &desc,
                                         const std::vector<std::string> &names,
                                         GlobalOptions &opts) {
    // Positional arguments are hidden options: they have no --name of their own in --help.
    po::options_description hidden;
    po::positional_options_description pos;
    for (const std::string &name : names) {
        if (name.ends_with("...")) {
            const std::string base = name.substr(0, name.size() - 3);
            hidden.add_options()(base.c_str(), po::value<std::vector<std::string>>());
            pos.add(base.c_str(), -1);
        } else {
            hidden.add_options()(name.c_str(), po::value<std::string>());
            pos.add(name.c_str(), 1);
        }
    }
    po::options_description all;
    all.add(desc).add(hidden);
    return parse_command_line(args, all, pos, opts);
}

std::string positional(const po::variables_map &vm, const std::string &name,
                       const std::string &fallback) {
    return vm.count(name) ? vm[name].as<std::string>() : fallback;
}

std::vector<std::string> positional_rest(const po::variables_map &vm, const std::string &name) {
    return vm.count(name) ? vm[name].as<std::vector<std::string>>() : std::vector<std::string>{};
}

void print_help(const std::string &usage, const std::string &summary,
                const po::options_description &desc) {
    std::cout << "Usage: tinyllm " << usage << "\n\n" << summary << "\n\n" << desc << std::flush;
}

} // namespace tinyllm::cli
