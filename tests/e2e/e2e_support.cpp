#include "e2e_support.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tinyllm::e2e {

RefusingPort::RefusingPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr *>(&addr), &len) != 0) {
        const int e = errno;
        ::close(fd_);
        throw std::system_error(e, std::generic_category(), "bind");
    }
    port_ = ntohs(addr.sin_port);
}

RefusingPort::~RefusingPort() {
    if (fd_ >= 0) ::close(fd_);
}

E2ETest::E2ETest() {
    // The server "has" both configured models unless a test says otherwise.
    ollama_.set_models({kModel, kBigModel});
    std::string tmpl = (fs::temp_directory_path() / "tinyllm-e2e-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "mkdtemp");
    }
    root_ = tmpl;
    config_dir_ = root_ / "config";
    fs::create_directories(config_dir_);
    // data_dir inside the temp dir: a run must never write to the real user's data.
    write_config_file("system.yaml", "data_dir: " + (root_ / "data").string() + "\n");
    write_config_file("models.yaml", models_yaml(ollama_.url()));
}

E2ETest::~E2ETest() {
    std::error_code ec;
    fs::remove_all(root_, ec);
}

Env E2ETest::environment(const Env &extra) const {
    Env env = {
        {"HOME", root_.string()},
        {"NO_COLOR", "1"},
        {"PATH", "/usr/bin:/bin"},
        {"LANG", "C.UTF-8"},
    };
    // Sanitizer builds: keep the CI's options (e.g. halt_on_error) so the host behaves as in
    // the other test suites.
    for (const char *name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
        if (const char *v = std::getenv(name)) env[name] = v;
    }
    for (const auto &[k, v] : extra)
        env[k] = v;
    return env;
}

RunResult E2ETest::run(std::vector<std::string> args, const Env &extra_env,
                       std::optional<std::string> stdin_text) const {
    return run_process(
        kHostBin, {std::move(args), environment(extra_env), std::move(stdin_text), root_.string()});
}

RunResult E2ETest::host(std::vector<std::string> args, const Env &extra_env,
                        std::optional<std::string> stdin_text) const {
    args.insert(args.begin(), {"--config", config_dir_.string()});
    return run(std::move(args), extra_env, std::move(stdin_text));
}

RunResult E2ETest::host_on_terminal(std::vector<std::string> args, const Env &extra_env) const {
    args.insert(args.begin(), {"--config", config_dir_.string()});
    RunOptions options{std::move(args), environment(extra_env), std::nullopt, root_.string()};
    options.stdout_terminal = true;
    return run_process(kHostBin, std::move(options));
}

std::unique_ptr<HostProcess> E2ETest::start(std::vector<std::string> args,
                                            const Env &extra_env) const {
    args.insert(args.begin(), {"--config", config_dir_.string()});
    return std::make_unique<HostProcess>(
        kHostBin,
        RunOptions{std::move(args), environment(extra_env), std::nullopt, root_.string()});
}

std::string E2ETest::models_yaml(const std::string &url,
                                 const std::vector<std::string> &extra_backend_config) {
    std::string text = "# Written by the e2e test: the two test models on one Ollama backend.\n"
                       "default_model: qwen2.5:0.5b\n"
                       "backends:\n"
                       "  - name: local\n"
                       "    type: ollama\n"
                       "    config:\n";
    text += "      url: " + url + "\n";
    // Tiny retry delays keep the 503-retry test fast; they are still real retries.
    text += "      retry_base_delay_ms: 1\n"
            "      retry_max_delay_ms: 5\n";
    for (const auto &line : extra_backend_config)
        text += "      " + line + "\n";
    text += "models:\n"
            "  - name: qwen2.5:0.5b\n"
            "    roles: [router, general]\n"
            "    options: {temperature: 0.2, num_ctx: 4096}\n"
            "    keep_alive: 5m\n"
            "  - name: qwen2.5:1.5b\n"
            "    roles: [math, code, general]\n"
            "    options: {temperature: 0.2, num_ctx: 4096}\n";
    return text;
}

void E2ETest::write_config_file(const std::string &name, const std::string &text) const {
    std::ofstream out(config_dir_ / name, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + (config_dir_ / name).string());
}

::testing::AssertionResult NoCrashNoise(const std::string &err) {
    for (const char *noise :
         {"terminate called", "what():", "Sanitizer", "runtime error:", "Segmentation fault",
          "core dumped", "Aborted", "stack trace", "Stack trace", "#0 ", "#1 "}) {
        if (err.find(noise) != std::string::npos) {
            return ::testing::AssertionFailure() << "stderr contains \"" << noise << "\":\n" << err;
        }
    }
    return ::testing::AssertionSuccess();
}

::testing::AssertionResult OneErrorLine(const RunResult &r) {
    if (auto noise = NoCrashNoise(r.err); !noise) return noise;
    const std::string &err = r.err;
    if (err.empty() || err.back() != '\n' || err.find('\n') != err.size() - 1) {
        return ::testing::AssertionFailure() << "stderr is not exactly one line:\n" << r.describe();
    }
    if (err.rfind("tinyllm: error: ", 0) != 0) {
        return ::testing::AssertionFailure() << "stderr does not start with \"tinyllm: error: \":\n"
                                             << r.describe();
    }
    return ::testing::AssertionSuccess();
}

std::vector<std::string> split_lines(const std::string &text) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

int line_number_of(const std::string &text, std::string_view needle) {
    const auto lines = split_lines(text);
    for (size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].find(needle) != std::string::npos) return static_cast<int>(i) + 1;
    }
    return 0;
}

json::Document parse_json(const std::string &text) {
    try {
        return json::parse(text, "stdout");
    } catch (const std::exception &e) {
        ADD_FAILURE() << e.what() << "\n--- text ---\n" << text;
        return json::Document();
    }
}

} // namespace tinyllm::e2e
