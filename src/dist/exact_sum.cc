#include "dist/exact_sum.h"

#include <cmath>
#include <cstring>

#include "core/error.h"
#include "dist/world.h"

namespace iwsi {
namespace {

constexpr int64_t kLimbBase = int64_t(1) << 32;
constexpr int64_t kNormalizeEvery = int64_t(1) << 30;  // terms (or ranks) per limb before a carry is due
constexpr int kLsbExponent = -1074;                      // limb 0, bit 0 is worth 2^-1074

int leading_zeros(unsigned __int128 x) {
  const uint64_t high = static_cast<uint64_t>(x >> 64), low = static_cast<uint64_t>(x);
  if (high) return __builtin_clzll(high);
  return low ? 64 + __builtin_clzll(low) : 128;
}

}  // namespace

void ExactSum::add(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  const int biased = static_cast<int>((bits >> 52) & 0x7ff);
  IWSI_CHECK(biased != 0x7ff, "exact sum: term ", value, " is not finite");
  const uint64_t fraction = bits & ((uint64_t(1) << 52) - 1);
  if (biased == 0 && fraction == 0) return;  // +-0
  // value = +-mantissa * 2^(shift - 1074): subnormals have no hidden bit and the exponent of 2^-1074.
  const uint64_t mantissa = biased == 0 ? fraction : fraction | (uint64_t(1) << 52);
  const int shift = biased == 0 ? 0 : biased - 1;
  const int limb = shift / 32;
  const unsigned __int128 placed = static_cast<unsigned __int128>(mantissa) << (shift % 32);  // < 2^84
  const int64_t sign = (bits >> 63) ? -1 : 1;
  for (int i = 0; i < 3; ++i)
    limbs_[limb + i] += sign * static_cast<int64_t>((placed >> (32 * i)) & 0xffffffffu);
  if (++pending_ >= kNormalizeEvery) normalize();
}

void ExactSum::normalize() {
  for (int i = 0; i + 1 < kLimbs; ++i) {
    const int64_t carry = limbs_[i] >= 0 ? limbs_[i] / kLimbBase : -((-limbs_[i] + kLimbBase - 1) / kLimbBase);
    limbs_[i] -= carry * kLimbBase;
    limbs_[i + 1] += carry;
  }
  pending_ = 0;
}

double ExactSum::value() const {
  ExactSum s = *this;
  s.normalize();
  const bool negative = s.limbs_[kLimbs - 1] < 0;  // the lower limbs are non-negative now
  if (negative) {
    for (int64_t& l : s.limbs_) l = -l;
    s.normalize();
  }
  int high = kLimbs - 1;
  while (high >= 0 && s.limbs_[high] == 0) --high;
  if (high < 0) return 0.0;
  IWSI_CHECK(high < kLimbs - 2, "exact sum: the sum overflows a double");
  // The top four limbs as one 128-bit integer; any bit below them only breaks ties.
  unsigned __int128 top = 0;
  for (int i = high; i >= high - 3; --i)
    top = (top << 32) | static_cast<uint64_t>(i >= 0 ? s.limbs_[i] : 0);
  bool sticky = false;
  for (int i = 0; i < high - 3; ++i) sticky = sticky || s.limbs_[i] != 0;
  const int top_lsb = 32 * (high - 3) + kLsbExponent;  // the exponent of bit 0 of `top`
  const int top_bit = 127 - leading_zeros(top);          // the highest set bit of `top`
  const int exponent = top_bit + top_lsb;                // of the sum's leading bit
  // 53 significant bits for a normal double, fewer for a subnormal one.
  const int keep = std::min(53, exponent + 1075);
  const int drop = top_bit + 1 - keep;
  double magnitude;
  if (drop <= 0) {
    magnitude = std::ldexp(static_cast<double>(static_cast<uint64_t>(top)), top_lsb);  // exact: < 2^53
  } else {
    uint64_t kept = static_cast<uint64_t>(top >> drop);
    const unsigned __int128 rest = top & ((static_cast<unsigned __int128>(1) << drop) - 1);
    const unsigned __int128 half = static_cast<unsigned __int128>(1) << (drop - 1);
    const bool up = rest > half || (rest == half && (sticky || (kept & 1)));  // nearest, ties to even
    kept += up ? 1 : 0;
    magnitude = std::ldexp(static_cast<double>(kept), top_lsb + drop);  // exact: kept <= 2^53
  }
  IWSI_CHECK(std::isfinite(magnitude), "exact sum: the sum overflows a double");
  return negative ? -magnitude : magnitude;
}

ExactSum ExactSum::allreduce() const {
  ExactSum out = *this;
  out.normalize();  // every limb below 2^32 in magnitude: 2^31 ranks can add without overflow
  if (world_size_or_one() > 1) allreduce_sum_in_place(out.limbs_.data(), kLimbs);
  out.pending_ = kNormalizeEvery - 1;  // the next add() normalizes
  return out;
}

double exact_sum(const std::vector<double>& values) {
  ExactSum s;
  for (double v : values) s.add(v);
  return s.value();
}

double exact_allreduce_sum(const std::vector<double>& local_values) {
  ExactSum s;
  for (double v : local_values) s.add(v);
  return s.allreduce().value();
}

}  // namespace iwsi
