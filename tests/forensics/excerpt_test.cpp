// Excerpts from traces are safe on a terminal and fit on one line.
#include "forensics/excerpt.hpp"

#include <gtest/gtest.h>

namespace tinyllm::forensics {
namespace {

TEST(Excerpt, ControlCharactersAndEscapeSequencesDoNotReachTheTerminal) {
    EXPECT_EQ(sanitise("\x1b[31mred\x1b[0m\tand\r\nnext"), "[31mred [0m and next");
    EXPECT_EQ(sanitise("bell\x07 del\x7f"), "bell del");
    EXPECT_EQ(sanitise("csi \xc2\x9b"
                       "2J"),
              "csi 2J"); // U+009B, the one-byte CSI
    EXPECT_EQ(sanitise("a\xe2\x80\xae"
                       "evil"),
              "a evil"); // RIGHT-TO-LEFT OVERRIDE
    for (const char c : sanitise("\x1b]0;title\x07")) {
        EXPECT_GE(static_cast<unsigned char>(c), 0x20);
    }
}

TEST(Excerpt, SpacesCollapseAndTheEndsAreTrimmed) {
    EXPECT_EQ(sanitise("  a \n\n  b  "), "a b");
    EXPECT_EQ(sanitise(""), "");
    EXPECT_EQ(sanitise("\n\t"), "");
}

TEST(Excerpt, BrokenUtf8BecomesQuestionMarksAndValidUtf8Stays) {
    EXPECT_EQ(sanitise("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");
    EXPECT_EQ(sanitise("a\xff"
                       "b"),
              "a?b");
    EXPECT_EQ(sanitise("\xc3"), "?");           // cut short
    EXPECT_EQ(sanitise("\xc0\xaf"), "??");      // overlong '/'
    EXPECT_EQ(sanitise("\xed\xa0\x80"), "???"); // a surrogate
}

TEST(Excerpt, LongTextIsCutAtACodePointAndMarked) {
    EXPECT_EQ(excerpt("abcdef", 3), "abc…");
    EXPECT_EQ(excerpt("abc", 3), "abc");
    EXPECT_EQ(excerpt("ab cd", 3), "ab…"); // no space before the mark
    EXPECT_EQ(excerpt("\xc3\xa9\xc3\xa9\xc3\xa9", 2), "\xc3\xa9\xc3\xa9…");
    EXPECT_EQ(excerpt(std::string(500, 'x')).size(), 160 + std::string("…").size());
}

} // namespace
} // namespace tinyllm::forensics
