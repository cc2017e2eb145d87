// DS weights; see ds_weight.h.
#include "select/ds_weight.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace iwsi {
namespace {

constexpr double kCodeMaxWPrime = 2;   // the released code clips w' to [0, 2]
constexpr double kCodeMaxInverse = 5;  // ... and we cap 1/w' at 5 in the same mode

bool positive_finite(double x) { return std::isfinite(x) && x > 0; }

}  // namespace

DsWeight ds_weight(double loss, double valid_mean_loss, DsCaps caps, DsSide side) {
  IWSI_CHECK(positive_finite(loss), "loss must be finite and > 0, got ", loss);
  IWSI_CHECK(positive_finite(valid_mean_loss), "valid mean loss must be finite and > 0, got ", valid_mean_loss);
  double w_prime = valid_mean_loss / loss;
  double inverse = 1 / w_prime;
  if (caps == DsCaps::code) {
    w_prime = std::min(w_prime, kCodeMaxWPrime);
    inverse = std::min(1 / w_prime, kCodeMaxInverse);
  }
  DsWeight weight{w_prime, std::max(w_prime, inverse)};
  // One-sided variants: the other side counts as "not shifted" (weight 1).
  if (side == DsSide::high) weight.w_ds = w_prime < 1 ? inverse : 1;
  if (side == DsSide::low) weight.w_ds = w_prime > 1 ? w_prime : 1;
  return weight;
}

double valid_mean_loss(const std::vector<double>& valid_losses) {
  IWSI_CHECK(!valid_losses.empty(), "valid mean loss: no valid losses");
  double sum = 0;
  for (size_t i = 0; i < valid_losses.size(); ++i) {
    IWSI_CHECK(positive_finite(valid_losses[i]), "valid sample ", i, ": loss must be finite and > 0, got ",
               valid_losses[i]);
    sum += valid_losses[i];
  }
  return sum / static_cast<double>(valid_losses.size());
}

DsCaps parse_ds_caps(std::string_view name) {
  if (name == "none") return DsCaps::none;
  if (name == "code") return DsCaps::code;
  fail("unknown ds_caps \"", name, "\" (valid: none, code)");
}

DsSide parse_ds_side(std::string_view name) {
  if (name == "both") return DsSide::both;
  if (name == "high") return DsSide::high;
  if (name == "low") return DsSide::low;
  fail("unknown ds_side \"", name, "\" (valid: both, high, low)");
}

}  // namespace iwsi
