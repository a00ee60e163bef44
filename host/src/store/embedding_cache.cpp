#include "store/embedding_cache.hpp"

#include "store/sqlite.hpp"

#include <cstring>

namespace tinyllm::store {

uint64_t text_hash(std::string_view text) noexcept {
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

EmbeddingCache::EmbeddingCache(const std::filesystem::path &path) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    db_ = std::make_unique<sqlite::Database>(path, "embedding cache " + path.string());
    db_->exec("PRAGMA user_version"); // opens the file now, so its permissions can be set
    // The texts are users' requests and a router's examples: readable by their owner only, as
    // runs.db is.
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
    db_->set_busy_timeout(5000);
    db_->query_text("PRAGMA journal_mode = WAL");
    db_->exec("CREATE TABLE IF NOT EXISTS embeddings ("
              " model TEXT NOT NULL, hash INTEGER NOT NULL, text TEXT NOT NULL,"
              " dims INTEGER NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, hash))");
}

EmbeddingCache::~EmbeddingCache() = default;

std::optional<std::vector<float>> EmbeddingCache::find(const std::string &model,
                                                       const std::string &text) {
    const std::lock_guard lock(mutex_);
    sqlite::Statement &q =
        db_->cached("SELECT text, dims, vector FROM embeddings WHERE model = ? AND hash = ?");
    q.bind(1, model).bind(2, static_cast<int64_t>(text_hash(text)));
    if (!q.step() || q.column_text(0) != text) return std::nullopt;
    const int64_t dims = q.column_int64(1);
    const std::string bytes = q.column_blob(2);
    if (dims < 0 || bytes.size() != static_cast<size_t>(dims) * sizeof(float)) {
        return std::nullopt; // a damaged row is a miss: it is embedded and stored again
    }
    std::vector<float> vector(static_cast<size_t>(dims));
    std::memcpy(vector.data(), bytes.data(), bytes.size());
    return vector;
}

void EmbeddingCache::put(const std::string &model, const std::string &text,
                         const std::vector<float> &vector) {
    const std::lock_guard lock(mutex_);
    db_->cached("INSERT OR REPLACE INTO embeddings (model, hash, text, dims, vector)"
                " VALUES (?, ?, ?, ?, ?)")
        .bind(1, model)
        .bind(2, static_cast<int64_t>(text_hash(text)))
        .bind(3, text)
        .bind(4, static_cast<int64_t>(vector.size()))
        .bind_blob(5, std::string_view(reinterpret_cast<const char *>(vector.data()),
                                       vector.size() * sizeof(float)))
        .run();
}

} // namespace tinyllm::store
