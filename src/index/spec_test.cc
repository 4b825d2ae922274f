// The indicator-system spec: the shipped CAICT 3.0 hierarchy and field-path errors for bad specs.
#include "index/spec.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace zhisuan::index {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string SpecWithMatrix(const std::string& matrix) {
  return R"(id: t
name: {zh: 测试, en: Test}
root:
  id: idx
  name: {zh: 指数, en: Index}
  weighting: {method: ahp, matrix: )" +
         matrix + R"(}
  children:
    - {id: a, name: {zh: 甲, en: A}, unit: 个, direction: benefit}
    - {id: b, name: {zh: 乙, en: B}, unit: 个, direction: benefit}
    - {id: c, name: {zh: 丙, en: C}, unit: 个, direction: cost}
)";
}

TEST(Spec, ShipsTheCaict30HierarchyAsTheSeedListsIt) {
  const std::string path = std::string(ZHISUAN_SOURCE_DIR) + "/data/index/caict-3.0.yaml";
  Result<IndexSpec> spec = ParseSpec(path, ReadFile(path));
  ASSERT_TRUE(spec) << spec.error().message;
  int per_depth[4] = {0, 0, 0, 0};
  for (const Node& n : spec->nodes) ++per_depth[n.depth];
  EXPECT_EQ(per_depth[1], 5);   // 5 first-level indicators
  EXPECT_EQ(per_depth[2], 13);  // 13 second-level
  EXPECT_EQ(per_depth[3], 14);  // 14 third-level
  EXPECT_EQ(spec->leaves.size(), 14u);
  const Node& bandwidth = spec->nodes[static_cast<size_t>(spec->Find("interprovincial-bandwidth"))];
  EXPECT_EQ(bandwidth.name_zh, "互联网省际出口带宽");
  EXPECT_EQ(bandwidth.unit, "Tbps");
  EXPECT_EQ(spec->nodes[static_cast<size_t>(spec->Find("ai-server-compute"))].unit, "EFlops");
  ASSERT_FALSE(spec->tiers.empty());
  EXPECT_DOUBLE_EQ(spec->tiers.front().min, 35);  // seed: the first tier is 35 and above
}

TEST(Spec, ReadsFractionsAndAcceptsAConsistentMatrix) {
  Result<IndexSpec> spec = ParseSpec("t.yaml", SpecWithMatrix("[[1, 2, 4], [1/2, 1, 2], [1/4, 0.5, 1]]"));
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->root().weighting.method, WeightMethod::kAhp);
  EXPECT_DOUBLE_EQ(spec->root().weighting.ahp.matrices[0][3], 0.5);
}

TEST(Spec, NamesTheFieldOfEveryBadMatrix) {
  struct Case {
    std::string matrix, expect;
  } cases[] = {
      {"[[1, 2, 4], [2, 1, 2], [1/4, 1/2, 1]]", "must be reciprocal"},
      {"[[1, -2, 4], [-1/2, 1, 2], [1/4, 1/2, 1]]", "must be a positive number"},
      {"[[1, 2], [1/2, 1]]", "has 2 rows but the node has 3 children"},
      {"[[1, 2, 4], [1/2, 1], [1/4, 1/2, 1]]", "has 2 values; it must have 3"},
      {"[[1, 2, x], [1/2, 1, 2], [1/4, 1/2, 1]]", "'x' is not a number"},
      {"[[1, 9, 1/9], [1/9, 1, 9], [9, 1/9, 1]]", "inconsistent judgements: consistency ratio"},
  };
  for (const Case& c : cases) {
    Result<IndexSpec> spec = ParseSpec("t.yaml", SpecWithMatrix(c.matrix));
    ASSERT_FALSE(spec) << c.matrix;
    EXPECT_NE(spec.error().message.find(c.expect), std::string::npos) << spec.error().message;
    EXPECT_NE(spec.error().message.find("t.yaml:"), std::string::npos) << spec.error().message;
    EXPECT_NE(spec.error().message.find("root.weighting"), std::string::npos) << spec.error().message;
  }
  // The inconsistency error names the judgements by child id.
  Result<IndexSpec> bad = ParseSpec("t.yaml", SpecWithMatrix("[[1, 9, 1/9], [1/9, 1, 9], [9, 1/9, 1]]"));
  EXPECT_NE(bad.error().message.find(" vs "), std::string::npos);
}

TEST(Spec, ReadsThresholdsAndNamesBadOnes) {
  const std::string text = R"(id: t
name: {zh: 测试, en: Test}
root:
  id: idx
  name: {zh: 指数, en: Index}
  weighting: {method: equal}
  children:
    - {id: a, name: {zh: 甲, en: A}, unit: 个, direction: benefit, standardise: efficacy,
       thresholds: {satisfactory: 6, excellent: 12}}
    - {id: b, name: {zh: 乙, en: B}, unit: 个, direction: cost, standardise: efficacy,
       thresholds: {satisfactory: 6, excellent: 12}}
    - {id: c, name: {zh: 丙, en: C}, unit: 个, direction: benefit, standardise: z-score,
       thresholds: {satisfactory: 1, excellent: 2}}
)";
  Result<IndexSpec> spec = ParseSpec("t.yaml", text);
  ASSERT_FALSE(spec);
  const std::string& m = spec.error().message;
  EXPECT_NE(
      m.find("root.children[1].thresholds: excellent (12) must be less than satisfactory (6) for a cost "
             "indicator"),
      std::string::npos)
      << m;
  EXPECT_NE(m.find("root.children[2].thresholds: apply to the efficacy and min-max standardisations only"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("children[0]"), std::string::npos) << m;
  std::string good = text.substr(0, text.find("    - {id: b"));
  Result<IndexSpec> ok = ParseSpec("t.yaml", good);
  ASSERT_TRUE(ok) << ok.error().message;
  const Node& a = ok->nodes[static_cast<size_t>(ok->leaves.front())];
  ASSERT_TRUE(a.thresholds.has_value());
  EXPECT_EQ(a.thresholds->satisfactory, 6);
  EXPECT_EQ(a.thresholds->excellent, 12);
}

TEST(Spec, ReportsEveryProblemOfATree) {
  const std::string text = R"(id: t
name: {zh: 测试, en: Test}
root:
  id: idx
  name: {zh: 指数, en: Index}
  children:
    - {id: a, name: {zh: 甲, en: A}, unit: 个, direction: upward}
    - {id: a, name: {zh: 乙, en: B}, direction: benefit, standardise: log}
)";
  Result<IndexSpec> spec = ParseSpec("t.yaml", text);
  ASSERT_FALSE(spec);
  const std::string& m = spec.error().message;
  EXPECT_NE(m.find("root.children[0].direction: 'upward' is not one of: benefit, cost"), std::string::npos)
      << m;
  EXPECT_NE(m.find("duplicate id 'a'"), std::string::npos) << m;
  EXPECT_NE(m.find("root.children[1].unit: is required"), std::string::npos) << m;
  EXPECT_NE(m.find("root.children[1].standardise: 'log' is not one of"), std::string::npos) << m;
  EXPECT_NE(m.find("root.weighting: is required"), std::string::npos) << m;
}

TEST(Spec, WeightsFileReplacesANodesWeighting) {
  Result<IndexSpec> spec = ParseSpec("t.yaml", SpecWithMatrix("[[1, 2, 4], [1/2, 1, 2], [1/4, 1/2, 1]]"));
  ASSERT_TRUE(spec);
  ASSERT_TRUE(ApplyWeights(*spec, "w.yaml", "idx: {method: fixed, weights: {a: 2, b: 1, c: 1}}"));
  EXPECT_EQ(spec->root().weighting.method, WeightMethod::kFixed);
  EXPECT_DOUBLE_EQ(spec->root().weighting.fixed[0], 0.5);
  const Status bad =
      ApplyWeights(*spec, "w.yaml", "nope: {method: equal}\nidx: {method: fixed, weights: {a: 1, z: 1}}");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("'nope' is not an inner node"), std::string::npos)
      << bad.error().message;
  EXPECT_NE(bad.error().message.find("'z' is not a child"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace zhisuan::index
