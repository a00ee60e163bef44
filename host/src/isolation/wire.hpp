// The framing between the host and a plugin's own process (`isolation: process`): one message
// is a type, an id (a call's, or an instance's) and a few byte-string fields, sent whole over a
// local stream socket. Binary, so text with NUL bytes and JSON pass without escaping.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::isolation {

enum class MessageType : uint8_t {
    // host -> plugin process
    call = 1,   // id: call; fields: op, instance id, remaining ms ("" = none), argument, and
                // for create the component's index
    cancel = 2, // id: call
    reply = 3,  // id: call; fields: status, text (the answer to a service request)
    // plugin process -> host
    hello = 10,   // fields: "ok" + descriptor JSON, or "failed" + kind + message
    event = 11,   // id: call; fields: event JSON
    service = 14, // id: call; fields: service op, argument, argument
    done = 16,    // id: call; fields: status, then "output" + result JSON or "error" + message
};

struct Message {
    MessageType type = MessageType::call;
    uint64_t id = 0;
    std::vector<std::string> fields;

    // Field `i`, or "" when the sender gave fewer.
    const std::string &field(size_t i) const;
};

// One end of the socket. send() may be called from any thread (whole messages, never
// interleaved); receive() from one thread at a time.
class Channel {
public:
    explicit Channel(int fd) noexcept : fd_(fd) {}
    ~Channel();
    Channel(const Channel &) = delete;
    Channel &operator=(const Channel &) = delete;

    // False when the peer is gone.
    bool send(MessageType type, uint64_t id, std::initializer_list<std::string_view> fields);
    // The next message; nullopt at the end of the stream or on a malformed frame.
    std::optional<Message> receive();
    // Wakes a blocked receive() on either side (the peer sees the end of the stream).
    void shut_down() noexcept;
    int fd() const noexcept { return fd_; }

private:
    int fd_;
    std::mutex send_mutex_;
};

// A frame larger than this is refused as malformed: a bound on what a broken peer can make the
// other side allocate.
inline constexpr uint32_t kMaxFrame = 256u << 20;

} // namespace tinyllm::isolation
