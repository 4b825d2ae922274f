// Published AHP examples and the random-index tables.
#include "index/ahp.h"

#include <gtest/gtest.h>

#include <cmath>

namespace zhisuan::index {
namespace {

// T. L. Saaty, "A scaling method for priorities in hierarchical structures", J. Math. Psychology 15 (1977)
// 234-281, and The Analytic Hierarchy Process (1980), section 2: the relative wealth of seven nations (US,
// USSR, China, France, UK, Japan, West Germany). Published priorities 0.427 0.230 0.021 0.052 0.052 0.123
// 0.094, lambda_max 7.61.
const std::vector<double> kWealth = {1,      4,      9, 6,      6,      5,      5,       //
                                     1. / 4, 1,      7, 5,      5,      3,      4,       //
                                     1. / 9, 1. / 7, 1, 1. / 5, 1. / 5, 1. / 7, 1. / 5,  //
                                     1. / 6, 1. / 5, 5, 1,      1,      1. / 3, 1. / 3,  //
                                     1. / 6, 1. / 5, 5, 1,      1,      1. / 3, 1. / 3,  //
                                     1. / 5, 1. / 3, 7, 3,      3,      1,      2,       //
                                     1. / 5, 1. / 4, 5, 3,      3,      1. / 2, 1};

TEST(Ahp, SaatyWealthOfNationsSevenBySeven) {
  ASSERT_TRUE(CheckPairwise(kWealth, 7));
  Result<AhpOutcome> out = Evaluate(kWealth, 7, Priority::kEigenvector, RandomIndexTable::kSaaty1980);
  ASSERT_TRUE(out) << out.error().message;
  const double published[] = {0.427, 0.230, 0.021, 0.052, 0.052, 0.123, 0.094};
  for (size_t i = 0; i < 7; ++i) EXPECT_NEAR(out->weights[i], published[i], 0.0015) << "nation " << i;
  EXPECT_NEAR(out->lambda_max, 7.61, 0.01);
  EXPECT_NEAR(out->ci, (out->lambda_max - 7) / 6, 1e-12);
  EXPECT_DOUBLE_EQ(out->ri, 1.32);
  EXPECT_LT(out->cr, 0.1);  // acceptable: about 0.077
  EXPECT_GT(out->cr, 0.05);
}

// A consistent matrix a_ij = w_i / w_j (Saaty 1977, theorem: lambda_max = n iff consistent) gives back w
// exactly under all three priority methods, with CI = CR = 0. Five items, weights of the CAICT first level as
// a test vector.
TEST(Ahp, ConsistentFiveByFiveRecoversItsWeights) {
  const double w[] = {0.35, 0.2, 0.15, 0.2, 0.1};
  std::vector<double> a(25);
  for (size_t i = 0; i < 5; ++i) {
    for (size_t j = 0; j < 5; ++j) a[i * 5 + j] = w[i] / w[j];
  }
  ASSERT_TRUE(CheckPairwise(a, 5));
  for (Priority p : {Priority::kEigenvector, Priority::kGeometricMean, Priority::kColumnNormalised}) {
    Result<AhpOutcome> out = Evaluate(a, 5, p, RandomIndexTable::kAlonsoLamata2006);
    ASSERT_TRUE(out);
    for (size_t i = 0; i < 5; ++i) EXPECT_NEAR(out->weights[i], w[i], 1e-9) << PriorityName(p);
    EXPECT_NEAR(out->lambda_max, 5.0, 1e-9);
    EXPECT_NEAR(out->cr, 0.0, 1e-9);
  }
}

// An intransitive circle (A > B > C > A) is as inconsistent as three judgements can be; the worst judgement
// named is one of the circle's.
TEST(Ahp, IntransitiveJudgementsFailConsistency) {
  const std::vector<double> a = {1, 5, 1. / 5, 1. / 5, 1, 5, 5, 1. / 5, 1};
  Result<AhpOutcome> out = Evaluate(a, 3, Priority::kEigenvector, RandomIndexTable::kSaaty1980);
  ASSERT_TRUE(out);
  EXPECT_GT(out->cr, 1.0);
  ASSERT_FALSE(out->worst.empty());
  EXPECT_NE(out->worst[0].given, out->worst[0].implied);
}

TEST(Ahp, RejectsBadMatrices) {
  EXPECT_FALSE(CheckPairwise(std::vector<double>{1, 2, 2, 1}, 2));      // not reciprocal
  EXPECT_FALSE(CheckPairwise(std::vector<double>{1, -2, -0.5, 1}, 2));  // not positive
  EXPECT_FALSE(CheckPairwise(std::vector<double>{2, 2, 0.5, 1}, 2));    // diagonal
  EXPECT_FALSE(CheckPairwise(std::vector<double>{1, 2, 0.5}, 2));       // wrong size
  EXPECT_FALSE(CheckPairwise(std::vector<double>{1, NAN, NAN, 1}, 2));  // NaN
  const Status s = CheckPairwise(std::vector<double>{1, 3, 3, 1}, 2);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("[0][1] = 3 but [1][0] = 3"), std::string::npos) << s.error().message;
}

// The tables differ (Saaty 0.58 vs Alonso-Lamata 0.5247 at n = 3); our Monte Carlo estimate, which also
// exercises the eigenvalue code on random matrices, must land near Alonso and Lamata's 100,000-sample values.
TEST(Ahp, MonteCarloRandomIndexMatchesAlonsoLamata) {
  for (size_t n : {3, 5}) {
    const double estimate = EstimateRandomIndex(n, 8000, 42);
    EXPECT_NEAR(estimate, *RandomIndex(RandomIndexTable::kAlonsoLamata2006, n), 0.02) << "n = " << n;
  }
  EXPECT_DOUBLE_EQ(*RandomIndex(RandomIndexTable::kSaaty1980, 3), 0.58);
  EXPECT_DOUBLE_EQ(*RandomIndex(RandomIndexTable::kXuShubai1988, 3), 0.52);
  EXPECT_FALSE(RandomIndex(RandomIndexTable::kSaaty1980, 16));
}

TEST(Ahp, GroupAggregationByJudgementsAndByPriorities) {
  Ahp ahp;
  ahp.experts = {"a", "b"};
  ahp.matrices = {{1, 4, 0.25, 1}, {1, 1, 1, 1}};
  Result<AhpOutcome> aij = EvaluateAhp(ahp, 2);
  ASSERT_TRUE(aij);
  // Geometric mean of 4 and 1 is 2: weights 2/3, 1/3.
  EXPECT_NEAR(aij->weights[0], 2.0 / 3, 1e-9);
  ahp.group = GroupRule::kPriorities;
  Result<AhpOutcome> aip = EvaluateAhp(ahp, 2);
  ASSERT_TRUE(aip);
  // Priorities (0.8, 0.2) and (0.5, 0.5): geometric means sqrt(0.4) and sqrt(0.1), normalised: 2/3, 1/3.
  EXPECT_NEAR(aip->weights[0], 2.0 / 3, 1e-9);
}

}  // namespace
}  // namespace zhisuan::index
