#include "util/json.h"

#include <gtest/gtest.h>

#include <string>

namespace zhisuan {
namespace {

TEST(Json, ParsesAnObject) {
  Result<nlohmann::json> j = ParseJson("{\"a\": [1, 2], \"b\": {\"c\": \"北京\"}}", "body");
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_EQ((*j)["b"]["c"], "北京");
}

// Regression: duplicate keys resolved as the last on one line (nlohmann) and the first on two (yaml-cpp).
TEST(Json, DuplicateKeysAreAnError) {
  Result<nlohmann::json> j = ParseJson("{\"kind\": \"train\", \"devices\": 1, \"kind\": \"infer\"}", "body");
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().code, ErrorCode::kParse);
  EXPECT_EQ(j.error().message, "body: duplicate key 'kind' in an object");
  // The same key in two different objects is fine.
  EXPECT_TRUE(ParseJson("{\"a\": {\"x\": 1}, \"b\": {\"x\": 2}}", "body"));
  EXPECT_FALSE(ParseJson("{\"a\": {\"x\": 1, \"x\": 2}}", "body"));
}

TEST(Json, DeepNestingIsRefused) {
  const std::string deep = "{\"x\":" + std::string(10'000, '[') + std::string(10'000, ']') + "}";
  Result<nlohmann::json> j = ParseJson(deep, "body");
  ASSERT_FALSE(j);
  EXPECT_NE(j.error().message.find("nested deeper than 64 levels"), std::string::npos);
}

TEST(Json, InvalidUtf8IsRefused) {
  Result<nlohmann::json> j = ParseJson("{\"name\": \"a\xff\"}", "body");
  ASSERT_FALSE(j);
  EXPECT_NE(j.error().message.find("invalid UTF-8"), std::string::npos);
}

TEST(Json, MalformedSaysWhere) {
  Result<nlohmann::json> j = ParseJson("{\"a\": }", "body");
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().message.rfind("body: malformed JSON: parse error at line 1, column 7", 0), 0u)
      << j.error().message;
}

}  // namespace
}  // namespace zhisuan
