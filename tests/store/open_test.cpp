// Opening the store: directories, file mode, schema and migrations, and the files it refuses.
#include "store_test_support.hpp"

#include "store/migrations.hpp"

#include <set>

namespace tinyllm::store_test {
namespace {

std::set<std::string> schema_objects(store::sqlite::Database &db, const std::string &type) {
    store::sqlite::Statement s(db, "SELECT name FROM sqlite_schema WHERE type = ?1 AND name NOT "
                                   "LIKE 'sqlite_autoindex%'");
    s.bind(1, type);
    std::set<std::string> names;
    while (s.step())
        names.insert(s.column_text(0));
    return names;
}

bool private_mode(const fs::path &path) {
    const fs::perms perms = fs::status(path).permissions();
    const fs::perms others = fs::perms::group_all | fs::perms::others_all;
    return (perms & others) == fs::perms::none;
}

TEST(StoreOpen, CreatesPrivateDirectoriesAndTheSchema) {
    TempDir dir;
    const fs::path path = dir.path() / "a" / "b" / "runs.db";
    auto store = open_store(path);
    EXPECT_EQ(store->path(), path);
    ASSERT_TRUE(fs::exists(path));
    EXPECT_TRUE(private_mode(dir.path() / "a"));
    EXPECT_TRUE(private_mode(dir.path() / "a" / "b"));
    EXPECT_TRUE(private_mode(path));

    auto db = raw(path);
    EXPECT_EQ(db->query_int("PRAGMA user_version"), store::migrations::latest_version());
    EXPECT_EQ(db->query_int("PRAGMA application_id"), store::migrations::kApplicationId);
    EXPECT_EQ(db->query_text("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(
        schema_objects(*db, "table"),
        (std::set<std::string>{"runs", "node_executions", "model_calls", "tool_calls",
                               "evaluations", "grades", "metric_series", "metric_rollups",
                               "metric_failures", "graph_versions", "graph_active", "graph_events",
                               "experiments", "experiment_outcomes", "expansion_events"}));
    EXPECT_EQ(schema_objects(*db, "index"),
              (std::set<std::string>{
                  "runs_by_started", "runs_by_status", "runs_by_graph", "node_executions_by_node",
                  "model_calls_by_model", "tool_calls_by_tool", "evaluations_by_started",
                  "grades_by_run", "grades_by_evaluation", "grades_by_time",
                  "graph_events_by_graph", "experiments_one_per_node", "experiments_by_started",
                  "expansion_events_by_node", "metric_rollups_by_series"}));
}

TEST(StoreOpen, ReopeningKeepsTheData) {
    TempDir dir;
    auto run = started_run("r1", 1000);
    {
        auto store = open_store(dir.db());
        store->begin_run(run);
        store->add_node(run.id, simple_node(0, 1001));
        finish(run, trace::RunStatus::succeeded, 1010);
        store->finish_run(run);
    }
    auto store = open_store(dir.db());
    const auto got = store->get("r1");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, trace::RunStatus::succeeded);
    EXPECT_EQ(got->answer, "4");
    ASSERT_EQ(got->nodes.size(), 1u);
    EXPECT_EQ(got->nodes[0].model_calls.size(), 1u);
}

TEST(StoreOpen, MigratesAnEmptyVersion0Database) {
    TempDir dir;
    fs::create_directories(dir.db().parent_path());
    {
        // A real, non-empty database file with no tables and version 0.
        auto db = raw(dir.db());
        db->exec("CREATE TABLE scratch (x); DROP TABLE scratch;");
        ASSERT_EQ(db->query_int("PRAGMA user_version"), 0);
        ASSERT_GT(fs::file_size(dir.db()), 0u);
    }
    auto store = open_store(dir.db());
    EXPECT_EQ(raw(dir.db())->query_int("PRAGMA user_version"), store::migrations::latest_version());
    store->begin_run(started_run("r1", now_ms()));
    EXPECT_EQ(store->list({}).size(), 1u);
}

TEST(StoreOpen, AcceptsAnEmptyFile) {
    TempDir dir;
    fs::create_directories(dir.db().parent_path());
    std::ofstream(dir.db()).close();
    auto store = open_store(dir.db());
    EXPECT_EQ(raw(dir.db())->query_int("PRAGMA user_version"), store::migrations::latest_version());
}

TEST(StoreOpen, RefusesANewerSchemaVersion) {
    TempDir dir;
    open_store(dir.db());
    raw(dir.db())->exec("PRAGMA user_version = 99");
    const auto error = error_of([&] { open_store(dir.db()); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), ErrorCode::io);
    EXPECT_EQ(std::string(error->what()),
              "run store " + dir.db().string() + " has schema version 99, this tinyllm knows " +
                  "up to " + std::to_string(store::migrations::latest_version()) +
                  ": upgrade tinyllm");
    EXPECT_EQ(raw(dir.db())->query_int("PRAGMA user_version"), 99); // left as it was
}

TEST(StoreOpen, RefusesAFileThatIsNotADatabase) {
    TempDir dir;
    fs::create_directories(dir.db().parent_path());
    std::string text;
    for (int i = 0; i < 200; ++i)
        text += "this is a text file, not a database\n";
    std::ofstream(dir.db(), std::ios::binary) << text;

    const auto error = error_of([&] { open_store(dir.db()); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), ErrorCode::io);
    EXPECT_THAT(error->what(), HasSubstr(dir.db().string()));
    EXPECT_THAT(error->what(), HasSubstr("not a TinyLLM run store"));
    EXPECT_THAT(error->what(), HasSubstr("file is not a database"));
    EXPECT_EQ(std::string(error->what()).find('\n'), std::string::npos);
    EXPECT_EQ(read_file(dir.db()), text); // untouched
}

TEST(StoreOpen, RefusesAnotherProgramsDatabase) {
    TempDir dir;
    fs::create_directories(dir.db().parent_path());
    raw(dir.db())->exec("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER)");
    const auto error = error_of([&] { open_store(dir.db()); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), ErrorCode::io);
    EXPECT_THAT(error->what(), HasSubstr(dir.db().string()));
    EXPECT_THAT(error->what(), HasSubstr("not a TinyLLM run store"));
    EXPECT_THAT(error->what(), HasSubstr("accounts"));
    auto db = raw(dir.db());
    EXPECT_EQ(db->query_int("PRAGMA user_version"), 0);
    EXPECT_EQ(db->query_int("SELECT count(*) FROM sqlite_schema"), 1);
}

TEST(StoreOpen, RefusesADatabaseWithAnotherApplicationId) {
    TempDir dir;
    fs::create_directories(dir.db().parent_path());
    raw(dir.db())->exec("PRAGMA application_id = 42; PRAGMA user_version = 1");
    const auto error = error_of([&] { open_store(dir.db()); });
    ASSERT_TRUE(error);
    EXPECT_THAT(error->what(), HasSubstr("not a TinyLLM run store"));
}

TEST(StoreOpen, ReportsADirectoryThatCannotBeCreated) {
    TempDir dir;
    std::ofstream(dir.path() / "file").close();
    const fs::path path = dir.path() / "file" / "sub" / "runs.db";
    const auto error = error_of([&] { open_store(path); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), ErrorCode::io);
    EXPECT_THAT(error->what(), HasSubstr("run store " + path.string()));
    EXPECT_THAT(error->what(), HasSubstr("Not a directory"));
}

TEST(StoreOpen, RejectsAnEmptyPath) {
    const auto error = error_of([] { store::RunStore::open({}); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), ErrorCode::invalid_argument);
}

} // namespace
} // namespace tinyllm::store_test
