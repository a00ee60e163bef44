#include "message_text.hpp"

#include "tinyllm/json.hpp"

namespace tinyllm::node {
namespace {

// Reads the named top-level members' strings; the read stops (false) at a root that is not an
// object and at a named member that is not a string (Mustache renders those its own way).
class TopLevelStrings : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, TopLevelStrings> {
public:
    explicit TopLevelStrings(const std::vector<std::string> &names)
        : values(names.size()), names_(names) {}

    std::vector<std::string> values;

    bool Default() { return other(); }
    bool String(const char *s, rapidjson::SizeType length, bool) {
        if (depth_ == 0) return false;
        if (named()) values[static_cast<size_t>(slot_)].assign(s, length);
        slot_ = -1;
        return true;
    }
    bool StartObject() {
        if (depth_ > 0 && !other()) return false;
        return ++depth_, true;
    }
    bool StartArray() { return other() && (++depth_, true); }
    bool EndObject(rapidjson::SizeType) { return --depth_, true; }
    bool EndArray(rapidjson::SizeType) { return --depth_, true; }
    bool Key(const char *name, rapidjson::SizeType length, bool) {
        slot_ = -1;
        if (depth_ != 1) return true;
        for (size_t i = 0; i < names_.size(); ++i) {
            if (names_[i] == std::string_view(name, length)) slot_ = static_cast<int>(i);
        }
        return true;
    }

private:
    bool named() const { return depth_ == 1 && slot_ >= 0; }
    // A value that is not a string: fine unless it is the root or a named member.
    bool other() {
        if (depth_ == 0 || named()) return false;
        slot_ = -1;
        return true;
    }
    const std::vector<std::string> &names_;
    int depth_ = 0;
    int slot_ = -1;
};

} // namespace

std::optional<std::vector<std::string>> top_level_strings(std::string_view message,
                                                          const std::vector<std::string> &names) {
    TopLevelStrings reader(names);
    if (json::read(message, reader).IsError()) return std::nullopt;
    return std::move(reader.values);
}

} // namespace tinyllm::node
