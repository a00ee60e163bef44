// The run store's migrations: its schema, version by version. The version lives in
// `PRAGMA user_version` (in the file header: no table to bootstrap) and the file is marked as
// TinyLLM's with `PRAGMA application_id`, so a database of some other program is refused rather
// than altered.
#pragma once

#include "store/sqlite.hpp"

#include <cstdint>

namespace tinyllm::store::migrations {

// "TLLR" (TinyLLM Run store), in the header of every run store file.
inline constexpr int64_t kApplicationId = 0x544c4c52;

// The newest schema version this code knows.
int64_t latest_version() noexcept;

// Bring `db` up to latest_version(), one migration step per transaction. An empty database
// (version 0, no tables) is initialised. Throws Error(io) when the database belongs to something
// else ("not a TinyLLM run store") or has a newer version ("... upgrade tinyllm"). Safe when
// several processes open the same new file at once: each step re-checks the version under the
// write lock, so it is applied exactly once.
void migrate(sqlite::Database &db);

} // namespace tinyllm::store::migrations
