// OLLAMA_HOST normalisation, checked against the cases of Ollama's envconfig TestHost.
#include "endpoint.hpp"

#include <tinyllm/plugin.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using tinyllm::ollama::normalize_endpoint;

struct Case {
    const char *value;
    const char *expect;
};

// Named by its input, so test names are stable (not raw bytes holding pointers).
void PrintTo(const Case &c, std::ostream *os) {
    *os << '[' << c.value << ']';
}

class EndpointTable : public ::testing::TestWithParam<Case> {};

TEST_P(EndpointTable, NormalisesLikeOllama) {
    const Case c = GetParam();
    EXPECT_EQ(normalize_endpoint(c.value).base_url(), c.expect) << "value: [" << c.value << "]";
}

INSTANTIATE_TEST_SUITE_P(
    OllamaHostForms, EndpointTable,
    ::testing::Values(
        // Straight from Ollama's envconfig TestHost.
        Case{"", "http://127.0.0.1:11434"}, Case{"1.2.3.4", "http://1.2.3.4:11434"},
        Case{"1.2.3.4:1234", "http://1.2.3.4:1234"},
        Case{"example.com", "http://example.com:11434"},
        Case{"example.com:1234", "http://example.com:1234"}, Case{"[::1]", "http://[::1]:11434"},
        Case{"::1", "http://[::1]:11434"}, Case{"[::1]:1337", "http://[::1]:1337"},
        Case{" 1.2.3.4 ", "http://1.2.3.4:11434"}, Case{"\"1.2.3.4\"", "http://1.2.3.4:11434"},
        Case{" \" 1.2.3.4 \" ", "http://1.2.3.4:11434"}, Case{"'1.2.3.4'", "http://1.2.3.4:11434"},
        Case{"http://1.2.3.4", "http://1.2.3.4:80"},
        Case{"http://1.2.3.4:4321", "http://1.2.3.4:4321"},
        Case{"https://1.2.3.4", "https://1.2.3.4:443"},
        Case{"https://1.2.3.4:4321", "https://1.2.3.4:4321"},
        Case{"https://example.com/ollama", "https://example.com:443/ollama"},
        // Invalid ports fall back to the scheme's default, as in Ollama.
        Case{"1.2.3.4:66000", "http://1.2.3.4:11434"}, Case{"1.2.3.4:-1", "http://1.2.3.4:11434"},
        Case{"https://1.2.3.4:abc", "https://1.2.3.4:443"},
        // Trailing slashes and path prefixes.
        Case{"http://localhost:11434/", "http://localhost:11434"},
        Case{"https://example.com/ollama/", "https://example.com:443/ollama"},
        Case{"example.com:8080/a/b/", "http://example.com:8080/a/b"},
        Case{"HTTP://Example.com", "http://Example.com:80"},
        Case{"ollama.com", "https://ollama.com:443"},
        Case{"::ffff:1.2.3.4", "http://1.2.3.4:11434"},
        // Bind addresses mean "this machine" (Go dials loopback for them; we spell it out).
        Case{"0.0.0.0", "http://127.0.0.1:11434"}, Case{"0.0.0.0:11434", "http://127.0.0.1:11434"},
        Case{":1234", "http://127.0.0.1:1234"}, Case{"[::]", "http://[::1]:11434"},
        Case{"http://0.0.0.0:8080", "http://127.0.0.1:8080"}));

TEST(Endpoint, InvalidPortSetsAWarning) {
    const auto ep = normalize_endpoint("1.2.3.4:66000");
    EXPECT_NE(ep.warning.find("66000"), std::string::npos);
    EXPECT_TRUE(normalize_endpoint("1.2.3.4:1234").warning.empty());
}

TEST(Endpoint, RejectsUnusableValues) {
    for (const char *bad :
         {"ftp://example.com", "unix:///tmp/sock", "too large port", "http://user:pass@host:1234",
          "http://host name", "http://[zz::1]:80", "http://host:1/a b", "http://host:1/x?y=1"}) {
        try {
            normalize_endpoint(bad);
            ADD_FAILURE() << "accepted: " << bad;
        } catch (const tinyllm::sdk::Error &e) {
            EXPECT_EQ(e.status(), TLLM_ERR_INVALID_ARGUMENT) << bad;
            EXPECT_NE(std::string(e.what()).find("invalid Ollama URL"), std::string::npos);
        }
    }
}

TEST(Endpoint, UrlAppendsTheApiPathAfterThePrefix) {
    EXPECT_EQ(normalize_endpoint("https://example.com/ollama/").url("/api/chat"),
              "https://example.com:443/ollama/api/chat");
    EXPECT_EQ(normalize_endpoint("").url("/api/tags"), "http://127.0.0.1:11434/api/tags");
}

TEST(Endpoint, Loopback) {
    EXPECT_TRUE(normalize_endpoint("").is_loopback());
    EXPECT_TRUE(normalize_endpoint("127.1.2.3:80").is_loopback());
    EXPECT_TRUE(normalize_endpoint("[::1]").is_loopback());
    EXPECT_TRUE(normalize_endpoint("LocalHost").is_loopback());
    EXPECT_FALSE(normalize_endpoint("example.com").is_loopback());
    EXPECT_FALSE(normalize_endpoint("127.example.com").is_loopback());
}

} // namespace
