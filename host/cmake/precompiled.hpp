// The headers most translation units of a target parse, precompiled once per target by
// precompiled_headers.cmake. Never included by a source file: every source still includes
// what it uses. Only the libraries the fuzz targets link are also compiled without it (clang's
// fuzz build), so a missing include elsewhere would show only with
// -DTINYLLM_PRECOMPILED_HEADERS=OFF.
//
// Each library's group is taken only when the target's usage requirements define that
// library's macro, i.e. when the target links it: the precompiled text is then parsed with
// the same definitions the sources see, and a target that does not link spdlog does not
// parse spdlog either.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#if defined(RAPIDJSON_HAS_STDSTRING)
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#endif

#if defined(SPDLOG_FMT_EXTERNAL)
#include <spdlog/spdlog.h>
#endif

#if defined(GTEST_HAS_PTHREAD)
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#endif
