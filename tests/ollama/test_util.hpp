// Shared helpers for the Ollama client tests: configs pointing at a FakeOllama, a capturing
// logger and an address where nothing listens.
#pragma once

#include "config.hpp"
#include "fake_ollama.hpp"
#include "ollama_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinyllm::testing {

inline constexpr const char *kModel = "qwen2.5:0.5b"; // FakeOllama's default model

// A config for `fake` with retry delays small enough to keep tests fast.
inline ollama::ClientConfig config_for(const FakeOllama &fake) {
    ollama::ClientConfig c;
    c.url = fake.url();
    c.retry_base_delay_ms = 1;
    c.retry_max_delay_ms = 5;
    return c;
}

// Collects log lines from the client (thread-safe, as the client may log from any thread).
class LogCapture {
public:
    ollama::Logger logger() {
        return [this](tllm_log_level level, const std::string &message) {
            std::lock_guard lock(mu_);
            lines_.push_back(std::to_string(static_cast<int>(level)) + " " + message);
        };
    }
    std::vector<std::string> lines() const {
        std::lock_guard lock(mu_);
        return lines_;
    }

private:
    mutable std::mutex mu_;
    std::vector<std::string> lines_;
};

// A loopback port that refuses connections: bound for as long as this object lives (so no test
// running in parallel, nor the kernel's ephemeral ports, can hand it to a listener meanwhile) but
// never listening, so connect() gets ECONNREFUSED.
class RefusingPort {
public:
    RefusingPort() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error("socket");
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        socklen_t len = sizeof addr;
        if (::bind(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr *>(&addr), &len) != 0) {
            ::close(fd_);
            throw std::runtime_error("bind");
        }
        port_ = ntohs(addr.sin_port);
    }
    ~RefusingPort() { ::close(fd_); }
    RefusingPort(const RefusingPort &) = delete;
    RefusingPort &operator=(const RefusingPort &) = delete;
    uint16_t port() const { return port_; }

private:
    int fd_ = -1;
    uint16_t port_ = 0;
};

} // namespace tinyllm::testing
