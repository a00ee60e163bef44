// SHA-256 as lower-case hex: what evaluations record of their dataset files and what graph
// versions are addressed by. OpenSSL's libcrypto does the hashing.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace tinyllm {

std::string sha256_hex(std::string_view bytes);

// Of a file's bytes, read in blocks; Error(usage) "PATH: cannot open: REASON".
std::string file_sha256_hex(const std::filesystem::path &path);

} // namespace tinyllm
