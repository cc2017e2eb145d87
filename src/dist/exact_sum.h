// Sums of doubles without rounding error: the correctly rounded value of the exact sum, whatever
// the order of the terms or how they are split over ranks. The valid-set mean loss (DS weights)
// and the logged training loss go through it, so they are bit-identical for any rank count.
//
// A fixed-point accumulator wide enough for every finite double (2^-1074 .. 2^1024): 66 limbs of 32
// bits, kept in int64 so that 2^30 terms (or ranks) can be added before a carry is needed.
// Integer addition is exact and associative, so partial sums all-reduce with MPI_SUM unchanged.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace iwsi {

class ExactSum {
 public:
  static constexpr int kLimbs = 68;  // 66 for the range, 2 of headroom for carries of sums

  void add(double value);  // throws iwsi::Error for NaN or infinity
  // The exact sum rounded once to the nearest double (ties to even); throws if it overflows.
  double value() const;
  // Collective: the exact sum of every rank's terms, on every rank.
  ExactSum allreduce() const;

 private:
  void normalize();  // limbs 0..kLimbs-2 in [0, 2^32); the top limb carries the sign
  std::array<int64_t, kLimbs> limbs_{};
  int64_t pending_ = 0;  // terms added since the last normalize()
};

double exact_sum(const std::vector<double>& values);

// Collective: the correctly rounded sum of every rank's values (exact_sum of their union).
double exact_allreduce_sum(const std::vector<double>& local_values);

}  // namespace iwsi
