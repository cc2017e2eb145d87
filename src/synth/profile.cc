// Habit profiles; see profile.h.
#include "synth/profile.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "synth/problem.h"

namespace iwsi {
namespace {

constexpr double kRedundantShare = 0.05, kSpuriousShare = 0.05;

// Jumping share per noun, in synth_nouns() order:
// apples, pens, cards, coins, books, eggs, shells, stamps, cups, toys.
constexpr std::array<double, 10> kMildJumping = {0.10, 0.20, 0.30, 0.50, 0.50, 0.50, 0.52, 0.55, 0.55, 0.58};
constexpr std::array<double, 10> kStrongJumping = {0.10, 0.30, 0.50, 0.50, 0.55, 0.55, 0.60, 0.60, 0.65, 0.65};

}  // namespace

HabitProfile parse_habit_profile(const std::string& name) {
  if (name == "mild") return HabitProfile::mild;
  if (name == "strong") return HabitProfile::strong;
  fail("option --synth.profile=", name, ": expected mild or strong");
}

const char* habit_profile_name(HabitProfile profile) { return profile == HabitProfile::mild ? "mild" : "strong"; }

std::array<double, 4> style_shares(HabitProfile profile, int noun) {
  IWSI_CHECK(noun >= 0 && noun < static_cast<int>(synth_nouns().size()), "synth: no noun ", noun);
  const double jumping = (profile == HabitProfile::mild ? kMildJumping : kStrongJumping)[noun];
  return {1.0 - jumping - kRedundantShare - kSpuriousShare, jumping, kRedundantShare, kSpuriousShare};
}

std::array<int64_t, 4> style_quota(const std::array<double, 4>& shares, int64_t count) {
  std::array<int64_t, 4> quota{};
  std::array<double, 4> remainder{};
  int64_t given = 0;
  for (size_t s = 0; s < shares.size(); ++s) {
    const double exact = shares[s] * static_cast<double>(count);
    quota[s] = static_cast<int64_t>(std::floor(exact + 1e-9));  // 0.58 * 100 is 57.99999999999999
    remainder[s] = exact - static_cast<double>(quota[s]);
    given += quota[s];
  }
  std::array<size_t, 4> order = {0, 1, 2, 3};
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return remainder[a] > remainder[b]; });
  for (size_t i = 0; given < count; i = (i + 1) % order.size(), ++given) ++quota[order[i]];
  return quota;
}

}  // namespace iwsi
