#include "util/limits.h"

#include <gtest/gtest.h>

#include <string>

namespace zhisuan {
namespace {

std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(Limits, DepthWithinTheLimitPasses) {
  EXPECT_TRUE(CheckUntrusted(Nested(64), "x"));
  EXPECT_TRUE(CheckUntrusted("{\"a\": [1, {\"b\": [2]}]}", "x"));
}

// Regression: `{"kind":"train","x":` + 10,000 x `[` crashed the server (stack overflow converting JSON to
// YAML).
TEST(Limits, DeepNestingIsRefusedBeforeParsing) {
  const std::string body = "{\"kind\":\"train\",\"x\":" + Nested(10'000) + "}";
  Status s = CheckUntrusted(body, "request body");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kParse);
  EXPECT_EQ(s.error().message, "request body: nested deeper than 64 levels at line 1, column 84");
}

TEST(Limits, BracketsInsideStringsAndCommentsDoNotCount) {
  const std::string brackets(200, '[');
  EXPECT_TRUE(CheckUntrusted("{\"a\": \"" + brackets + "\"}", "x"));
  EXPECT_TRUE(CheckUntrusted("a: '" + brackets + "'\n", "x"));
  EXPECT_TRUE(CheckUntrusted("a: 1  # " + brackets + "\n", "x"));
  EXPECT_TRUE(CheckUntrusted("{\"a\": \"\\\"" + brackets + "\"}", "x"));  // an escaped quote stays inside
}

TEST(Limits, ALetterQuoteDoesNotHideBrackets) {
  // "it's" is a plain scalar: its ' opens nothing, so the nesting after it is still counted.
  EXPECT_FALSE(CheckUntrusted("a: it's\nb: " + Nested(100) + "\n", "x"));
}

TEST(Limits, SizeLimit) {
  InputLimits limits;
  limits.max_bytes = 10;
  Status s = CheckUntrusted("01234567890", "spec", limits);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "spec: too large (11 bytes; the limit is 10 bytes)");
}

TEST(Limits, Utf8) {
  EXPECT_EQ(FindInvalidUtf8("plain ascii"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("北京 智算 \xF0\x9F\x98\x80"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("ab\xff"), 2u);
  EXPECT_EQ(FindInvalidUtf8("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("\xED\xA0\x80"), 0u);      // a UTF-16 surrogate
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // past U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("x\xE4\xB8"), 1u);         // truncated
  Status s = CheckUntrusted("name: a\n  b\xff", "spec");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "spec: invalid UTF-8 at line 2, column 4 (byte 11)");
}

TEST(Limits, ControlCharacters) {
  EXPECT_FALSE(HasControlCharacter("zs_0123abcdef"));
  EXPECT_TRUE(HasControlCharacter("zs_01\r\nX-Evil: 1"));
  EXPECT_TRUE(HasControlCharacter(std::string("a\0b", 3)));
  EXPECT_TRUE(HasControlCharacter("a\x7f"));
}

TEST(Limits, PrintableReplacesWhatATerminalOrAJsonEncoderWouldChokeOn) {
  EXPECT_EQ(Printable("drain c1", 100), "drain c1");
  EXPECT_EQ(Printable("a\x1b[31mb\nc", 100), "a?[31mb?c");
  EXPECT_EQ(Printable("x\xff\xfey", 100), "x??y");
  EXPECT_EQ(Printable("北京上海", 100), "北京上海");
  EXPECT_EQ(Printable("北京上海", 7), "北京");  // never half a character
  EXPECT_EQ(Printable("abcdef", 3), "abc");
  EXPECT_EQ(Printable(std::string(10000, 'a'), 200).size(), 200u);
}

}  // namespace
}  // namespace zhisuan
