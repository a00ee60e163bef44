// Embeddings already computed, kept in <data_dir>/embeddings.db (SQLite), keyed by model and a
// hash of the text (the text is kept too, so a hash collision is a miss, never a wrong vector):
// a router's example utterances are embedded once per model, not once per command.
// [any-thread: one connection behind a mutex]
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tinyllm::store {

namespace sqlite {
class Database;
}

class EmbeddingCache {
public:
    // Opens (creating) the database; throws Error(io) naming the file when it cannot.
    explicit EmbeddingCache(const std::filesystem::path &path);
    ~EmbeddingCache();

    // The vector of `text` under `model`, or nullopt when it was never stored.
    std::optional<std::vector<float>> find(const std::string &model, const std::string &text);
    // Stores (or replaces) the vector of `text` under `model`.
    void put(const std::string &model, const std::string &text, const std::vector<float> &vector);

private:
    std::mutex mutex_;
    std::unique_ptr<sqlite::Database> db_;
};

// FNV-1a 64 of the text: the cache's key (stable across builds and machines, unlike std::hash).
uint64_t text_hash(std::string_view text) noexcept;

} // namespace tinyllm::store
