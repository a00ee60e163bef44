#include "isolation/wire.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tinyllm::isolation {
namespace {

void put_u32(std::string &out, uint32_t v) {
    char b[4];
    std::memcpy(b, &v, 4);
    out.append(b, 4);
}

bool write_all(int fd, const char *data, size_t size) {
    while (size > 0) {
        const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

bool read_all(int fd, char *data, size_t size) {
    while (size > 0) {
        const ssize_t n = ::read(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

} // namespace

const std::string &Message::field(size_t i) const {
    static const std::string empty;
    return i < fields.size() ? fields[i] : empty;
}

Channel::~Channel() {
    if (fd_ >= 0) ::close(fd_);
}

void Channel::shut_down() noexcept {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

bool Channel::send(MessageType type, uint64_t id, std::initializer_list<std::string_view> fields) {
    // [u32 size of the rest][u8 type][u64 id][u32 count]{[u32 size][bytes]}
    std::string frame;
    size_t size = 1 + 8 + 4;
    for (std::string_view f : fields)
        size += 4 + f.size();
    if (size > kMaxFrame) return false;
    frame.reserve(4 + size);
    put_u32(frame, static_cast<uint32_t>(size));
    frame.push_back(static_cast<char>(type));
    char idb[8];
    std::memcpy(idb, &id, 8);
    frame.append(idb, 8);
    put_u32(frame, static_cast<uint32_t>(fields.size()));
    for (std::string_view f : fields) {
        put_u32(frame, static_cast<uint32_t>(f.size()));
        frame.append(f);
    }
    const std::lock_guard<std::mutex> lock(send_mutex_);
    return write_all(fd_, frame.data(), frame.size());
}

std::optional<Message> Channel::receive() {
    uint32_t size = 0;
    if (!read_all(fd_, reinterpret_cast<char *>(&size), 4)) return std::nullopt;
    if (size < 13 || size > kMaxFrame) return std::nullopt;
    std::string frame(size, '\0');
    if (!read_all(fd_, frame.data(), size)) return std::nullopt;
    Message m;
    m.type = static_cast<MessageType>(static_cast<uint8_t>(frame[0]));
    std::memcpy(&m.id, frame.data() + 1, 8);
    uint32_t count = 0;
    std::memcpy(&count, frame.data() + 9, 4);
    size_t at = 13;
    for (uint32_t i = 0; i < count; ++i) {
        uint32_t n = 0;
        if (at + 4 > frame.size()) return std::nullopt;
        std::memcpy(&n, frame.data() + at, 4);
        at += 4;
        if (n > frame.size() - at) return std::nullopt;
        m.fields.emplace_back(frame.data() + at, n);
        at += n;
    }
    return m;
}

} // namespace tinyllm::isolation
