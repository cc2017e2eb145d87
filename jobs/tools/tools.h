// The subcommands that are not batch jobs (tools.cc): they run without MPI, for the Slurm scripts.
#pragma once

#include <string>
#include <vector>

namespace iwsi {

bool is_tool(const std::string& name);
int run_tool(const std::vector<std::string>& args);  // args[0] = the tool's name; returns the exit code

}  // namespace iwsi
