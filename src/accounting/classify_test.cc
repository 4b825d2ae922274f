#include "accounting/classify.h"

#include <gtest/gtest.h>

#include "testing/fixtures.h"

namespace zhisuan::accounting {
namespace {

// The tiny network: c1 is an intelligent center with 100 acc-a (GPU), c2 a supercomputing center.
TEST(Classify, IntelligentCentersCountWithFiveHundredAiCards) {
  const Registry tiny = testing::TinyRegistry();
  auto classes = ClassifyIntelligentCenters(tiny);
  ASSERT_EQ(classes.size(), 1u);  // c2 is not an intelligent-computing center
  EXPECT_EQ(classes[0].center->id, "c1");
  EXPECT_EQ(classes[0].ai_cards, 100);
  EXPECT_FALSE(classes[0].counts);

  auto files = testing::TinyDataFiles();
  std::string centers = testing::FileContent(files, "centers.yaml");
  centers.replace(centers.find("devices: 100"), 12, "devices: 500");
  Result<Registry> r = LoadRegistry(testing::WithFile(files, "centers.yaml", centers));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  classes = ClassifyIntelligentCenters(*r);
  ASSERT_EQ(classes.size(), 1u);
  EXPECT_TRUE(classes[0].counts);                    // exactly 500 counts
  EXPECT_EQ(AiCards(*r, *r->FindCenter("c2")), 10);  // CPU servers are not AI cards

  // A planned center is not built: it is not classified at all.
  centers.replace(centers.find("    city: EA\n"), 12,
                  "    city: EA\n    status: {value: planned, source: t}\n");
  r = LoadRegistry(testing::WithFile(files, "centers.yaml", centers));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(ClassifyIntelligentCenters(*r).empty());
}

}  // namespace
}  // namespace zhisuan::accounting
