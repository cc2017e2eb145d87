// The one exception type of the project and the checks that throw it.
// Library code never exits or aborts: it throws iwsi::Error with a message that names the file,
// line, option or tensor at fault, and the job boundary (jobs/main.cc) turns that into a clean,
// whole-job exit. Deliberately no error codes and no hierarchy of exception types.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace iwsi {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

namespace detail {
inline void append(std::ostringstream&) {}
template <class T, class... Rest>
void append(std::ostringstream& os, const T& first, const Rest&... rest) {
  os << first;
  append(os, rest...);
}
}  // namespace detail

// Builds a message from any streamable pieces: fail("bad value ", v, " in ", path).
template <class... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  std::ostringstream os;
  detail::append(os, parts...);
  throw Error(os.str());
}

}  // namespace iwsi

// IWSI_CHECK(cond, "message pieces", ...): throws iwsi::Error when cond is false.
#define IWSI_CHECK(cond, ...)                  \
  do {                                         \
    if (!(cond)) ::iwsi::fail(__VA_ARGS__);    \
  } while (0)

// IWSI_ASSERT(cond, ...): an internal invariant (a caller inside iwsi broke a function's contract:
// tensor shapes, matching sizes), not bad input. Its message carries the source file and line, so
// a report of it points at the code rather than at the user's files.
#define IWSI_ASSERT(cond, ...)                                                                      \
  do {                                                                                              \
    if (!(cond)) ::iwsi::fail("internal error at ", __FILE__, ":", __LINE__, ": ", __VA_ARGS__);   \
  } while (0)
