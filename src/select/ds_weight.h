// The DS (distribution-shift) weight of ../shared/docs/IWSI.md section 3, with the optional caps of the
// paper's code and the one-sided variants of section 2:
//   w' = Lbar_v / L(x),  w_DS = max(w', 1/w')  (>= 1; larger = more shifted).
// Pure arithmetic on losses computed elsewhere; deliberately no model and no MPI.
#pragma once

#include <string_view>
#include <vector>

namespace iwsi {

enum class DsCaps { none, code };       // code: clip w' to [0, 2] and cap 1/w' at 5
enum class DsSide { both, high, low };  // high: only losses above the valid mean count as shifted

struct DsWeight {
  double w_prime = 1;  // Lbar_v / L(x), clipped under DsCaps::code
  double w_ds = 1;     // the ranking key, >= 1
};

// Throws iwsi::Error when loss is not finite and > 0, or the valid mean is not finite and > 0.
DsWeight ds_weight(double loss, double valid_mean_loss, DsCaps caps = DsCaps::none, DsSide side = DsSide::both);

// Lbar_v: the plain mean of the valid samples' (per-sample mean) losses; throws on an empty
// list or a loss that is not finite and > 0, naming the valid sample's position.
double valid_mean_loss(const std::vector<double>& valid_losses);

// "none" / "code" and "both" / "high" / "low", for config values; unknown names throw.
DsCaps parse_ds_caps(std::string_view name);
DsSide parse_ds_side(std::string_view name);

}  // namespace iwsi
