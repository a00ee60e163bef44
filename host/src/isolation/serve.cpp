#include "isolation/serve.hpp"

#include "isolation/descriptor_json.hpp"
#include "isolation/wire.hpp"
#include "messages/chat.hpp"
#include "plugin/loader.hpp"
#include "runtime/call_context.hpp"
#include "runtime/instance_host.hpp"

#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace tinyllm::isolation {
namespace {

using runtime::CallContext;

// One call the host asked for, while it runs here.
struct ChildCall {
    uint64_t id = 0;
    runtime::CancelToken token;
    std::unique_ptr<CallContext> ctx;
    std::mutex mutex;
    std::condition_variable cv;
    std::optional<Message> reply;
};

thread_local ChildCall *current = nullptr;

class Server;

// The host's services, reached over the socket with the id of the call they are made for.
class RemoteServices final : public runtime::HostServices {
public:
    explicit RemoteServices(Server &server) : server_(server) {}
    messages::ChatResponse chat(const tllm_call *call, messages::ChatRequest request) override;
    std::string call_tool(const tllm_call *call, const std::string &tool,
                          const std::string &arguments_json) override;
    std::string describe_tool(const std::string &tool) override;
    std::string prompt(const std::string &id) override;
    std::string role_models(const std::string &role, const std::string &min_size) override;
    std::string embed(const tllm_call *call, const std::string &model,
                      const std::string &texts_json) override;
    std::string grade(const tllm_call *call, const std::string &judge,
                      const std::string &request_json) override;
    std::string compare(const tllm_call *call, const std::string &judge,
                        const std::string &request_json) override;

private:
    Server &server_;
};

struct ChildInstance {
    const tllm_component *component = nullptr;
    std::unique_ptr<runtime::InstanceHost> host;
    void *handle = nullptr;
};

class Server {
public:
    Server(plugin::LoadedPlugin &plugin, int fd)
        : plugin_(plugin), channel_(fd), services_(*this) {}

    Channel &channel() { return channel_; }

    // Sends a service request for `call` and waits for the host's reply (the host answers
    // every request, also when the call is cancelled).
    Message ask(ChildCall &call, std::string_view op, std::string_view a, std::string_view b) {
        {
            const std::lock_guard<std::mutex> lock(call.mutex);
            call.reply.reset();
        }
        if (!channel_.send(MessageType::service, call.id, {op, a, b})) ::_exit(0);
        std::unique_lock<std::mutex> lock(call.mutex);
        call.cv.wait(lock, [&] { return call.reply.has_value(); });
        return std::move(*call.reply);
    }

    ChildCall *call_of(const tllm_call *raw) {
        const std::lock_guard<std::mutex> lock(mutex_);
        for (auto &[id, c] : calls_) {
            if (c->ctx->raw() == raw) return c.get();
        }
        return nullptr;
    }

    // Leader and followers: one thread reads the socket; when it reads a call, it hands the
    // reading to a pooled thread and runs the call itself, so no thread switch lies between a
    // call's arrival and the plugin. Returns when this thread has run a call; never when the
    // host is gone (the process exits).
    void read() {
        for (;;) {
            std::optional<Message> m = channel_.receive();
            if (!m) ::_exit(0); // the host is gone (it exited, or closed the connection)
            switch (m->type) {
            case MessageType::call: {
                ChildCall &call = admit(*m);
                post([this] { read(); });
                run(call, *m);
                return;
            }
            case MessageType::cancel:
                if (ChildCall *c = find(m->id)) c->token.cancel();
                break;
            case MessageType::reply:
                if (ChildCall *c = find(m->id)) {
                    const std::lock_guard<std::mutex> lock(c->mutex);
                    c->reply = std::move(*m);
                    c->cv.notify_all();
                }
                break;
            default: break;
            }
        }
    }

    // The first reader; afterwards this thread serves in the pool like any other.
    [[noreturn]] void serve() {
        read();
        work();
    }

private:
    ChildCall *find(uint64_t id) {
        const std::lock_guard<std::mutex> lock(mutex_);
        const auto it = calls_.find(id);
        return it != calls_.end() ? it->second.get() : nullptr;
    }

    ChildCall &admit(const Message &m) {
        auto call = std::make_unique<ChildCall>();
        call->id = m.id;
        std::optional<runtime::Clock::time_point> deadline;
        if (!m.field(2).empty()) {
            deadline = runtime::Clock::now() + std::chrono::milliseconds(std::stoll(m.field(2)));
        }
        const uint64_t id = m.id;
        call->ctx =
            std::make_unique<CallContext>(call->token, deadline, [this, id](std::string_view ev) {
                channel_.send(MessageType::event, id, {ev});
            });
        ChildCall &out = *call;
        const std::lock_guard<std::mutex> lock(mutex_);
        calls_.emplace(id, std::move(call));
        return out;
    }

    void run(ChildCall &call, const Message &m) {
        current = &call;
        run_call(call, m);
        current = nullptr;
        const std::lock_guard<std::mutex> lock(mutex_);
        calls_.erase(call.id);
    }

    // Runs `job` on an idle pooled thread, or on a new one when every thread is busy (a call
    // that waits for a service or a slow plugin holds its thread).
    void post(std::function<void()> job) {
        std::unique_lock<std::mutex> lock(pool_mutex_);
        queue_.push_back(std::move(job));
        if (idle_ == 0) {
            std::thread([this] { work(); }).detach();
        } else {
            pool_cv_.notify_one();
        }
    }

    [[noreturn]] void work() {
        std::unique_lock<std::mutex> lock(pool_mutex_);
        for (;;) {
            ++idle_;
            pool_cv_.wait(lock, [this] { return !queue_.empty(); });
            --idle_;
            auto job = std::move(queue_.front());
            queue_.pop_front();
            lock.unlock();
            job();
            lock.lock();
        }
    }

    // Sends the call's outcome in one message: done with its status and the output, or the
    // error's message.
    void finish(ChildCall &call, tllm_status status, bool wants_output) {
        if (status == TLLM_OK && !wants_output) {
            channel_.send(MessageType::done, call.id, {std::to_string(TLLM_OK)});
            return;
        }
        try {
            const std::string out = call.ctx->take_output(status, "the plugin");
            channel_.send(MessageType::done, call.id, {std::to_string(TLLM_OK), "output", out});
        } catch (const Error &e) {
            const tllm_status st = status != TLLM_OK ? status : to_status(e.code());
            channel_.send(MessageType::done, call.id, {std::to_string(st), "error", e.what()});
        }
    }

    void run_call(ChildCall &call, const Message &m) {
        const std::string &op = m.field(0);
        const uint64_t instance_id = std::stoull("0" + m.field(1));
        if (op == "create") {
            create(call, instance_id, m.field(4), m.field(3));
            return;
        }
        ChildInstance *instance = nullptr;
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            const auto it = instances_.find(instance_id);
            if (it != instances_.end()) instance = it->second.get();
        }
        if (instance == nullptr) {
            channel_.send(
                MessageType::done, call.id,
                {std::to_string(TLLM_ERR_INTERNAL), "error", "no instance " + m.field(1)});
            return;
        }
        const tllm_call *c = call.ctx->raw();
        void *h = instance->handle;
        const char *arg = m.field(3).c_str();
        const tllm_component &comp = *instance->component;
        tllm_status st = TLLM_ERR_UNSUPPORTED;
        bool wants_output = true;
        if (op == "activate") {
            wants_output = false;
            st = comp.activate != nullptr ? comp.activate(h, c) : TLLM_OK;
        } else if (op == "destroy") {
            comp.destroy(h);
            const std::lock_guard<std::mutex> lock(mutex_);
            instances_.erase(instance_id);
            channel_.send(MessageType::done, call.id, {std::to_string(TLLM_OK)});
            return;
        } else if (op == "process") {
            st = static_cast<const tllm_node_v1 *>(comp.vtable)->process(h, c, arg);
        } else if (op == "invoke") {
            st = static_cast<const tllm_tool_v1 *>(comp.vtable)->invoke(h, c, arg);
        } else if (op == "check") {
            st = static_cast<const tllm_tool_v1 *>(comp.vtable)->check(h, c);
        } else if (op == "grade" || op == "compare") {
            st = judge_call(static_cast<const tllm_judge_v1 *>(comp.vtable), op, h, c, arg);
        } else if (op == "propose") {
            st = static_cast<const tllm_mutation_v1 *>(comp.vtable)->propose(h, c, arg);
        } else {
            st = backend_call(*static_cast<const tllm_backend_v1 *>(comp.vtable), op, h, c, arg);
        }
        finish(call, st, wants_output);
    }

    static tllm_status backend_call(const tllm_backend_v1 &b, const std::string &op, void *h,
                                    const tllm_call *c, const char *arg) {
        if (op == "chat") return b.chat(h, c, arg);
        if (op == "generate") return b.generate(h, c, arg);
        if (op == "embed") return b.embed(h, c, arg);
        if (op == "list_models") return b.list_models(h, c);
        if (op == "show_model") return b.show_model(h, c, arg);
        if (op == "pull_model") return b.pull_model(h, c, arg);
        if (op == "server_version") return b.server_version(h, c);
        c->set_error(c, TLLM_ERR_UNSUPPORTED, ("unknown operation " + op).c_str());
        return TLLM_ERR_UNSUPPORTED;
    }

    static tllm_status judge_call(const tllm_judge_v1 *j, const std::string &op, void *h,
                                  const tllm_call *c, const char *arg) {
        const auto fn = op == "grade"
                            ? (TLLM_HAS_FIELD(j, tllm_judge_v1, grade) ? j->grade : nullptr)
                            : (TLLM_HAS_FIELD(j, tllm_judge_v1, compare) ? j->compare : nullptr);
        if (fn != nullptr) return fn(h, c, arg);
        c->set_error(c, TLLM_ERR_UNSUPPORTED, ("this judge does not support " + op).c_str());
        return TLLM_ERR_UNSUPPORTED;
    }

    void create(ChildCall &call, uint64_t instance_id, const std::string &index,
                const std::string &config) {
        const uint32_t i = static_cast<uint32_t>(std::stoul("0" + index));
        const tllm_plugin_descriptor &d = *plugin_.descriptor;
        auto instance = std::make_unique<ChildInstance>();
        if (i < d.component_count) {
            const auto *base = reinterpret_cast<const unsigned char *>(d.components);
            instance->component = reinterpret_cast<const tllm_component *>(
                base + size_t{i} * d.components[0].struct_size);
        }
        if (instance->component == nullptr) {
            channel_.send(MessageType::done, call.id,
                          {std::to_string(TLLM_ERR_INTERNAL), "error", "no component " + index});
            return;
        }
        instance->host = std::make_unique<runtime::InstanceHost>(
            std::string(instance->component->name) + ":" + std::to_string(instance_id), &services_);
        char error[512] = {};
        const tllm_status st = instance->component->create(instance->host->raw(), config.c_str(),
                                                           &instance->handle, error, sizeof error);
        error[sizeof error - 1] = '\0';
        std::string routes; // a node's declared routes travel with the create's answer
        if (st == TLLM_OK && instance->handle != nullptr) {
            routes = node_routes(*instance);
            const std::lock_guard<std::mutex> lock(mutex_);
            instances_.emplace(instance_id, std::move(instance));
        }
        channel_.send(MessageType::done, call.id, {std::to_string(st), "error", error, routes});
    }

    static std::string node_routes(const ChildInstance &instance) {
        if (std::strcmp(instance.component->kind, TLLM_KIND_NODE) != 0) return {};
        const auto *node = static_cast<const tllm_node_v1 *>(instance.component->vtable);
        if (!TLLM_HAS_FIELD(node, tllm_node_v1, routes) || node->routes == nullptr) return {};
        const char *routes = node->routes(instance.handle);
        return routes != nullptr ? routes : "";
    }

    plugin::LoadedPlugin &plugin_;
    Channel channel_;
    RemoteServices services_;
    std::mutex mutex_;
    std::map<uint64_t, std::unique_ptr<ChildCall>> calls_;
    std::map<uint64_t, std::unique_ptr<ChildInstance>> instances_;
    std::mutex pool_mutex_;
    std::condition_variable pool_cv_;
    std::deque<std::function<void()>> queue_;
    int idle_ = 0;
};

// The reply's text, or the host's error as an Error with the host's status.
std::string answer_of(const Message &reply) {
    const auto status = static_cast<tllm_status>(std::stoi("0" + reply.field(0)));
    if (status != TLLM_OK) throw Error(from_status(status), reply.field(1));
    return reply.field(1);
}

ChildCall &call_for(Server &server, const tllm_call *raw) {
    ChildCall *call = raw != nullptr ? server.call_of(raw) : current;
    if (call == nullptr) {
        throw Error(ErrorCode::unsupported,
                    "host services need the call the plugin is running (in its own process, a "
                    "plugin's own threads cannot reach the host)");
    }
    return *call;
}

messages::ChatResponse RemoteServices::chat(const tllm_call *call, messages::ChatRequest request) {
    const Message reply =
        server_.ask(call_for(server_, call), "chat", messages::to_json(request), "");
    return messages::parse_chat_response(answer_of(reply));
}

std::string RemoteServices::call_tool(const tllm_call *call, const std::string &tool,
                                      const std::string &arguments_json) {
    return answer_of(server_.ask(call_for(server_, call), "call_tool", tool, arguments_json));
}

std::string RemoteServices::describe_tool(const std::string &tool) {
    return answer_of(server_.ask(call_for(server_, nullptr), "describe_tool", tool, ""));
}

std::string RemoteServices::prompt(const std::string &id) {
    return answer_of(server_.ask(call_for(server_, nullptr), "prompt", id, ""));
}

std::string RemoteServices::role_models(const std::string &role, const std::string &min_size) {
    return answer_of(server_.ask(call_for(server_, nullptr), "role", role, min_size));
}

std::string RemoteServices::embed(const tllm_call *call, const std::string &model,
                                  const std::string &texts_json) {
    return answer_of(server_.ask(call_for(server_, call), "embed", model, texts_json));
}

std::string RemoteServices::grade(const tllm_call *call, const std::string &judge,
                                  const std::string &request_json) {
    return answer_of(server_.ask(call_for(server_, call), "grade", judge, request_json));
}

std::string RemoteServices::compare(const tllm_call *call, const std::string &judge,
                                    const std::string &request_json) {
    return answer_of(server_.ask(call_for(server_, call), "compare", judge, request_json));
}

} // namespace

int serve_main(const std::filesystem::path &path, int fd) {
    // The command's stdout is the user's data: a plugin writing to stdout here must not land
    // in it, so stdout goes where stderr goes.
    if (::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) return 2;
    std::vector<plugin::LoadFailure> component_failures;
    plugin::LoadResult result = plugin::load_plugin(path, component_failures);
    if (auto *failure = std::get_if<plugin::LoadFailure>(&result)) {
        Channel channel(fd);
        channel.send(MessageType::hello, 0,
                     {"failed", plugin::to_string(failure->kind), failure->message});
        return 1;
    }
    auto &plugin = *std::get<std::unique_ptr<plugin::LoadedPlugin>>(result);
    Server server(plugin, fd);
    if (!server.channel().send(MessageType::hello, 0, {"ok", descriptor_json(plugin)})) return 0;
    server.serve();
}

} // namespace tinyllm::isolation
