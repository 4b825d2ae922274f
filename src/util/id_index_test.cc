#include "util/id_index.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <unordered_map>

namespace zhisuan {
namespace {

// Against std::unordered_map on ids that share prefixes, suffixes and lengths (the accelerator ids do),
// through several rehashes; absent ids, the empty id and first-wins duplicates.
TEST(IdIndex, AgreesWithAHashMap) {
  IdIndex index;
  std::unordered_map<std::string, int32_t> reference;
  EXPECT_EQ(index.Find("anything"), -1);
  for (int i = 0; i < 3000; ++i) {
    const std::string id = fmt::format("nvidia-a{}-sxm-80gb", i);
    index.Add(id, i);
    reference.emplace(id, i);
    index.Add(id, -7);  // a duplicate does not replace
  }
  for (const std::string& id :
       {std::string("x"), std::string("h20"), std::string(""), std::string(40, 'q')}) {
    index.Add(id, static_cast<int32_t>(reference.size()));
    reference.emplace(id, static_cast<int32_t>(reference.size()));
  }
  EXPECT_EQ(index.size(), reference.size());
  for (const auto& [id, i] : reference) ASSERT_EQ(index.Find(id), i) << id;
  for (const char* absent : {"nvidia-a3000-sxm-80gb", "nvidia-a-sxm-80gb", "X", "nvidia-a1-sxm-80g"}) {
    EXPECT_EQ(index.Find(absent), -1) << absent;
  }
}

}  // namespace
}  // namespace zhisuan
