#include "store/sqlite.hpp"

#include <sqlite3.h>

#include <cstring>
#include <limits>

namespace tinyllm::store::sqlite {
namespace {

// SQLite's message, plus the OS's when the failure came from a system call ("unable to open
// database file" alone does not say that the directory is read-only).
std::string message_of(sqlite3 *db, int rc) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    const int primary = rc & 0xff;
    if (db && (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR)) {
        if (const int err = sqlite3_system_errno(db); err != 0) {
            message += " (";
            message += std::strerror(err);
            message += ")";
        }
    }
    return message;
}

int checked_length(std::string_view text, const Database &db) {
    if (text.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
        throw SqliteError(ErrorCode::io, db.label() + ": string or blob too big", SQLITE_TOOBIG,
                          "string or blob too big");
    }
    return static_cast<int>(text.size());
}

} // namespace

bool SqliteError::busy() const noexcept {
    return primary_code() == SQLITE_BUSY || primary_code() == SQLITE_LOCKED;
}
bool SqliteError::constraint() const noexcept {
    return primary_code() == SQLITE_CONSTRAINT;
}
bool SqliteError::not_a_database() const noexcept {
    return primary_code() == SQLITE_NOTADB || primary_code() == SQLITE_CORRUPT;
}
bool SqliteError::foreign_key() const noexcept {
    return sqlite_code_ == SQLITE_CONSTRAINT_FOREIGNKEY;
}

Database::Database(const std::filesystem::path &path, std::string label)
    : label_(std::move(label)) {
    // NOMUTEX: the owner serialises use of the connection, so SQLite's own per-connection mutex
    // would only add cost. EXRESCODE: extended codes tell a foreign key from other constraints.
    const int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        const std::string message = message_of(db_, rc);
        sqlite3_close_v2(db_); // a handle is returned even on failure, except out of memory
        db_ = nullptr;
        throw SqliteError(ErrorCode::io, label_ + ": " + message, rc, message);
    }
}

Database::~Database() {
    cache_.clear(); // finalize every statement first, or close_v2 would defer the close
    sqlite3_close_v2(db_);
}

void Database::fail(int rc) const {
    const std::string message = message_of(db_, rc);
    throw SqliteError(ErrorCode::io, label_ + ": " + message, rc, message);
}

void Database::exec(std::string_view sql) {
    const std::string text(sql); // sqlite3_exec wants a NUL-terminated string
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(rc);
}

int64_t Database::query_int(std::string_view sql) {
    Statement statement(*this, sql);
    return statement.step() ? statement.column_int64(0) : 0;
}

std::string Database::query_text(std::string_view sql) {
    Statement statement(*this, sql);
    return statement.step() ? statement.column_text(0) : std::string();
}

Statement &Database::cached(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        it = cache_.emplace(std::string(sql), std::make_unique<Statement>(*this, sql, true)).first;
    }
    it->second->reset();
    return *it->second;
}

void Database::set_busy_timeout(int milliseconds) {
    const int rc = sqlite3_busy_timeout(db_, milliseconds);
    if (rc != SQLITE_OK) fail(rc);
}

int64_t Database::changes() const noexcept {
    return sqlite3_changes64(db_);
}

int64_t Database::last_insert_rowid() const noexcept {
    return sqlite3_last_insert_rowid(db_);
}

Statement::Statement(Database &db, std::string_view sql, bool persistent) : db_(db) {
    const unsigned flags = persistent ? SQLITE_PREPARE_PERSISTENT : 0;
    const int rc = sqlite3_prepare_v3(db.handle(), sql.data(), checked_length(sql, db), flags,
                                      &stmt_, nullptr);
    if (rc != SQLITE_OK) db.fail(rc);
}

Statement::~Statement() {
    sqlite3_finalize(stmt_);
}

Statement &Statement::bind(int index, std::string_view text) {
    // A non-null pointer even for "", or SQLite would store NULL.
    const char *data = text.data() ? text.data() : "";
    const int rc =
        sqlite3_bind_text(stmt_, index, data, checked_length(text, db_), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) db_.fail(rc);
    return *this;
}

Statement &Statement::bind(int index, int64_t value) {
    const int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) db_.fail(rc);
    return *this;
}

Statement &Statement::bind(int index, std::optional<int64_t> value) {
    return value ? bind(index, *value) : bind_null(index);
}

Statement &Statement::bind_null(int index) {
    const int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) db_.fail(rc);
    return *this;
}

Statement &Statement::bind_double(int index, double value) {
    const int rc = sqlite3_bind_double(stmt_, index, value);
    if (rc != SQLITE_OK) db_.fail(rc);
    return *this;
}

Statement &Statement::bind_nullable(int index, std::string_view text) {
    return text.empty() ? bind_null(index) : bind(index, text);
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_.fail(rc);
}

void Statement::run() {
    while (step()) {
    }
}

void Statement::reset() noexcept {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

int64_t Statement::column_int64(int index) const {
    return sqlite3_column_int64(stmt_, index);
}

std::optional<int64_t> Statement::column_optional_int64(int index) const {
    if (column_is_null(index)) return std::nullopt;
    return sqlite3_column_int64(stmt_, index);
}

double Statement::column_double(int index) const {
    return sqlite3_column_double(stmt_, index);
}

std::optional<double> Statement::column_optional_double(int index) const {
    if (column_is_null(index)) return std::nullopt;
    return sqlite3_column_double(stmt_, index);
}

Statement &Statement::bind_blob(int index, std::string_view bytes) {
    const int rc = sqlite3_bind_blob(stmt_, index, bytes.data() ? bytes.data() : "",
                                     checked_length(bytes, db_), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) db_.fail(rc);
    return *this;
}

std::string Statement::column_blob(int index) const {
    const auto *data = static_cast<const char *>(sqlite3_column_blob(stmt_, index));
    const int size = sqlite3_column_bytes(stmt_, index);
    if (!data) return {};
    return std::string(data, static_cast<size_t>(size));
}

std::string Statement::column_text(int index) const {
    // Text first, then its length: the documented order that avoids a conversion in between.
    const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(stmt_, index));
    const int size = sqlite3_column_bytes(stmt_, index);
    if (!text) return {};
    return std::string(text, static_cast<size_t>(size));
}

bool Statement::column_is_null(int index) const {
    return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

Transaction::Transaction(Database &db, Mode mode) : db_(db) {
    db_.exec(mode == Mode::immediate ? "BEGIN IMMEDIATE" : "BEGIN");
    open_ = true;
}

Transaction::~Transaction() {
    if (!open_) return;
    // After some errors (SQLITE_FULL, IOERR...) SQLite has already rolled back; then ROLLBACK
    // fails harmlessly, which is why its result is ignored.
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
    db_.exec("COMMIT");
    open_ = false;
}

} // namespace tinyllm::store::sqlite
