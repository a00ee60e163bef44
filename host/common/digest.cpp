#include "tinyllm/digest.hpp"

#include "tinyllm/error.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

namespace tinyllm {

namespace {

class Sha256 {
public:
    Sha256() : md_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
        if (!md_ || EVP_DigestInit_ex(md_.get(), EVP_sha256(), nullptr) != 1) {
            throw Error(ErrorCode::internal, "SHA-256 is not available");
        }
    }
    void update(const void *data, size_t size) { EVP_DigestUpdate(md_.get(), data, size); }
    std::string hex() {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int size = 0;
        EVP_DigestFinal_ex(md_.get(), digest, &size);
        static constexpr char kHex[] = "0123456789abcdef";
        std::string out;
        out.reserve(size * 2);
        for (unsigned int i = 0; i < size; ++i) {
            out += kHex[digest[i] >> 4];
            out += kHex[digest[i] & 15];
        }
        return out;
    }

private:
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md_;
};

} // namespace

std::string sha256_hex(std::string_view bytes) {
    Sha256 sha;
    sha.update(bytes.data(), bytes.size());
    return sha.hex();
}

std::string file_sha256_hex(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error(ErrorCode::usage, path.string() + ": cannot open: " + std::strerror(errno));
    }
    Sha256 sha;
    char buffer[1 << 16];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
        sha.update(buffer, static_cast<size_t>(in.gcount()));
    return sha.hex();
}

} // namespace tinyllm
