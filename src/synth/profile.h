// The habit profiles of the synthetic task (shared/docs/DEMO.md "Results" and "Recommended demo
// defaults"): the share of each rationale style in the labeled (train) set, by object noun. The bad
// habit (jumping) depends on the noun; redundant and spurious are 5% each everywhere; the rest clean.
//   mild (default): apples 10%, pens 20%, cards 30%, coins..eggs 50%, shells 52%, stamps..cups 55%, toys 58%
//   strong:         apples 10%, pens 30%, cards..coins 50%, books..eggs 55%, shells..stamps 60%, cups..toys 65%
// Counts are exact quotas (largest remainder), not draws, so a split's proportions match the profile.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "synth/styles.h"

namespace iwsi {

enum class HabitProfile { mild, strong };

HabitProfile parse_habit_profile(const std::string& name);  // "mild" / "strong"; throws naming the option
const char* habit_profile_name(HabitProfile profile);

// Share of each style (indexed like kAllStyles) for noun `noun` (index into synth_nouns()); sums to 1.
std::array<double, 4> style_shares(HabitProfile profile, int noun);

// How many of `count` records get each style: floor(share * count), the remainder going to the
// largest fractional parts (ties: the earlier style). Sums to `count`.
std::array<int64_t, 4> style_quota(const std::array<double, 4>& shares, int64_t count);

}  // namespace iwsi
