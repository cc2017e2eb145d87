// expect_error(fn, {"piece", ...}): fn must throw iwsi::Error whose message contains every piece
// (error messages are part of the specification: they name the file, tensor or option at fault).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/error.h"

namespace iwsi::testing {

inline void expect_error(const std::function<void()>& fn, const std::vector<std::string>& pieces) {
  try {
    fn();
    ADD_FAILURE() << "no iwsi::Error thrown; expected one mentioning " << pieces[0];
  } catch (const Error& e) {
    for (const auto& p : pieces) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what() << "\n lacks: " << p;
  }
}

}  // namespace iwsi::testing
