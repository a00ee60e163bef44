// The fixture of the end-to-end tests of `tinyllm serve`: the real host serving the committed
// default and direct graphs on a port the kernel picks, FakeOllama behind it.
#pragma once

#include "e2e_support.hpp"
#include "http_client.hpp"

#include <chrono>
#include <string>
#include <thread>

namespace tinyllm::e2e {

using serve::testing::HttpClient;
using serve::testing::HttpResponse;
using serve::testing::RawConnection;

inline const std::string kChatHello =
    R"({"model":"tinyllm/direct","messages":[{"role":"user","content":"hello"}]})";

class ServeTest : public E2ETest {
protected:
    ServeTest() {
        // The graphs the tests ask for, as the committed config has them.
        std::filesystem::create_directories(config_dir() / "graphs");
        for (const char *name : {"default.yaml", "direct.yaml"})
            std::filesystem::copy_file(kSourceConfigDir / "graphs" / name,
                                       config_dir() / "graphs" / name);
    }

    // Starts `tinyllm serve` on a free port (the kernel's choice) and waits for its address.
    void start_server() {
        server_ = start({"serve", "--listen", "127.0.0.1:0"});
        start_server_from_output();
    }
    // Waits for the address a server started by the test prints (on 127.0.0.1, or on every
    // address, 0.0.0.0, which the test reaches through 127.0.0.1).
    void start_server_from_output() {
        const std::string prefix = "listening on http://";
        ASSERT_TRUE(server_->wait_until([&] {
            const std::string &out = server_->out_so_far();
            const size_t at = out.find(prefix);
            return at != std::string::npos && out.find('\n', at) != std::string::npos;
        })) << "no address on stdout; stderr: "
            << server_->err_so_far();
        const std::string &out = server_->out_so_far();
        const size_t at = out.find(prefix);
        const std::string address = out.substr(at, out.find('\n', at) - at);
        port_ = static_cast<unsigned short>(std::stoi(address.substr(address.rfind(':') + 1)));
        url_ = "http://127.0.0.1:" + std::to_string(port_);
    }

    // The recorded runs, newest first (tinyllm runs list --json, run while the server runs).
    json::Document runs() const {
        const RunResult listed = host({"runs", "list", "--json"});
        EXPECT_EXIT_CODE(listed, kOk);
        return parse_json(listed.out);
    }
    std::string status_of(const std::string &run_id) const {
        const json::Document all = runs();
        for (const json::Value &r : all.GetArray())
            if (r["run_id"].GetString() == run_id) return r["status"].GetString();
        return "(not recorded)";
    }
    // Polls until the run has `status`; the run ends on the server's threads, after the response.
    bool eventually_status(const std::string &run_id, const std::string &status) const {
        for (int i = 0; i < 300; ++i) {
            if (status_of(run_id) == status) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }

    // Posts a chat to the direct graph on a thread of its own, into `response`, and returns
    // once its run has reached the model server (so it holds a run slot).
    std::thread chat_in_background(HttpResponse &response) {
        std::thread client(
            [this, &response] { response = HttpClient(url_).post("/api/chat", kChatHello); });
        for (int i = 0; i < 400 && ollama_.count("/api/chat") == 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return client;
    }

    std::unique_ptr<HostProcess> server_;
    unsigned short port_ = 0;
    std::string url_;
};

} // namespace tinyllm::e2e
