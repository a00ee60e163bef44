// Run ids: format, order, and uniqueness across threads.
#include "store/run_id.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace tinyllm::store_test {
namespace {

TEST(RunId, HasTheDocumentedFormat) {
    EXPECT_EQ(store::make_run_id(0x018f3a2b4c5d, 0x9e1f2a3b), "r018f3a2b4c5d9e1f2a3b");
    EXPECT_EQ(store::make_run_id(1, 2), "r00000000000100000002");
    EXPECT_EQ(store::make_run_id(0x7fff123456789abc, 0xffffffff), "r123456789abcffffffff");
    const std::string id = store::new_run_id();
    EXPECT_THAT(id, ::testing::MatchesRegex("r[0-9a-f]{20}"));
}

TEST(RunId, IncreasesWithinAProcess) {
    std::vector<std::string> ids;
    for (int i = 0; i < 10000; ++i)
        ids.push_back(store::new_run_id());
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
}

TEST(RunId, IsUniqueAcrossThreads) {
    constexpr int kThreads = 8;
    constexpr int kEach = 5000;
    std::vector<std::vector<std::string>> ids(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&ids, t] {
            for (int i = 0; i < kEach; ++i)
                ids[t].push_back(store::new_run_id());
        });
    }
    for (auto &thread : threads)
        thread.join();
    std::set<std::string> all;
    for (const auto &some : ids) {
        EXPECT_TRUE(std::is_sorted(some.begin(), some.end()));
        all.insert(some.begin(), some.end());
    }
    EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
}

} // namespace
} // namespace tinyllm::store_test
