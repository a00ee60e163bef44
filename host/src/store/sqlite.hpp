// A thin RAII layer over the SQLite C API: a connection, prepared statements with typed bind and
// column helpers, and transactions. Every failure becomes a SqliteError (a tinyllm::Error(io))
// whose message names the database ("run store /path/runs.db") and carries SQLite's own message,
// so nothing fails silently and every message says which file is at fault.
//
// None of these types is thread-safe: a Database and its statements are used by one thread at a
// time (RunStore serialises them with its mutex).
#pragma once

#include "tinyllm/error.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

// Declared here so that users of this header do not need <sqlite3.h>.
struct sqlite3;
struct sqlite3_stmt;

namespace tinyllm::store::sqlite {

// A failed SQLite call. `sqlite_code` is the extended result code, so callers can tell a busy
// database (retry) or a constraint (caller error) from a real I/O failure.
class SqliteError : public Error {
public:
    SqliteError(ErrorCode code, const std::string &message, int sqlite_code,
                std::string sqlite_message)
        : Error(code, message), sqlite_code_(sqlite_code),
          sqlite_message_(std::move(sqlite_message)) {}
    int sqlite_code() const noexcept { return sqlite_code_; }
    int primary_code() const noexcept { return sqlite_code_ & 0xff; }
    // SQLite's message (plus the OS error, when there is one), without the database name.
    const std::string &sqlite_message() const noexcept { return sqlite_message_; }
    bool busy() const noexcept;       // SQLITE_BUSY or SQLITE_LOCKED: worth retrying
    bool constraint() const noexcept; // SQLITE_CONSTRAINT
    bool foreign_key() const noexcept;
    bool not_a_database() const noexcept; // SQLITE_NOTADB or SQLITE_CORRUPT

private:
    int sqlite_code_;
    std::string sqlite_message_;
};

class Statement;

class Database {
public:
    // Open (creating when absent) the database at `path`. `label` starts every error message,
    // e.g. "run store /home/me/.local/share/tinyllm/runs.db". Opening is lazy in SQLite: a file
    // that is not a database only fails at the first statement that reads it.
    Database(const std::filesystem::path &path, std::string label);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    // Run one or more statements that return nothing of interest (DDL, PRAGMA x = y).
    void exec(std::string_view sql);
    // The first column of the first row of `sql` as an integer (or text); for PRAGMAs.
    int64_t query_int(std::string_view sql);
    std::string query_text(std::string_view sql);

    // A statement prepared once and kept for the connection's lifetime (for hot paths). It is
    // reset and unbound when handed out, so a use that threw midway leaves nothing behind.
    Statement &cached(std::string_view sql);

    void set_busy_timeout(int milliseconds);
    int64_t changes() const noexcept;
    // The rowid of the last row this connection inserted.
    int64_t last_insert_rowid() const noexcept;

    const std::string &label() const noexcept { return label_; }
    sqlite3 *handle() const noexcept { return db_; }

    // Throw the SqliteError for result code `rc` of the last call on this connection.
    [[noreturn]] void fail(int rc) const;

private:
    sqlite3 *db_ = nullptr;
    std::string label_;
    // Keyed by SQL text; std::map keeps references stable and the statements few.
    std::map<std::string, std::unique_ptr<Statement>, std::less<>> cache_;
};

class Statement {
public:
    Statement(Database &db, std::string_view sql, bool persistent = false);
    ~Statement();
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    // Parameters are 1-based, as in SQLite. Text is copied (SQLITE_TRANSIENT), so the caller's
    // strings need not outlive the call.
    Statement &bind(int index, std::string_view text);
    Statement &bind(int index, const char *text) { return bind(index, std::string_view(text)); }
    Statement &bind(int index, int64_t value);
    Statement &bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
    Statement &bind(int index, std::optional<int64_t> value);
    Statement &bind_null(int index);
    // A REAL (named apart from bind: an overload on double would make bind(i, 0) ambiguous).
    Statement &bind_double(int index, double value);
    // Bytes stored as a BLOB (copied).
    Statement &bind_blob(int index, std::string_view bytes);
    // Empty text is stored as NULL: the trace model's "" means "absent" (no error, no output),
    // and NULL lets queries say `error IS NOT NULL`.
    Statement &bind_nullable(int index, std::string_view text);

    // Advance: true when a row is available, false when done.
    bool step();
    // Step a statement that returns no rows (INSERT, UPDATE...) to completion.
    void run();
    // Back to the start, with every parameter unbound; never throws (the error, if any, was
    // already reported by step).
    void reset() noexcept;

    // Columns are 0-based, as in SQLite. NULL reads as 0 or "".
    int64_t column_int64(int index) const;
    std::optional<int64_t> column_optional_int64(int index) const;
    double column_double(int index) const;
    std::optional<double> column_optional_double(int index) const;
    std::string column_text(int index) const;
    std::string column_blob(int index) const;
    bool column_is_null(int index) const;

private:
    Database &db_;
    sqlite3_stmt *stmt_ = nullptr;
};

// Borrow a cached statement; reset it on scope exit, so it holds no read snapshot afterwards.
class Reset {
public:
    explicit Reset(Statement &statement) : statement_(statement) {}
    ~Reset() { statement_.reset(); }
    Reset(const Reset &) = delete;
    Reset &operator=(const Reset &) = delete;

private:
    Statement &statement_;
};

// BEGIN ... COMMIT, rolled back by the destructor unless committed. `immediate` takes the write
// lock at BEGIN: a deferred transaction that reads and then writes can fail with SQLITE_BUSY
// without waiting (another writer moved the snapshot on), while BEGIN IMMEDIATE waits through
// busy_timeout and, once it succeeds, cannot be refused the lock later.
class Transaction {
public:
    enum class Mode { deferred, immediate };
    Transaction(Database &db, Mode mode);
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;
    void commit();

private:
    Database &db_;
    bool open_ = false;
};

} // namespace tinyllm::store::sqlite
