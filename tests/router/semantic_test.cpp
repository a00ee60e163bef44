// The semantic stage (plugins/node/router/semantic_index.*, semantic_stage.*): the index of
// normalised example vectors, cosine scoring per route (the closest example counts), thresholds
// with per-route overrides, the margin over the runner-up, and the reading of the host's
// embeddings answer. Vectors are written by hand: no model is involved.
#include "semantic_stage.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace tinyllm::router {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kRoutes = {"math", "code", "general"};

// 2-D unit vector at `degrees`: cosines between them are easy to read.
std::vector<float> at(double degrees, double length = 1.0) {
    const double r = degrees * M_PI / 180.0;
    return {static_cast<float>(length * std::cos(r)), static_cast<float>(length * std::sin(r))};
}

TEST(RouterSemantic, TheIndexNormalisesAndScoresTheClosestExamplePerRoute) {
    // math: at 0 and 90 degrees; code: at 180; general: none.
    const SemanticIndex index(3, {0, 1, 0}, {at(0, 5.0), at(180, 0.1), at(90, 2.0)});
    EXPECT_EQ(index.size(), 3u);
    EXPECT_EQ(index.dims(), 2u);
    EXPECT_TRUE(index.has_examples(0));
    EXPECT_FALSE(index.has_examples(2));
    std::vector<float> best(3);
    std::vector<int> example(3);
    ASSERT_TRUE(index.score(at(80, 3.0), best, example));
    EXPECT_NEAR(best[0], std::cos(10 * M_PI / 180), 1e-6); // the example at 90 degrees
    EXPECT_EQ(example[0], 2);                              // in the constructor's order
    EXPECT_NEAR(best[1], std::cos(100 * M_PI / 180), 1e-6);
    EXPECT_EQ(example[1], 1);
    EXPECT_TRUE(std::isinf(best[2]) && best[2] < 0);
    EXPECT_EQ(example[2], -1);
}

TEST(RouterSemantic, TheIndexRefusesVectorsItCannotCompare) {
    EXPECT_THROW(SemanticIndex(2, {0, 1}, {{1, 0}, {1, 0, 0}}), std::invalid_argument);
    EXPECT_THROW(SemanticIndex(2, {0, 1}, {{1, 0}, {0, 0}}), std::invalid_argument);
    EXPECT_THROW(SemanticIndex(2, {0}, {{1, 0}, {0, 1}}), std::invalid_argument);
    EXPECT_THROW(SemanticIndex(2, {0, 5}, {{1, 0}, {0, 1}}), std::invalid_argument);
    EXPECT_THROW(SemanticIndex(1, {0}, {{}}), std::invalid_argument);

    const SemanticIndex index(1, {0}, {{1, 0}});
    std::vector<float> best(1);
    std::vector<int> example(1);
    EXPECT_THROW(index.score(std::vector<float>{1, 0, 0}, best, example), std::invalid_argument);
    EXPECT_FALSE(index.score(std::vector<float>{0, 0}, best, example)); // no direction
}

// The vectorised loop agrees with a plain double-precision cosine, for dimensions that are and
// are not multiples of its 16 lanes.
TEST(RouterSemantic, ScoresMatchAPlainCosine) {
    std::mt19937 rng(7);
    std::normal_distribution<float> normal;
    for (const size_t dims : {3u, 16u, 17u, 768u}) {
        std::vector<std::vector<float>> vectors(40, std::vector<float>(dims));
        std::vector<int> routes(40);
        for (size_t i = 0; i < vectors.size(); ++i) {
            for (float &x : vectors[i])
                x = normal(rng);
            routes[i] = static_cast<int>(i % 3);
        }
        std::vector<float> query(dims);
        for (float &x : query)
            x = normal(rng);
        const SemanticIndex index(3, routes, vectors);
        std::vector<float> best(3);
        std::vector<int> example(3);
        ASSERT_TRUE(index.score(query, best, example));
        for (size_t r = 0; r < 3; ++r) {
            double top = -2;
            int which = -1;
            for (size_t i = r; i < vectors.size(); i += 3) {
                double dot = 0, a = 0, b = 0;
                for (size_t k = 0; k < dims; ++k) {
                    dot += double(vectors[i][k]) * query[k];
                    a += double(vectors[i][k]) * vectors[i][k];
                    b += double(query[k]) * query[k];
                }
                const double cosine = dot / std::sqrt(a * b);
                if (cosine > top) {
                    top = cosine;
                    which = static_cast<int>(i);
                }
            }
            EXPECT_NEAR(best[r], top, 1e-5) << dims << " dims, route " << r;
            EXPECT_EQ(example[r], which) << dims << " dims, route " << r;
        }
    }
}

SemanticStage stage(std::vector<double> thresholds, double margin) {
    // math: 0 degrees; code: 60; general: none.
    return SemanticStage(kRoutes, std::move(thresholds), margin,
                         SemanticIndex(3, {0, 1}, {at(0), at(60)}),
                         {"what is 12 times 7", "write a function"});
}

TEST(RouterSemantic, TheBestRouteAboveItsThresholdIsSure) {
    const SemanticStage s = stage({0.75, 0.75, 0.75}, 0.02);
    const StageResult r = s.classify(at(10));
    ASSERT_EQ(r.outcome, Outcome::sure) << r.detail;
    EXPECT_EQ(r.route, 0);
    EXPECT_NEAR(r.confidence, std::cos(10 * M_PI / 180), 1e-6);
    ASSERT_EQ(r.scores.size(), 3u);
    EXPECT_NEAR(r.scores[0], std::cos(10 * M_PI / 180), 1e-6);
    EXPECT_NEAR(r.scores[1], std::cos(50 * M_PI / 180), 1e-6);
    EXPECT_FALSE(has_score(r.scores[2])); // no examples: no opinion
    EXPECT_EQ(r.detail, "math 0.985 (example 0: \"what is 12 times 7\"), runner-up code 0.643");
}

TEST(RouterSemantic, BelowTheThresholdIsNotSure) {
    const SemanticStage s = stage({0.75, 0.75, 0.75}, 0.02);
    const StageResult r = s.classify(at(-45)); // cos 45 = 0.707 to math
    EXPECT_EQ(r.outcome, Outcome::unsure);
    EXPECT_THAT(r.detail, HasSubstr("math 0.707"));
    EXPECT_THAT(r.detail, HasSubstr(": below the threshold 0.750"));
    EXPECT_EQ(r.scores.size(), 3u);
}

TEST(RouterSemantic, APerRouteThresholdOverridesTheStagesOne) {
    EXPECT_EQ(stage({0.99, 0.75, 0.75}, 0.02).classify(at(10)).outcome, Outcome::unsure);
    EXPECT_EQ(stage({0.5, 0.99, 0.99}, 0.02).classify(at(-45)).outcome, Outcome::sure);
}

TEST(RouterSemantic, TheBestMustBeatTheRunnerUpByTheMargin) {
    // At 29 degrees: math cos 29 = 0.8746, code cos 31 = 0.8572: a lead of 0.0174.
    EXPECT_EQ(stage({0.75, 0.75, 0.75}, 0.01).classify(at(29)).outcome, Outcome::sure);
    const StageResult r = stage({0.75, 0.75, 0.75}, 0.02).classify(at(29));
    EXPECT_EQ(r.outcome, Outcome::unsure);
    EXPECT_THAT(r.detail, HasSubstr(": lead 0.017 below the margin 0.020"));
    // A lone route with examples has no runner-up to beat.
    const SemanticStage lone(kRoutes, {0.75, 0.75, 0.75}, 0.5, SemanticIndex(3, {1}, {at(0)}),
                             {"x"});
    EXPECT_EQ(lone.classify(at(5)).outcome, Outcome::sure);
    EXPECT_EQ(lone.classify(at(5)).route, 1);
}

TEST(RouterSemantic, OtherDimensionsOrAZeroRequestVector) {
    const SemanticStage s = stage({0.75, 0.75, 0.75}, 0.02);
    EXPECT_THROW(s.classify(std::vector<float>{1, 0, 0}), std::invalid_argument);
    EXPECT_EQ(s.classify(std::vector<float>{0, 0}).outcome, Outcome::failed);
}

TEST(RouterSemantic, TheEmbeddingsAnswerIsReadAndChecked) {
    const auto v =
        parse_embeddings(R"({"model":"m","dimensions":3,"embeddings":[[0.5,1,-2],[0,0,1e-3]]})", 2);
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0], (std::vector<float>{0.5f, 1.0f, -2.0f}));
    EXPECT_FLOAT_EQ(v[1][2], 1e-3f);

    const auto error = [](std::string_view text, size_t expected) -> std::string {
        try {
            parse_embeddings(text, expected);
        } catch (const std::exception &e) {
            return e.what();
        }
        return "(no error)";
    };
    EXPECT_EQ(error(R"({"embeddings":[[1,2]]})", 2), "got 1 embeddings for 2 texts");
    EXPECT_EQ(error(R"({"embeddings":[[1,2],[1]]})", 2),
              "the embeddings have different dimensions (2 and 1)");
    EXPECT_EQ(error(R"({"embeddings":[[]]})", 1), "an embedding is not a vector");
    EXPECT_EQ(error(R"({"embeddings":[["a"]]})", 1), "an embedding holds a non-number");
    EXPECT_EQ(error(R"({"vectors":[]})", 0), "the embeddings answer has no \"embeddings\" array");
    EXPECT_THAT(error("not json", 1), HasSubstr("embeddings: invalid JSON"));
}

} // namespace
} // namespace tinyllm::router
