#include "result_format.hpp"

#include <tinyllm/plugin.hpp>

#include <csignal>
#include <cstring>

namespace tinyllm::code_tool {

std::string signal_name(int signal) {
    if (const char *abbrev = sigabbrev_np(signal)) return std::string("SIG") + abbrev;
    return "SIG" + std::to_string(signal);
}

std::string sanitize_utf8(std::string_view s) {
    static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
    std::string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t len = 0;
        uint32_t cp = 0;
        if (c < 0x80) {
            out += static_cast<char>(c);
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        }
        bool ok = len != 0 && i + len <= s.size();
        for (size_t k = 1; ok && k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            ok = (cc & 0xC0) == 0x80;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // Overlong forms, UTF-16 surrogates and values past U+10FFFF are invalid too.
        static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
        ok = ok && cp >= kMin[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
        if (ok) {
            out.append(s.substr(i, len));
            i += len;
        } else {
            out += kReplacement;
            ++i;
        }
    }
    return out;
}

bool is_error(const RunOutcome &o) {
    return o.exit_code != 0 || o.signal != 0 || o.process.timed_out;
}

namespace {

void end_line(std::string &text) {
    if (!text.empty() && text.back() != '\n') text += '\n';
}

} // namespace

std::string content_text(const RunOutcome &o, const SandboxOptions &options) {
    const ProcessResult &p = o.process;
    const bool clean = !is_error(o) && p.err.empty() && !p.err_truncated && !p.out_truncated;
    if (clean) return p.out;

    std::string text = p.out;
    end_line(text);
    if (!p.err.empty()) {
        text += "[stderr]\n";
        text += p.err;
        end_line(text);
    }
    const std::string cap = std::to_string(options.max_output_bytes);
    if (p.out_truncated) text += "[stdout truncated at " + cap + " bytes]\n";
    if (p.err_truncated) text += "[stderr truncated at " + cap + " bytes]\n";
    if (p.timed_out) {
        text += "[killed: timed out after " + std::to_string(o.timeout_ms) + " ms]\n";
    } else if (p.output_limit) {
        text += "[killed: wrote more than " +
                std::to_string(static_cast<uint64_t>(options.max_output_bytes) * 16) +
                " bytes of output]\n";
    } else if (o.signal == SIGXCPU ||
               (o.signal == SIGKILL && p.cpu_ms >= options.cpu_seconds * 1000)) {
        text += "[killed by " + signal_name(o.signal) + ": CPU time limit of " +
                std::to_string(options.cpu_seconds) + " s reached]\n";
    } else if (o.signal == SIGXFSZ) {
        text += "[killed by SIGXFSZ: file size limit of " +
                std::to_string(options.max_file_size_mb) + " MiB reached]\n";
    } else if (o.signal == SIGSYS) {
        text += "[killed by SIGSYS: forbidden system call]\n";
    } else if (o.signal != 0) {
        text += "[killed by " + signal_name(o.signal) + "]\n";
    } else {
        text += "[exit code " + std::to_string(o.exit_code) + "]\n";
    }
    return text;
}

std::string result_json(const RunOutcome &o, const SandboxOptions &options) {
    const ProcessResult &p = o.process;
    auto flag = [](bool b) { return b ? "true" : "false"; };
    std::string extra;
    extra += ",\"stdout\":\"" + sdk::json_escape(sanitize_utf8(p.out)) + "\"";
    extra += ",\"stderr\":\"" + sdk::json_escape(sanitize_utf8(p.err)) + "\"";
    extra += ",\"exit_code\":" + std::to_string(o.exit_code);
    extra += ",\"signal\":";
    extra += o.signal != 0 ? "\"" + signal_name(o.signal) + "\"" : std::string("null");
    extra += std::string(",\"timed_out\":") + flag(p.timed_out);
    extra += ",\"wall_ms\":" + std::to_string(p.wall_ms);
    extra += ",\"cpu_ms\":" + std::to_string(p.cpu_ms);
    extra += std::string(",\"stdout_truncated\":") + flag(p.out_truncated);
    extra += std::string(",\"stderr_truncated\":") + flag(p.err_truncated);
    extra += std::string(",\"sandbox\":\"") + (o.sandboxed ? "bubblewrap" : "none") + "\"";
    return sdk::tool_result(sanitize_utf8(content_text(o, options)), is_error(o), extra);
}

} // namespace tinyllm::code_tool
