// Published objective-weighting and TOPSIS examples, and the standardisation methods.
#include "index/weights.h"

#include <gtest/gtest.h>

#include <cmath>

#include "index/composite.h"

namespace zhisuan::index {
namespace {

// X. Xu, "A note on the subjective and objective integrated approach to determine attribute weights",
// European Journal of Operational Research 156(2) (2004) 530-532: entropy weights 0.4630, 0.3992, 0.1378,
// 0.0000.
TEST(Weights, EntropyXu2004) {
  const std::vector<double> x = {30, 30, 38, 29, 19, 54, 86, 29, 19, 15, 85, 28.9, 68, 70, 60, 29};
  const std::vector<double> w = EntropyWeights(x, 4, 4);
  const double published[] = {0.4630, 0.3992, 0.1378, 0.0000};
  for (size_t j = 0; j < 4; ++j) EXPECT_NEAR(w[j], published[j], 0.00005) << j;
}

// A. Tuş, E. Aytaç Adalı, "The new combination with CRITIC and WASPAS methods for the time and attendance
// software selection problem", Opsearch 56(2) (2019) 528-538: CRITIC weights 0.157 0.249 0.168 0.121 0.154
// 0.151.
TEST(Weights, CriticTusAdali2019) {
  const std::vector<double> x = {5000, 3, 3, 4,   3, 2, 680, 5, 3, 2,   2, 1, 2000, 3, 2,
                                 3,    4, 3, 600, 4, 3, 1,   2, 2, 800, 2, 4, 3,    3, 4};
  const std::vector<double> w = CriticWeights(x, 5, 6);
  const double published[] = {0.157, 0.249, 0.168, 0.121, 0.154, 0.151};
  for (size_t j = 0; j < 6; ++j) EXPECT_NEAR(w[j], published[j], 0.0005) << j;
}

TEST(Weights, VariationIsSdOverMean) {
  // Column 0: mean 2, sd 1 (cv 0.5); column 1: mean 10, sd 1 (cv 0.1).
  const std::vector<double> x = {1, 9, 3, 11};
  const std::vector<double> w = VariationWeights(x, 2, 2);
  EXPECT_NEAR(w[0], 0.5 / 0.6, 1e-12);
  EXPECT_NEAR(w[1], 0.1 / 0.6, 1e-12);
}

// S. Opricovic, G.-H. Tzeng, "Compromise solution by MCDM methods: a comparative analysis of VIKOR and
// TOPSIS", European Journal of Operational Research 156(2) (2004) 445-455, section 4: alternatives (1, 3000),
// (2, 3750), (5, 4500), the first criterion a cost, equal weights, linear normalisation: TOPSIS closeness
// 0.500, 0.617, 0.500.
TEST(Weights, TopsisOpricovicTzeng2004) {
  const std::vector<double> x = {1, 3000, 2, 3750, 5, 4500};
  const std::vector<double> w = {0.5, 0.5};
  const std::vector<Direction> dir = {Direction::kCost, Direction::kBenefit};
  const std::vector<double> c = Topsis(x, 3, 2, w, dir, TopsisNormalisation::kMinMax);
  EXPECT_NEAR(c[0], 0.500, 0.0005);
  EXPECT_NEAR(c[1], 0.617, 0.0005);
  EXPECT_NEAR(c[2], 0.500, 0.0005);
}

// Hwang and Yoon's vector normalisation, worked by hand: alternatives (17, 12), (10, 9), (8, 6), weights
// 0.714 and 0.286, both benefits. The weighted matrix is 0.5703 0.2124 / 0.3355 0.1593 / 0.2684 0.1062
// (sqrt(453) and sqrt(261) normalise the columns); the first alternative is the ideal (closeness 1), the last
// the anti-ideal (0), and the middle one 0.0856 / (0.2407 + 0.0856) = 0.2623.
TEST(Weights, TopsisVectorNormalisationByHand) {
  const std::vector<double> x = {17, 12, 10, 9, 8, 6};
  const std::vector<double> w = {0.714, 0.286};
  const std::vector<Direction> dir = {Direction::kBenefit, Direction::kBenefit};
  const std::vector<double> c = Topsis(x, 3, 2, w, dir);
  EXPECT_NEAR(c[0], 1.0, 1e-12);
  EXPECT_NEAR(c[1], 0.2623, 0.0005);
  EXPECT_NEAR(c[2], 0.0, 1e-12);
}

TEST(Weights, GreyRelationalIdealScoresOne) {
  // Region 0 is the ideal on both columns: every coefficient is 1.
  const std::vector<double> x = {1, 1, 0, 0.5, 0.5, 0};
  const std::vector<double> g = GreyRelational(x, 3, 2, std::vector<double>{0.5, 0.5});
  EXPECT_NEAR(g[0], 1.0, 1e-12);
  // Region 1: deltas 1 and 0.5, dmin 0, dmax 1: xi = 0.5/1.5 and 0.5/1.0.
  EXPECT_NEAR(g[1], 0.5 * (0.5 / 1.5) + 0.5 * 0.5, 1e-12);
  EXPECT_GT(g[1], g[2] - 1.0);
}

// Issue 16: efficacy with the indicator's own satisfactory and excellent values, not the data's min and max:
// the textbook case x = 5.81, x_s = 6, x_h = 12 scores 58.73 (below 60, which min-max references cannot
// give).
TEST(Weights, EfficacyAndMinMaxWithFixedThresholds) {
  const Thresholds t{6, 12};
  const std::vector<double> x = {5.81, 6, 9, 12, 13.5};
  const std::vector<double> e =
      *Standardise(x, Direction::kBenefit, Standardisation::kEfficacy, false, 100, t);
  EXPECT_NEAR(e[0], 58.7333333333, 1e-9);
  EXPECT_NEAR(e[1], 60, 1e-12);
  EXPECT_NEAR(e[2], 80, 1e-12);
  EXPECT_NEAR(e[3], 100, 1e-12);
  EXPECT_NEAR(e[4], 110, 1e-12);  // past excellent
  // The scores do not depend on the other regions: the same value scores the same in any data set or year.
  EXPECT_NEAR(Standardise(std::vector<double>{5.81, 100}, Direction::kBenefit, Standardisation::kEfficacy,
                          false, 100, t)
                  ->front(),
              e[0], 1e-12);
  // A cost indicator: excellent below satisfactory (PUE: 1.5 satisfactory, 1.2 excellent).
  const std::vector<double> pue = *Standardise(std::vector<double>{1.5, 1.35, 1.6}, Direction::kCost,
                                               Standardisation::kEfficacy, false, 100, Thresholds{1.5, 1.2});
  EXPECT_NEAR(pue[0], 60, 1e-9);
  EXPECT_NEAR(pue[1], 80, 1e-9);
  EXPECT_NEAR(pue[2], 60 - 40.0 / 3, 1e-9);
  const std::vector<double> m = *Standardise(x, Direction::kBenefit, Standardisation::kMinMax, false, 100, t);
  EXPECT_NEAR(m[2], 50, 1e-12);
  EXPECT_LT(m[0], 0);
}

TEST(Weights, StandardisationMethods) {
  const std::vector<double> x = {2, 4, 6};
  EXPECT_EQ(*Standardise(x, Direction::kBenefit, Standardisation::kMinMax, false, 100),
            (std::vector<double>{0, 50, 100}));
  EXPECT_EQ(*Standardise(x, Direction::kCost, Standardisation::kMinMax, false, 100),
            (std::vector<double>{100, 50, 0}));
  EXPECT_EQ(*Standardise(x, Direction::kBenefit, Standardisation::kEfficacy, false, 100),
            (std::vector<double>{60, 80, 100}));
  const std::vector<double> z = *Standardise(x, Direction::kBenefit, Standardisation::kZScore, false, 100);
  EXPECT_NEAR(z[0], -1.224744871, 1e-9);
  EXPECT_NEAR(z[1], 0, 1e-12);
  EXPECT_EQ(*Standardise(x, Direction::kBenefit, Standardisation::kZScore, true, 100),
            (std::vector<double>{0, 50, 100}));
  const std::vector<double> v = *Standardise(x, Direction::kBenefit, Standardisation::kVector, false, 1);
  EXPECT_NEAR(v[2], 6 / std::sqrt(56.0), 1e-12);
  const std::vector<double> s = *Standardise(x, Direction::kCost, Standardisation::kShareOfMax, false, 100);
  EXPECT_NEAR(s[0], 100, 1e-12);
  EXPECT_NEAR(s[2], 100.0 / 3, 1e-12);
  EXPECT_FALSE(
      Standardise(std::vector<double>{0, 1}, Direction::kCost, Standardisation::kShareOfMax, false, 100));
  // A constant column carries no information: every region gets the top score.
  EXPECT_EQ(
      *Standardise(std::vector<double>{3, 3}, Direction::kBenefit, Standardisation::kMinMax, false, 100),
      (std::vector<double>{100, 100}));
}

}  // namespace
}  // namespace zhisuan::index
