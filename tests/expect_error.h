// Checks of iwsi::Error messages (error messages are part of the specification: they name the
// file, tensor or option at fault): expect_error(fn, {"piece", ...}), error_of(action),
// EXPECT_ERROR_CONTAINS(statement, "text").
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

// The message of the iwsi::Error that `action` throws ("" if it throws none).
template <class Action>
std::string error_of(Action action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace iwsi::testing

// EXPECT_ERROR_CONTAINS(statement, "text"): the statement throws an iwsi::Error saying "text".
#define EXPECT_ERROR_CONTAINS(action, text) \
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, text, ::iwsi::testing::error_of([&] { action; }))
