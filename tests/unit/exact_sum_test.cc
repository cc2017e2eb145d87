// ExactSum: the correctly rounded value of the exact sum of doubles, in any order. Checked against
// an independent exact algorithm (Shewchuk's non-overlapping partials, as Python's math.fsum does it)
// and against cases whose rounding follows from the definition of round-to-nearest-even.
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <random>

#include "dist/exact_sum.h"
#include "expect_error.h"

namespace iwsi {
namespace {

// Shewchuk's algorithm with the half-way correction of CPython's math_fsum (no overflow handling).
double fsum_reference(const std::vector<double>& values) {
  std::vector<double> partials;
  for (double x : values) {
    size_t i = 0;
    for (double y : partials) {
      if (std::fabs(x) < std::fabs(y)) std::swap(x, y);
      const double hi = x + y, lo = y - (hi - x);
      if (lo != 0) partials[i++] = lo;
      x = hi;
    }
    partials.resize(i);
    partials.push_back(x);
  }
  if (partials.empty()) return 0;
  size_t n = partials.size();
  double hi = partials[--n], lo = 0;
  while (n > 0) {
    const double x = hi, y = partials[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo != 0) break;
  }
  if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
    const double y = lo * 2, x = hi + y;
    if (y == x - hi) hi = x;
  }
  return hi;
}

std::vector<double> wild_values(std::mt19937_64& rng, int n) {
  std::uniform_real_distribution<double> unit(-1, 1);
  std::uniform_int_distribution<int> exponent(-60, 60), kind(0, 9);
  std::vector<double> v;
  for (int i = 0; i < n; ++i) {
    const int k = kind(rng);
    if (k == 0) v.push_back(std::ldexp(unit(rng), -1070));           // subnormal range
    else if (k == 1) v.push_back(std::ldexp(unit(rng), 900));        // huge
    else if (k == 2 && !v.empty()) v.push_back(-v[rng() % v.size()]);  // a cancellation
    else v.push_back(std::ldexp(unit(rng), exponent(rng)));
  }
  return v;
}

TEST(ExactSum, EqualsTheCorrectlyRoundedSumOfAnIndependentExactAlgorithm) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    const std::vector<double> v = wild_values(rng, 1 + trial % 40);
    const double want = fsum_reference(v);
    EXPECT_EQ(exact_sum(v), want) << "trial " << trial;  // bit for bit (EXPECT_EQ on doubles is exact)
  }
}

TEST(ExactSum, HasTheSameBitsInEveryOrder) {
  std::mt19937_64 rng(11);
  std::vector<double> v = wild_values(rng, 200);
  const double first = exact_sum(v);
  for (int i = 0; i < 20; ++i) {
    std::shuffle(v.begin(), v.end(), rng);
    EXPECT_EQ(exact_sum(v), first);
  }
}

TEST(ExactSum, RoundsOnceToNearestWithTiesToEven) {
  const double ulp_half = std::ldexp(1.0, -53);  // half an ulp of 1.0
  EXPECT_EQ(exact_sum({1e100, 1.0, -1e100}), 1.0) << "no intermediate rounding";
  EXPECT_EQ(exact_sum({1.0, ulp_half}), 1.0) << "a tie rounds to the even neighbour (1.0)";
  EXPECT_EQ(exact_sum({1.0 + 2 * ulp_half, ulp_half}), 1.0 + 4 * ulp_half) << "a tie rounds to even (up here)";
  EXPECT_EQ(exact_sum({1.0, ulp_half, std::ldexp(1.0, -100)}), 1.0 + 2 * ulp_half) << "just above a tie rounds up";
  EXPECT_EQ(exact_sum({1.0, ulp_half, -std::ldexp(1.0, -100)}), 1.0) << "just below a tie rounds down";
  EXPECT_EQ(exact_sum({-1.0, -ulp_half, -std::ldexp(1.0, -100)}), -(1.0 + 2 * ulp_half)) << "symmetric for negatives";
}

TEST(ExactSum, IsExactForSubnormalsAndRefusesWhatIsNotFinite) {
  const double tiny = std::ldexp(1.0, -1074);
  EXPECT_EQ(exact_sum(std::vector<double>(1000, tiny)), 1000 * tiny);
  EXPECT_EQ(exact_sum({DBL_MIN, -tiny}), DBL_MIN - tiny);
  EXPECT_EQ(exact_sum({}), 0.0);
  EXPECT_EQ(exact_sum({DBL_MAX, -DBL_MAX, 1.5}), 1.5);
  testing::expect_error([] { exact_sum({1.0, std::nan("")}); }, {"not finite"});
  testing::expect_error([] { exact_sum({1.0, INFINITY}); }, {"not finite"});
  testing::expect_error([] { exact_sum({DBL_MAX, DBL_MAX}); }, {"overflows"});
}

}  // namespace
}  // namespace iwsi
