// A hand-checked composite on a tiny tree, the data reader's errors, analyses and rank stability.
#include "index/composite.h"

#include <gtest/gtest.h>

#include <cmath>

#include "index/analysis.h"
#include "index/run.h"

namespace zhisuan::index {
namespace {

// supply = 0.75 compute + 0.25 price (AHP [[1, 3], [1/3, 1]]), demand = apps, index = 0.6 supply + 0.4
// demand.
constexpr const char* kTinySpec = R"(id: tiny
name: {zh: 小指数, en: Tiny index}
tiers: [{name: first, min: 50}, {name: second, min: 20}]
covariates: [{id: gdp, name: {zh: 生产总值, en: GDP}, unit: 亿元}]
typology: {supply: [supply], demand: [demand], band: 0.15, clusters: 2}
root:
  id: idx
  name: {zh: 指数, en: Index}
  weighting: {method: fixed, weights: {supply: 0.6, demand: 0.4}}
  children:
    - id: supply
      name: {zh: 供给, en: Supply}
      weighting: {method: ahp, matrix: [[1, 3], [1/3, 1]]}
      children:
        - {id: compute, name: {zh: 算力, en: Compute}, unit: EFlops, direction: benefit}
        - {id: price, name: {zh: 价格, en: Price}, unit: 元, direction: cost}
    - id: demand
      name: {zh: 需求, en: Demand}
      children:
        - {id: apps, name: {zh: 应用, en: Apps}, unit: 个, direction: benefit}
)";

// compute in PFlops converts to the spec's EFlops: 1, 3, 2.
constexpr const char* kTinyData =
    "region,year,compute [PFlops],price [元],apps,gdp [万亿元]\n"
    "A,2023,1000,0.5,10,1\n"
    "B,2023,3000,1.0,0,2\n"
    "C,2023,2000,0.75,5,3\n";

struct Tiny {
  IndexSpec spec;
  std::vector<YearResult> years;
};

Tiny Load(const std::string& csv = kTinyData, Impute impute = Impute::kError) {
  Result<IndexSpec> spec = ParseSpec("tiny.yaml", kTinySpec);
  EXPECT_TRUE(spec) << spec.error().message;
  Result<Dataset> data = ParseDataset(*spec, "tiny.csv", csv, impute);
  EXPECT_TRUE(data) << data.error().message;
  Result<std::vector<YearResult>> years = Compute(*spec, *data);
  EXPECT_TRUE(years) << years.error().message;
  return {*spec, *years};
}

TEST(Composite, HandCheckedTinyTree) {
  const Tiny t = Load();
  const YearResult& y = t.years.at(0);
  const size_t supply = static_cast<size_t>(t.spec.Find("supply")),
               demand = static_cast<size_t>(t.spec.Find("demand"));
  // min-max: compute A 0, B 100, C 50; price (cost) A 100, B 0, C 50; apps A 100, B 0, C 50.
  EXPECT_NEAR(y.Score(0, supply), 25, 1e-9);  // 0.75 * 0 + 0.25 * 100
  EXPECT_NEAR(y.Score(1, supply), 75, 1e-9);
  EXPECT_NEAR(y.Score(2, demand), 50, 1e-9);
  EXPECT_NEAR(y.Composite(0), 55, 1e-9);  // 0.6 * 25 + 0.4 * 100
  EXPECT_NEAR(y.Composite(1), 45, 1e-9);  // 0.6 * 75
  EXPECT_NEAR(y.Composite(2), 50, 1e-9);  // 0.6 * 50 + 0.4 * 50
  EXPECT_EQ(y.rank, (std::vector<int>{1, 3, 2}));
  EXPECT_EQ(y.tier, (std::vector<int>{0, 1, 0}));
  EXPECT_NEAR(y.global[static_cast<size_t>(t.spec.Find("compute"))], 0.45, 1e-9);
  ASSERT_TRUE(y.ahp[supply].has_value());
  EXPECT_NEAR(y.ahp[supply]->weights[0], 0.75, 1e-12);
}

TEST(Composite, ExplainsWhyAOutranksBIndicatorByIndicator) {
  const Tiny t = Load();
  const std::vector<Contribution> parts = Explain(t.spec, t.years[0], 0, 1);
  double sum = 0;
  for (const Contribution& c : parts) sum += c.contribution;
  EXPECT_NEAR(sum, 10, 1e-9);  // 55 - 45
  // Largest first: compute -45 (0.45 x -100), apps +40, price +15.
  EXPECT_EQ(t.spec.nodes[static_cast<size_t>(parts[0].node)].id, "compute");
  EXPECT_NEAR(parts[0].contribution, -45, 1e-9);
  EXPECT_NEAR(parts[1].contribution, 40, 1e-9);
  EXPECT_NEAR(parts[2].contribution, 15, 1e-9);
}

TEST(Composite, ObjectiveAndCombinedWeightsFollowTheData) {
  Tiny t = Load();
  ASSERT_TRUE(ApplyWeights(t.spec, "w.yaml",
                           "idx: {method: entropy}\nsupply: {method: combined, subjective: {method: "
                           "equal}, objective: critic}"));
  Result<Dataset> data = ParseDataset(t.spec, "tiny.csv", kTinyData, Impute::kError);
  Result<std::vector<YearResult>> years = Compute(t.spec, *data);
  ASSERT_TRUE(years) << years.error().message;
  const YearResult& y = years->at(0);
  // Compute and price are perfectly correlated after orientation, so CRITIC splits supply evenly.
  EXPECT_NEAR(y.local[static_cast<size_t>(t.spec.Find("compute"))], 0.5, 1e-9);
  double sum = 0;
  for (int c : t.spec.root().children) sum += y.local[static_cast<size_t>(c)];
  EXPECT_NEAR(sum, 1, 1e-12);
}

TEST(Dataset, ErrorsNameTheRowTheRegionAndTheIndicator) {
  Result<IndexSpec> spec = ParseSpec("tiny.yaml", kTinySpec);
  ASSERT_TRUE(spec);
  struct Case {
    std::string csv, expect;
  } cases[] = {
      {"region,year,compute,price,apps,power\nA,2023,1,1,1,1\n", "column 'power': unknown indicator"},
      {"region,year,compute [Tbps],price,apps\nA,2023,1,1,1\n",
       "unit 'Tbps' does not convert to the indicator's unit 'EFlops'"},
      {"region,year,compute,price\nA,2023,1,1\n", "indicator 'apps' has no column"},
      {"region,year,compute,price,apps\nA,2023,1,NaN,1\nB,2023,2,2,2\n",
       "tiny.csv:2: A 2023: price: missing value"},
      {"region,year,compute,price,apps\nA,2023,1,abc,1\n",
       "tiny.csv:2: A 2023: price: 'abc' is not a finite number"},
      {"region,year,compute,price,apps\nA,20x3,1,1,1\n", "year: '20x3' is not a year"},
      {"region,year,compute,price,apps\nA,2023,1,1,1\nA,2023,1,1,1\n", "duplicate row (first on line 2)"},
      {"region,year,compute,price,apps\nA,2023,1,1\n", "has 4 fields; the header has 5"},
      {"year,region\n", "the header must start with region,year"},
  };
  for (const Case& c : cases) {
    Result<Dataset> d = ParseDataset(*spec, "tiny.csv", c.csv, Impute::kError);
    ASSERT_FALSE(d) << c.csv;
    EXPECT_NE(d.error().message.find(c.expect), std::string::npos) << d.error().message;
  }
}

TEST(Dataset, ImputationPolicies) {
  const std::string csv =
      "region,year,compute,price,apps\n"
      "A,2022,1,1,4\nB,2022,2,2,2\n"
      "A,2023,1,1,NA\nB,2023,2,2,2\nC,2023,3,3,6\n";
  Result<IndexSpec> spec = ParseSpec("tiny.yaml", kTinySpec);
  ASSERT_TRUE(spec);
  auto apps_of_a_2023 = [&](Impute how) {
    Result<Dataset> d = ParseDataset(*spec, "t.csv", csv, how);
    EXPECT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->imputed.size(), 1u);
    return d->years[1].values[0 * 3 + 2];
  };
  EXPECT_DOUBLE_EQ(apps_of_a_2023(Impute::kMean), 4);  // (2 + 6) / 2
  EXPECT_DOUBLE_EQ(apps_of_a_2023(Impute::kZero), 0);
  EXPECT_DOUBLE_EQ(apps_of_a_2023(Impute::kPreviousYear), 4);
  EXPECT_FALSE(ParseDataset(*spec, "t.csv", csv, Impute::kError));
  EXPECT_FALSE(ParseImpute("median"));
}

TEST(Analysis, OlsAndTypology) {
  const std::vector<double> x = {1, 2, 3, 4}, y = {3, 5, 7, 9.5};
  const std::optional<Ols> ols = FitOls(x, y);
  ASSERT_TRUE(ols);
  EXPECT_NEAR(ols->slope, 2.15, 1e-9);
  EXPECT_NEAR(ols->intercept, 0.75, 1e-9);
  EXPECT_GT(ols->r2, 0.99);
  EXPECT_FALSE(FitOls(std::vector<double>{1, 1, 1}, std::vector<double>{1, 2, 3}));

  const Tiny t = Load();
  const std::optional<Typology> types = Classify(t.spec, t.years[0], 7);
  ASSERT_TRUE(types);
  // A (supply 25, demand 100) is demand-pulled; B (75, 0) supply-driven; whichever cluster holds each says
  // so.
  EXPECT_EQ(types->cluster_type[static_cast<size_t>(types->cluster[0])].id, "demand-pulled");
  EXPECT_EQ(types->cluster_type[static_cast<size_t>(types->cluster[1])].id, "supply-driven");
  // Same seed, same answer.
  EXPECT_EQ(Classify(t.spec, t.years[0], 7)->cluster, types->cluster);
}

TEST(Analysis, RankStabilityIntervalsContainTheRankAndWidenWithUncertainty) {
  const Tiny t = Load();
  StabilityOptions tight{.draws = 2000, .seed = 3, .concentration = 100000, .experts = false};
  Result<std::vector<RankInterval>> narrow = RankStability(t.spec, t.years[0], tight);
  ASSERT_TRUE(narrow);
  for (size_t r = 0; r < 3; ++r) {
    EXPECT_EQ((*narrow)[r].p5, t.years[0].rank[r]);
    EXPECT_EQ((*narrow)[r].p95, t.years[0].rank[r]);
  }
  StabilityOptions loose{.draws = 2000, .seed = 3, .concentration = 2, .experts = false};
  Result<std::vector<RankInterval>> wide = RankStability(t.spec, t.years[0], loose);
  ASSERT_TRUE(wide);
  int width = 0;
  for (const RankInterval& r : *wide) width += r.p95 - r.p5;
  EXPECT_GT(width, 0);
  EXPECT_FALSE(RankStability(t.spec, t.years[0], StabilityOptions{.draws = 0}));
}

}  // namespace
}  // namespace zhisuan::index

namespace zhisuan::index {
namespace {

TEST(Run, YearOverYearChangeAndExpertResampling) {
  Result<IndexSpec> spec = ParseSpec("tiny.yaml", kTinySpec);
  ASSERT_TRUE(spec);
  // Two experts disagree on supply: resampling them moves the weights, so ranks can move too.
  ASSERT_TRUE(ApplyWeights(*spec, "w.yaml",
                           "supply: {method: ahp, experts: [{name: a, matrix: [[1, 5], [1/5, 1]]}, "
                           "{name: b, matrix: [[1, 1/5], [5, 1]]}]}"));
  const std::string csv =
      "region,year,compute,price,apps\n"
      "A,2022,1,1,10\nB,2022,3,3,0\nC,2022,2,2,5\n"
      "A,2023,1,0.5,10\nB,2023,3,1.0,0\nC,2023,2,0.75,5\n";
  RunOptions o;
  o.stability = {.draws = 400, .seed = 9, .concentration = 200, .experts = true};
  Result<IndexRun> run = RunIndex(*spec, "t.csv", csv, o);
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->years.size(), 2u);
  const nlohmann::ordered_json j = ToJson(*run);
  EXPECT_EQ(j["year"], 2023);
  for (const auto& r : j["regions"]) {
    ASSERT_TRUE(r["change"].is_object()) << r.dump();
    EXPECT_EQ(r["change"]["from_year"], 2022);
    EXPECT_LE(r["rank_interval"]["p5"].get<int>(), r["rank"].get<int>() + 1);
  }
  // Group AHP by judgements: the geometric mean of 5 and 1/5 is 1, equal weights.
  EXPECT_NEAR(run->latest().local[static_cast<size_t>(spec->Find("compute"))], 0.5, 1e-9);
  EXPECT_EQ(j["stability"]["mode"], "experts");
  RunOptions unknown;
  unknown.explain = {"A", "Z"};
  EXPECT_FALSE(RunIndex(*spec, "t.csv", csv, unknown));
}

}  // namespace
}  // namespace zhisuan::index
