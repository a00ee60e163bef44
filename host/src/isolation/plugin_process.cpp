#include "isolation/plugin_process.hpp"

#include "isolation/descriptor_json.hpp"
#include "isolation/wire.hpp"
#include "messages/chat.hpp"
#include "process/child_process.hpp"
#include "runtime/crash_report.hpp"
#include "runtime/instance_host.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

extern char **environ;

namespace tinyllm::isolation {
namespace {

using Clock = std::chrono::steady_clock;

// How a process ended, in the words a user searches for: "SIGSEGV", "exit status 3".
std::string ending_of(int status) {
    if (WIFSIGNALED(status)) return process::signal_name(WTERMSIG(status));
    if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
    return "an unknown end";
}

// The messages of one call in flight, filled by whichever caller is reading (guarded by the
// process's mutex).
struct Pending {
    std::deque<Message> inbox;
    bool dead = false;
};

// One start of the plugin's process.
struct Child {
    pid_t pid = -1;
    std::unique_ptr<Channel> channel;
    bool reading = false; // a caller is reading the socket
    std::string ending;   // set when it ended
    bool killed_by_host = false;
};

class PluginProcess;

// What a proxy instance is: which component, with which config, created in which generation
// of the process.
struct ProxyInstance {
    PluginProcess *process = nullptr;
    uint32_t component = 0; // index into the descriptor copy
    std::string config;
    const tllm_host *host = nullptr; // the host's tllm_host for this instance
    uint64_t remote_id = 0;
    uint64_t generation = 0;
    bool activated = false;
    std::string routes; // a node's declared routes (JSON), as the remote instance gave them
};

class PluginProcess {
public:
    PluginProcess(std::filesystem::path path, ProcessOptions options)
        : path_(std::move(path)), options_(std::move(options)) {}
    ~PluginProcess() { stop(); }

    // Starts the first process; the descriptor it reported, or the failure.
    std::variant<std::unique_ptr<DescriptorCopy>, plugin::LoadFailure> start_first() {
        std::string descriptor;
        if (auto failure = spawn(descriptor)) return *failure;
        try {
            return parse_descriptor_json(descriptor);
        } catch (const Error &e) {
            stop();
            return plugin::LoadFailure{path_, plugin::FailureKind::invalid_descriptor, e.what()};
        }
    }

    void set_descriptor(const DescriptorCopy *copy) { copy_ = copy; }
    const DescriptorCopy &descriptor() const { return *copy_; }

    // create: a new remote instance for `instance` in the current process.
    tllm_status create(ProxyInstance &instance, char *error, size_t error_size) {
        std::string message;
        const tllm_status st = ensure_instance(instance, nullptr, &message);
        if (st != TLLM_OK) std::snprintf(error, error_size, "%s", message.c_str());
        return st;
    }

    // One call of a kind's function (or activate) on `instance` for the host's `call`.
    tllm_status call(ProxyInstance &instance, const tllm_call *call, const char *op,
                     std::string_view argument) {
        std::string message;
        tllm_status st = ensure_instance(instance, call, &message);
        if (st != TLLM_OK) {
            call->set_error(call, st, message.c_str());
            return st;
        }
        st = exchange(instance, call, op, argument, &message);
        if (st != TLLM_OK && !message.empty()) call->set_error(call, st, message.c_str());
        if (st == TLLM_OK && std::strcmp(op, "activate") == 0) instance.activated = true;
        return st;
    }

    void destroy(ProxyInstance &instance) {
        std::unique_lock<std::mutex> lock(mutex_);
        const bool alive = child_ && child_->ending.empty() && instance.generation == generation_;
        lock.unlock();
        if (!alive) return;
        std::string ignored;
        exchange(instance, nullptr, "destroy", "", &ignored);
    }

    const char *plugin_id() const { return copy_ != nullptr ? copy_->descriptor.id : "?"; }

private:
    // The process is running and `instance` exists in it (created again after a restart, and
    // activated again when it had been).
    tllm_status ensure_instance(ProxyInstance &instance, const tllm_call *call,
                                std::string *message) {
        // One restart at a time; recursive, since re-activating an instance may call (through
        // a host service) another proxy of the same plugin.
        const std::lock_guard<std::recursive_mutex> restarting(restart_mutex_);
        {
            std::unique_lock<std::mutex> lock(mutex_);
            // A process that died between calls (a thread of the plugin's own) is found here,
            // so the next call restarts it instead of failing as if it had crashed it.
            if (child_ && child_->ending.empty() && !child_->reading) {
                int status = 0;
                if (::waitpid(child_->pid, &status, WNOHANG) == child_->pid) {
                    ended_with(*child_, status);
                }
            }
            if (!child_ || !child_->ending.empty()) {
                if (const tllm_status st = restart(lock, message); st != TLLM_OK) return st;
            }
            if (instance.generation == generation_ && instance.remote_id != 0) return TLLM_OK;
            instance.generation = generation_;
            instance.remote_id = ++next_instance_;
        }
        const std::string index = std::to_string(copy_->indexes[instance.component]);
        tllm_status st = exchange_create(instance, index, message);
        if (st != TLLM_OK) return st;
        if (instance.activated) {
            // Created again after a restart: it was ready before, so it must be again.
            st = exchange(instance, call, "activate", "", message);
        }
        return st;
    }

    tllm_status exchange_create(ProxyInstance &instance, const std::string &index,
                                std::string *message) {
        return run_exchange(instance, nullptr, "create", index, instance.config, message);
    }

    tllm_status exchange(ProxyInstance &instance, const tllm_call *call, const char *op,
                         std::string_view argument, std::string *message) {
        return run_exchange(instance, call, op, argument, {}, message);
    }

    // Sends one call and serves what comes back until it is done or the process ends.
    tllm_status run_exchange(ProxyInstance &instance, const tllm_call *call, const char *op,
                             std::string_view a, std::string_view b, std::string *message) {
        const bool is_create = std::strcmp(op, "create") == 0;
        std::shared_ptr<Child> child;
        auto pending = std::make_shared<Pending>();
        uint64_t id = 0;
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            child = child_;
            if (!child || !child->ending.empty()) {
                *message = dead_message();
                return TLLM_ERR_UNAVAILABLE;
            }
            id = ++next_call_;
            pending_.emplace(id, pending);
        }
        const auto forget = [&] {
            const std::lock_guard<std::mutex> lock(mutex_);
            pending_.erase(id);
        };
        const int64_t remaining = call != nullptr ? call->remaining_ms(call) : -1;
        const std::string remote = std::to_string(instance.remote_id);
        const std::string ms = remaining >= 0 ? std::to_string(remaining) : "";
        // create: the component's index and config; a call: its argument.
        const std::string_view arg3 = is_create ? b : a;
        const std::string_view index = is_create ? a : std::string_view();
        if (!child->channel->send(MessageType::call, id, {op, remote, ms, arg3, index})) {
            // The reader thread sees the end too and fails the call below.
        }
        // When to kill the process if the call has not returned (a plain value, not an
        // optional: GCC 12 warns about an optional time_point read in the loop).
        bool kill_armed = is_create;
        Clock::time_point kill_at = Clock::now() + options_.start_timeout;
        bool cancel_sent = false;
        for (;;) {
            std::deque<Message> inbox;
            bool dead = false;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                if (pending->inbox.empty() && !pending->dead) {
                    if (!child->reading) {
                        // Leader and followers: a caller with nothing to do reads the socket
                        // itself, so its own answer needs no thread switch to reach it.
                        read_once(lock, *child);
                    } else {
                        turn_.wait_for(lock, std::chrono::milliseconds(5), [&] {
                            return !pending->inbox.empty() || pending->dead || !child->reading;
                        });
                    }
                }
                inbox.swap(pending->inbox);
                dead = pending->dead;
            }
            for (Message &m : inbox) {
                switch (m.type) {
                case MessageType::event:
                    if (call != nullptr) call->emit(call, m.field(0).c_str());
                    break;
                case MessageType::service: serve(*child, instance, call, m); break;
                case MessageType::done: {
                    forget();
                    const auto st = static_cast<tllm_status>(std::stoi("0" + m.field(0)));
                    if (m.field(1) == "output" && call != nullptr) {
                        call->set_output(call, m.field(2).c_str());
                    } else if (m.field(1) == "error") {
                        if (call != nullptr) call->set_error(call, st, m.field(2).c_str());
                        if (is_create) {
                            *message = m.field(2);
                            instance.routes = m.field(3);
                        }
                    }
                    return st;
                }
                default: break;
                }
            }
            if (dead) {
                forget();
                const tllm_status st = died_during(*child, op, message);
                // A crash is the plugin's failure, as in the host's own process; a kill for
                // the deadline stays a timeout.
                if (st != TLLM_ERR_TIMEOUT && call != nullptr) {
                    if (runtime::CallContext *ctx = runtime::CallContext::from(call)) {
                        ctx->fail_as(ErrorCode::plugin);
                    }
                }
                return st;
            }
            if (call != nullptr && !cancel_sent && call->is_cancelled(call)) {
                child->channel->send(MessageType::cancel, id, {});
                cancel_sent = true;
                kill_armed = true;
                kill_at = Clock::now() + options_.stop_grace;
            }
            if (kill_armed && Clock::now() > kill_at) {
                kill(*child);
                kill_armed = false;
            }
        }
    }

    // A service request from the plugin, served with the caller's call as an in-process
    // plugin's would be.
    void serve(Child &child, ProxyInstance &instance, const tllm_call *call, const Message &m) {
        const std::string &op = m.field(0);
        std::string status = std::to_string(TLLM_OK);
        std::string text;
        try {
            runtime::HostServices *services = runtime::InstanceHost::services_of(instance.host);
            if (services == nullptr) {
                throw Error(ErrorCode::unsupported, op == "chat"
                                                        ? "model calls are not available here"
                                                        : "tool calls are not available here");
            }
            if (op == "chat") {
                if (call == nullptr) throw Error(ErrorCode::unsupported, "chat needs a call");
                text = messages::to_json(
                    services->chat(call, messages::parse_chat_request(m.field(1))));
            } else if (op == "call_tool") {
                if (call == nullptr) throw Error(ErrorCode::unsupported, "call_tool needs a call");
                text = services->call_tool(call, m.field(1), m.field(2));
            } else if (op == "describe_tool") {
                text = services->describe_tool(m.field(1));
            } else if (op == "prompt") {
                text = services->prompt(m.field(1));
            } else if (op == "role") {
                text = services->role_models(m.field(1), m.field(2));
            } else if (op == "embed") {
                if (call == nullptr) throw Error(ErrorCode::unsupported, "embed needs a call");
                text = services->embed(call, m.field(1), m.field(2));
            } else if (op == "grade" || op == "compare") {
                if (call == nullptr) throw Error(ErrorCode::unsupported, op + " needs a call");
                text = op == "grade" ? services->grade(call, m.field(1), m.field(2))
                                     : services->compare(call, m.field(1), m.field(2));
            } else {
                throw Error(ErrorCode::unsupported, "unknown service " + op);
            }
        } catch (const Error &e) {
            status = std::to_string(to_status(e.code()));
            text = e.what();
        } catch (const std::exception &e) {
            status = std::to_string(TLLM_ERR_INTERNAL);
            text = e.what();
        }
        child.channel->send(MessageType::reply, m.id, {status, text});
    }

    // The failure of a call whose process ended under it; counts the crash.
    tllm_status died_during(Child &child, const char *op, std::string *message) {
        std::unique_lock<std::mutex> lock(mutex_);
        const runtime::ActiveCall *active = runtime::current_call();
        const std::string where =
            active != nullptr && active->site().instance[0] != '\0'
                ? std::string(" in ") + active->site().instance + " (" + op + ")"
                : std::string(" (") + op + ")";
        if (child.killed_by_host) {
            *message = std::string("plugin ") + plugin_id() + where +
                       " did not stop when asked; its process was killed";
            return TLLM_ERR_TIMEOUT;
        }
        *message = std::string("plugin ") + plugin_id() + " crashed (" + child.ending + ")" +
                   where + "; " +
                   (crashes_ >= options_.max_crashes
                        ? "it is disabled after " + std::to_string(crashes_) +
                              " crashes until the command runs again"
                        : std::string("its process is restarted for the next call"));
        return TLLM_ERR_INTERNAL;
    }

    std::string dead_message() const {
        if (crashes_ >= options_.max_crashes) {
            return std::string("plugin ") + plugin_id() + " is disabled: its process crashed " +
                   std::to_string(crashes_) + " times (last: " + last_ending_ +
                   "); run the command again to retry";
        }
        return std::string("plugin ") + plugin_id() + " is not running";
    }

    // Starts a new process after the last one ended, waiting a little longer after each crash.
    tllm_status restart(std::unique_lock<std::mutex> &lock, std::string *message) {
        if (crashes_ >= options_.max_crashes) {
            *message = dead_message();
            return TLLM_ERR_UNAVAILABLE;
        }
        const auto delay = std::chrono::milliseconds(crashes_ == 0 ? 0 : 50 << (crashes_ - 1));
        child_.reset();
        lock.unlock();
        std::this_thread::sleep_for(delay);
        std::string ignored;
        std::optional<plugin::LoadFailure> failure = spawn(ignored);
        lock.lock();
        if (failure) {
            *message = std::string("plugin ") + plugin_id() +
                       ": its process could not be restarted: " + plugin::describe(*failure);
            return TLLM_ERR_UNAVAILABLE;
        }
        spdlog::info("plugin {}: process restarted (generation {})", plugin_id(), generation_);
        return TLLM_OK;
    }

    // Starts a process and waits for its hello; on success child_ is the new process.
    std::optional<plugin::LoadFailure> spawn(std::string &descriptor) {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
            return plugin::LoadFailure{path_, plugin::FailureKind::crashed,
                                       std::string("cannot create a socket: ") +
                                           std::strerror(errno)};
        }
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        // The plugin reads no user input: stdin is /dev/null; its end of the socket is fd 3.
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, fds[1], 3);
        const std::string exe = options_.plugin_host.string();
        const std::string file = path_.string();
        std::vector<std::string> args = {exe, "serve", file, "3", options_.log_level};
        std::vector<char *> argv;
        for (auto &a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        pid_t pid = -1;
        const int rc = ::posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(fds[1]);
        if (rc != 0) {
            ::close(fds[0]);
            return plugin::LoadFailure{path_, plugin::FailureKind::crashed,
                                       "cannot start " + exe + ": " + std::strerror(rc)};
        }
        auto child = std::make_shared<Child>();
        child->pid = pid;
        child->channel = std::make_unique<Channel>(fds[0]);

        pollfd p{fds[0], POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(options_.start_timeout.count()));
        std::optional<Message> hello;
        if (ready > 0) hello = child->channel->receive();
        if (!hello || hello->type != MessageType::hello || hello->field(0) != "ok") {
            const bool timed_out = ready == 0;
            if (timed_out) ::kill(pid, SIGKILL);
            int status = 0;
            ::waitpid(pid, &status, 0);
            if (hello && hello->type == MessageType::hello && hello->field(0) == "failed") {
                const auto kind = plugin::parse_failure_kind(hello->field(1));
                return plugin::LoadFailure{path_, kind.value_or(plugin::FailureKind::crashed),
                                           hello->field(2)};
            }
            if (timed_out) {
                return plugin::LoadFailure{path_, plugin::FailureKind::hung,
                                           "hung while loading in its own process (no answer "
                                           "within " +
                                               std::to_string(options_.start_timeout.count()) +
                                               " ms)"};
            }
            return plugin::LoadFailure{path_, plugin::FailureKind::crashed,
                                       "crashed while loading in its own process: " +
                                           ending_of(status)};
        }
        descriptor = hello->field(1);
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            ++generation_;
            child_ = child;
        }
        return std::nullopt;
    }

    // Reads what the process sent within 5 ms, if anything, and hands it to its call; at the end
    // of the stream reaps the process and fails every call in flight. Called with `lock` held;
    // releases it while waiting.
    void read_once(std::unique_lock<std::mutex> &lock, Child &child) {
        child.reading = true;
        lock.unlock();
        pollfd p{child.channel->fd(), POLLIN, 0};
        std::optional<Message> m;
        bool ended = false;
        if (::poll(&p, 1, 5) > 0) {
            m = child.channel->receive();
            ended = !m;
        }
        int status = 0;
        const bool reaped = ended && ::waitpid(child.pid, &status, 0) == child.pid;
        lock.lock();
        child.reading = false;
        if (m) {
            if (const auto it = pending_.find(m->id); it != pending_.end()) {
                it->second->inbox.push_back(std::move(*m));
            }
        } else if (ended) {
            if (reaped) ended_with(child, status);
            for (auto &[id, pending] : pending_)
                pending->dead = true;
        }
        turn_.notify_all();
    }

    // Records how the process ended (once) and counts a crash. Called with mutex_ held.
    void ended_with(Child &child, int status) {
        if (!child.ending.empty()) return;
        child.ending = ending_of(status);
        if (!stopping_ && !child.killed_by_host) {
            ++crashes_;
            last_ending_ = child.ending;
            // The calls in flight report it; this line tells of it in the log too.
            spdlog::info("plugin {}: its process ended ({})", plugin_id(), child.ending);
        }
    }

    void kill(Child &child) {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            child.killed_by_host = true;
        }
        ::kill(child.pid, SIGKILL);
    }

    void stop() {
        std::shared_ptr<Child> child;
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
            child = std::move(child_);
        }
        if (!child) return;
        // No call is in flight now. The process exits when its socket closes; one that does not
        // within 200 ms is killed.
        if (!child->ending.empty()) return; // reaped already
        child->channel->shut_down();
        for (int i = 0; i < 100; ++i) {
            if (::waitpid(child->pid, nullptr, WNOHANG) != 0) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        ::kill(child->pid, SIGKILL);
        ::waitpid(child->pid, nullptr, 0);
    }

    std::filesystem::path path_;
    ProcessOptions options_;
    const DescriptorCopy *copy_ = nullptr;
    std::recursive_mutex restart_mutex_;
    std::mutex mutex_;
    std::shared_ptr<Child> child_;
    std::map<uint64_t, std::shared_ptr<Pending>> pending_;
    std::condition_variable turn_; // a message arrived, the process ended, or reading is free
    uint64_t generation_ = 0;
    uint64_t next_call_ = 0;
    uint64_t next_instance_ = 0;
    int crashes_ = 0;
    std::string last_ending_;
    bool stopping_ = false;
};

// What the registry keeps alive for an isolated plugin: the process and the proxy tables.
struct IsolatedPlugin {
    std::unique_ptr<DescriptorCopy> copy;
    std::unique_ptr<PluginProcess> process;
};

// ---- The proxy component tables -----------------------------------------------------------

// tllm_component.create receives no pointer to its component, so each proxy component gets a
// create function of its own: one of kSlots instantiations, bound to a slot at load time.
constexpr size_t kSlots = 256;
struct Slot {
    PluginProcess *process = nullptr;
    uint32_t component = 0;
};
std::array<Slot, kSlots> slots;
std::atomic<size_t> next_slot{0};

ProxyInstance &proxy(void *instance) {
    return *static_cast<ProxyInstance *>(instance);
}

tllm_status proxy_create(const Slot &slot, const tllm_host *host, const char *config, void **out,
                         char *error, size_t error_size) noexcept {
    try {
        auto instance = std::make_unique<ProxyInstance>();
        instance->process = slot.process;
        instance->component = slot.component;
        instance->config = config != nullptr ? config : "{}";
        instance->host = host;
        const tllm_status st = slot.process->create(*instance, error, error_size);
        if (st != TLLM_OK) return st;
        *out = instance.release();
        return TLLM_OK;
    } catch (const std::exception &e) {
        std::snprintf(error, error_size, "%s", e.what());
        return TLLM_ERR_INTERNAL;
    }
}

template <size_t N>
tllm_status create_in_slot(const tllm_host *host, const char *config, void **out, char *error,
                           size_t error_size) {
    return proxy_create(slots[N], host, config, out, error, error_size);
}

template <size_t... I>
constexpr std::array<decltype(&create_in_slot<0>), kSlots> make_creates(std::index_sequence<I...>) {
    return {&create_in_slot<I>...};
}
constexpr auto kCreates = make_creates(std::make_index_sequence<kSlots>());

tllm_status proxy_call(void *instance, const tllm_call *call, const char *op,
                       const char *argument) noexcept {
    try {
        ProxyInstance &p = proxy(instance);
        return p.process->call(p, call, op, argument != nullptr ? argument : "");
    } catch (const std::exception &e) {
        call->set_error(call, TLLM_ERR_INTERNAL, e.what());
        return TLLM_ERR_INTERNAL;
    }
}

tllm_status proxy_activate(void *instance, const tllm_call *call) {
    return proxy_call(instance, call, "activate", nullptr);
}

void proxy_destroy(void *instance) {
    std::unique_ptr<ProxyInstance> p(static_cast<ProxyInstance *>(instance));
    try {
        p->process->destroy(*p);
    } catch (...) {
        // the process is gone: nothing is left to destroy there
    }
}

constexpr tllm_node_v1 kNode{
    sizeof(tllm_node_v1),
    [](void *i, const tllm_call *c, const char *m) { return proxy_call(i, c, "process", m); },
    [](void *i) -> const char * {
        const ProxyInstance &p = proxy(i);
        return p.routes.empty() ? nullptr : p.routes.c_str();
    },
};

constexpr tllm_backend_v1 kBackend{
    sizeof(tllm_backend_v1),
    [](void *i, const tllm_call *c, const char *r) { return proxy_call(i, c, "chat", r); },
    [](void *i, const tllm_call *c, const char *r) { return proxy_call(i, c, "generate", r); },
    [](void *i, const tllm_call *c, const char *r) { return proxy_call(i, c, "embed", r); },
    [](void *i, const tllm_call *c) { return proxy_call(i, c, "list_models", nullptr); },
    [](void *i, const tllm_call *c, const char *r) { return proxy_call(i, c, "show_model", r); },
    [](void *i, const tllm_call *c, const char *r) { return proxy_call(i, c, "pull_model", r); },
    [](void *i, const tllm_call *c) { return proxy_call(i, c, "server_version", nullptr); },
};

constexpr tllm_judge_v1 kJudge{
    sizeof(tllm_judge_v1),
    [](void *i, const tllm_call *c, const char *r) { return proxy_call(i, c, "grade", r); },
    [](void *i, const tllm_call *c, const char *r) { return proxy_call(i, c, "compare", r); },
};

constexpr tllm_mutation_v1 kMutation{
    sizeof(tllm_mutation_v1),
    [](void *i, const tllm_call *c, const char *r) { return proxy_call(i, c, "propose", r); },
};

tllm_status proxy_invoke(void *i, const tllm_call *c, const char *arguments) {
    return proxy_call(i, c, "invoke", arguments);
}
tllm_status proxy_check(void *i, const tllm_call *c) {
    return proxy_call(i, c, "check", nullptr);
}

} // namespace

plugin::LoadResult load_isolated(const std::filesystem::path &path, const ProcessOptions &options) {
    auto isolated = std::make_shared<IsolatedPlugin>();
    isolated->process = std::make_unique<PluginProcess>(path, options);
    auto started = isolated->process->start_first();
    if (auto *failure = std::get_if<plugin::LoadFailure>(&started)) return std::move(*failure);
    isolated->copy = std::move(std::get<std::unique_ptr<DescriptorCopy>>(started));
    DescriptorCopy &copy = *isolated->copy;
    isolated->process->set_descriptor(&copy);

    auto loaded = std::make_unique<plugin::LoadedPlugin>();
    loaded->path = path;
    loaded->descriptor = &copy.descriptor;
    for (size_t i = 0; i < copy.components.size(); ++i) {
        const size_t slot = next_slot.fetch_add(1);
        if (slot >= kSlots) {
            return plugin::LoadFailure{path, plugin::FailureKind::invalid_descriptor,
                                       "more than " + std::to_string(kSlots) +
                                           " components in isolated plugins"};
        }
        slots[slot] = Slot{isolated->process.get(), static_cast<uint32_t>(i)};
        tllm_component &c = copy.components[i];
        c.create = kCreates[slot];
        // A component without activate gets none here either: no round trip for nothing.
        const json::Value &meta = copy.doc["components"][static_cast<rapidjson::SizeType>(i)];
        c.activate = json::get_bool(meta, "has_activate").value_or(true) ? proxy_activate : nullptr;
        c.destroy = proxy_destroy;
        if (std::strcmp(c.kind, TLLM_KIND_NODE) == 0) {
            c.vtable = &kNode;
        } else if (std::strcmp(c.kind, TLLM_KIND_BACKEND) == 0) {
            c.vtable = &kBackend;
        } else if (std::strcmp(c.kind, TLLM_KIND_JUDGE) == 0) {
            c.vtable = &kJudge;
        } else if (std::strcmp(c.kind, TLLM_KIND_MUTATION) == 0) {
            c.vtable = &kMutation;
        } else {
            tllm_tool_v1 &tool = copy.tools[i];
            tool.invoke = proxy_invoke;
            tool.check = json::get_bool(meta, "has_check").value_or(false) ? proxy_check : nullptr;
            c.vtable = &tool;
        }
        loaded->components.push_back(&c);
    }
    loaded->isolated = std::move(isolated);
    return loaded;
}

} // namespace tinyllm::isolation
