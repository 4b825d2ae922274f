// A hand-checked composite on a tiny tree, the data reader's errors, analyses and rank stability.
#include "index/composite.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>

#include "index/analysis.h"
#include "index/run.h"
#include "index/weights.h"

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

namespace zhisuan::index {
namespace {

// Two indicators, equal weights, min-max. 2022: A = (0, 10), B = (10, 20); 2023: A = (5, 20), B = (10, 30).
constexpr const char* kTwoLeafSpec = R"(id: two
name: {zh: 两项, en: Two}
covariates: [{id: gdp, name: {zh: 生产总值, en: GDP}, unit: 亿元, published: {slope: 1220, source: "seed 004:1145-1149"}}]
root:
  id: idx
  name: {zh: 指数, en: Index}
  weighting: {method: entropy}
  children:
    - {id: x, name: {zh: 甲, en: X}, unit: '1', direction: benefit}
    - {id: y, name: {zh: 乙, en: Y}, unit: '1', direction: benefit}
)";

TEST(Comparable, EveryYearOnTheBaseYearsReferencesAndWeights) {
  Result<IndexSpec> spec = ParseSpec("two.yaml", kTwoLeafSpec);
  ASSERT_TRUE(spec) << spec.error().message;
  const std::string csv =
      "region,year,x,y\n"
      "A,2022,0,10\nB,2022,10,20\n"
      "A,2023,5,20\nB,2023,10,30\n";
  Result<Dataset> data = ParseDataset(*spec, "two.csv", csv, Impute::kError);
  ASSERT_TRUE(data) << data.error().message;
  // Each year on its own: A is 0 and B 100 both years; no one moved.
  Result<std::vector<YearResult>> own = Compute(*spec, *data);
  ASSERT_TRUE(own);
  EXPECT_DOUBLE_EQ((*own)[1].Composite(0), 0);
  EXPECT_DOUBLE_EQ((*own)[1].Composite(1), 100);
  EXPECT_EQ((*own)[1].base_year, 0);
  // On 2022's references: x in [0, 10], y in [10, 20]; 2022's entropy weights over scores (0, 100) and (0,
  // 100) are equal. A 2023 = (50 + 100) / 2 = 75, B 2023 = (100 + 200) / 2 = 150: both grew.
  Result<std::vector<YearResult>> base = Compute(*spec, *data, 2022);
  ASSERT_TRUE(base) << base.error().message;
  EXPECT_EQ((*base)[1].base_year, 2022);
  EXPECT_DOUBLE_EQ((*base)[0].Composite(0), 0);
  EXPECT_DOUBLE_EQ((*base)[0].Composite(1), 100);
  EXPECT_NEAR((*base)[1].Composite(0), 75, 1e-9);
  EXPECT_NEAR((*base)[1].Composite(1), 150, 1e-9);
  EXPECT_NEAR((*base)[1].local[1], 0.5, 1e-12);
  // On 2023's: x in [5, 10], y in [20, 30]: 2022's A = (-100 + -100) / 2 = -100, B = (100 + 0) / 2 = 50.
  Result<std::vector<YearResult>> later = Compute(*spec, *data, 2023);
  ASSERT_TRUE(later);
  EXPECT_NEAR((*later)[0].Composite(0), -100, 1e-9);
  EXPECT_NEAR((*later)[0].Composite(1), 50, 1e-9);
  // A base year not in the data is named.
  Result<std::vector<YearResult>> missing = Compute(*spec, *data, 2019);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "base_year: 2019 is not in the data (it has 2022, 2023)");

  // Through the run: the change reads +75 and +50, and the report says what it is comparable on.
  RunOptions o;
  o.stability.draws = 0;
  o.base_year = 2022;
  Result<IndexRun> run = RunIndex(*spec, "two.csv", csv, o);
  ASSERT_TRUE(run) << run.error().message;
  const nlohmann::ordered_json j = ToJson(*run);
  EXPECT_EQ(j["comparable"]["base_year"], 2022);
  for (const auto& r : j["regions"])
    EXPECT_EQ(r["change"]["index"].get<double>(), r["region"] == "A" ? 75 : 50) << r.dump();
  o.base_year.reset();
  EXPECT_TRUE(ToJson(*RunIndex(*spec, "two.csv", csv, o))["comparable"].is_null());
}

TEST(Comparable, ZScoreRescaledAndShareOfMaxFollowTheBase) {
  const std::vector<double> base = {2, 4, 6}, later = {4, 8};
  const ColumnStats ref = Describe(base);
  EXPECT_DOUBLE_EQ(ref.mean, 4);
  EXPECT_NEAR(ref.sd, std::sqrt(8.0 / 3), 1e-12);
  // Share of the base year's max: 4/6 and 8/6 (past 100 once a region beats the base year's best).
  Result<std::vector<double>> share =
      Standardise(later, Direction::kBenefit, Standardisation::kShareOfMax, false, 100, std::nullopt, &ref);
  ASSERT_TRUE(share);
  EXPECT_NEAR((*share)[0], 66.666666667, 1e-6);
  EXPECT_NEAR((*share)[1], 133.33333333, 1e-6);
  // A rescaled z-score maps the base year's min and max onto 0 and 100: 4 -> 50, 8 -> 150.
  Result<std::vector<double>> z =
      Standardise(later, Direction::kBenefit, Standardisation::kZScore, true, 100, std::nullopt, &ref);
  ASSERT_TRUE(z);
  EXPECT_NEAR((*z)[0], 50, 1e-9);
  EXPECT_NEAR((*z)[1], 150, 1e-9);
  // Fixed thresholds are fixed whatever the base.
  Result<std::vector<double>> fixed = Standardise(later, Direction::kBenefit, Standardisation::kEfficacy,
                                                  false, 100, Thresholds{6, 12}, &ref);
  ASSERT_TRUE(fixed);
  EXPECT_NEAR((*fixed)[0], 60 + 40 * (4 - 6) / 6.0, 1e-9);
}

TEST(Lagged, RecoversTheLagsOfAnExactPanel) {
  // gdp(t) = 10 + 2 index(t) + 3 index(t-1), where index = x exactly (one leaf on fixed thresholds 0..100).
  const std::string spec_text =
      "id: one\nname: {zh: 一, en: One}\n"
      "covariates: [{id: gdp, name: {zh: 生产总值, en: GDP}, unit: 亿元, published: {slope: 1220, source: "
      "s}}]\n"
      "root:\n  id: idx\n  name: {zh: 指数, en: Index}\n  children:\n"
      "    - {id: x, name: {zh: 甲, en: X}, unit: '1', direction: benefit, standardise: min-max,"
      " thresholds: {satisfactory: 0, excellent: 100}}\n";
  Result<IndexSpec> spec = ParseSpec("one.yaml", spec_text);
  ASSERT_TRUE(spec) << spec.error().message;
  const double x[4][5] = {{1, 4, 2, 8, 5}, {3, 1, 7, 2, 6}, {5, 9, 3, 4, 1}, {2, 6, 8, 3, 7}};
  std::string csv = "region,year,x,gdp\n";
  for (int t = 0; t < 4; ++t) {
    for (int r = 0; r < 5; ++r) {
      const double gdp = t == 0 ? 999 : 10 + 2 * x[t][r] + 3 * x[t - 1][r];
      csv += fmt::format("R{},{},{},{}\n", r, 2020 + t, x[t][r], gdp);
    }
  }
  RunOptions o;
  o.stability.draws = 0;
  o.lags = 1;
  Result<IndexRun> run = RunIndex(*spec, "one.csv", csv, o);
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->lagged.size(), 1u) << run->lagged_note;
  const LaggedRegression& g = run->lagged[0];
  EXPECT_EQ(g.fit.n, 15u);  // 2021-2023 x 5 regions: 2020 has no year before it
  EXPECT_EQ(g.first_year, 2021);
  EXPECT_NEAR(g.fit.coef[0], 2, 1e-9);
  EXPECT_NEAR(g.fit.coef[1], 3, 1e-9);
  EXPECT_NEAR(g.fit.intercept, 10, 1e-8);
  EXPECT_NEAR(g.long_run, 5, 1e-9);
  EXPECT_NEAR(g.fit.r2, 1, 1e-12);
  const nlohmann::ordered_json j = ToJson(*run);
  EXPECT_EQ(j["lagged_regressions"]["fits"][0]["long_run"], 5);
  EXPECT_EQ(j["lagged_regressions"]["fits"][0]["published"]["slope"], 1220);
  EXPECT_EQ(j["regressions"][0]["published"]["source"], "s");
  // Fixed thresholds keep one scale, but the run is not declared comparable: the note cautions.
  EXPECT_NE(run->lagged_note.find("base_year"), std::string::npos);
  // Three lags leave 5 rows (2023 only) for 5 coefficients: no fit, and the note says why.
  o.lags = 3;
  run = RunIndex(*spec, "one.csv", csv, o);
  ASSERT_TRUE(run);
  EXPECT_TRUE(run->lagged.empty());
  EXPECT_EQ(run->lagged_note, "not enough rows or collinear lags for: gdp (5 rows for 5 coefficients)");
  o.lags = 9;
  EXPECT_FALSE(RunIndex(*spec, "one.csv", csv, o));
  // One year of data: no lag model, said plainly.
  o.lags = -1;
  run = RunIndex(*spec, "one.csv", "region,year,x,gdp\nA,2023,1,2\nB,2023,2,4\nC,2023,3,7\n", o);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->lagged_note,
            "the lagged regression needs at least two years of data and one lag (the data has 1 year)");
}

TEST(Lagged, MultipleRegressionRefusesCollinearColumns) {
  const std::vector<double> x = {1, 2, 2, 4, 3, 6, 4, 8};  // second column = 2 x first
  const std::vector<double> y = {1, 2, 3, 4};
  EXPECT_FALSE(FitMultiOls(x, 4, 2, y));
  EXPECT_FALSE(
      FitMultiOls(std::vector<double>{1, 2}, 2, 1, std::vector<double>{1, 2}));  // 2 rows, 2 unknowns
  const std::optional<MultiOls> one =
      FitMultiOls(std::vector<double>{1, 2, 3, 4}, 4, 1, std::vector<double>{3, 5, 7, 9.5});
  ASSERT_TRUE(one);
  EXPECT_NEAR(one->coef[0], 2.15, 1e-9);  // as the simple OLS above
  EXPECT_NEAR(one->intercept, 0.75, 1e-9);
}

}  // namespace
}  // namespace zhisuan::index
