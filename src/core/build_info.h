// Facts about this build, for provenance. git_commit() is generated at build time by
// cmake/BuildInfo.cmake ("<sha>-dirty" for a tree with uncommitted changes, "unknown" outside git).
#pragma once

namespace iwsi {
const char* git_commit();
}  // namespace iwsi
