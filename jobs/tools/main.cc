// `iwsi-tools TOOL ...`: the tools of tools.h in a small executable without libtorch, which starts in
// milliseconds where `iwsi` takes most of a second to load libtorch: the Slurm submit scripts ask
// it dozens of questions per submission. `iwsi TOOL ...` runs the same code.
#include <cstdio>

#include "tools/tools.h"

int main(int argc, char** argv) {
  if (argc < 2 || !iwsi::is_tool(argv[1])) {
    std::fprintf(stderr,
                 "usage: iwsi-tools complete PATH...  |  iwsi-tools ini get FILE SECTION.KEY [DEFAULT]  |\n"
                 "       iwsi-tools ini strip FILE OUT SECTION...  |  iwsi-tools strategies\n");
    return 2;
  }
  return iwsi::run_tool({argv + 1, argv + argc});
}
