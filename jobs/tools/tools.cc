// `iwsi-tools complete | ini | strategies` (also `iwsi TOOL`): what the Slurm submit scripts ask on a
// login node, answered by our own code, without MPI (nothing is started: no mpirun/srun, no MPI_Init) and
// without Python or h5py, which a cluster's login node often lacks.
//   iwsi complete PATH...                  1 or 0 per path, one per line: an .h5 path is complete when
//                                          it opens as HDF5 and its root attribute `complete` is 1
//                                          (docs/SCHEMA.md); any other path when it exists (markers
//                                          written by rename). Up to date is not checked here.
//   iwsi ini get FILE SECTION.KEY [DEFAULT]  the key's last value in FILE; without DEFAULT a missing
//                                          key is an error naming the file, section and key
//   iwsi ini strip FILE OUT SECTION...     FILE without those sections, written to OUT (the jobs
//                                          refuse options no job has; submit.sh drops [slurm] this way)
//   iwsi strategies                        one line per selection strategy: its name, then 0/1 for
//                                          uses_k, needs_weights, needs_judgments, needs_rm_scores
//                                          (select/strategy.h's table, so the scripts keep no copy)
// The INI reading is line-based on purpose, like the jobs' (Boost) dialect: `#` starts a comment
// anywhere, a key may repeat (the last one counts), sections need not be known.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/text.h"
#include "select/strategy.h"
#include "store/attributes.h"
#include "store/h5.h"
#include "tools/tools.h"

namespace iwsi {
namespace jobs::tools {  // named, not anonymous: jobs/ compiles as one unity file

namespace fs = std::filesystem;

bool is_complete(const std::string& path) {
  if (path.size() < 3 || path.compare(path.size() - 3, 3, ".h5") != 0) return fs::exists(path);
  if (!fs::is_regular_file(path)) return false;
  try {
    H5Id file = h5_file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "opening " + path);
    return has_attribute(file, "complete") && int_attribute(file, "complete") == 1;
  } catch (const Error&) {
    return false;  // not HDF5, truncated, or an attribute of another type
  }
}

// A line without its comment and surrounding whitespace.
std::string content_of(const std::string& line) { return trim_whitespace(line.substr(0, line.find('#'))); }

// True when the line opens a section, whose name is then put in `section`.
bool section_line(const std::string& line, std::string& section) {
  const std::string text = content_of(line);
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') return false;
  section = trim_whitespace(text.substr(1, text.size() - 2));
  return true;
}

std::ifstream open_ini(const std::string& path) {
  std::ifstream in(path);
  IWSI_CHECK(in.good(), "cannot read ", path);
  return in;
}

int ini_get(const std::string& path, const std::string& name, const std::string* fallback) {
  const size_t dot = name.rfind('.');
  const std::string want_section = dot == std::string::npos ? "" : name.substr(0, dot);
  const std::string want_key = dot == std::string::npos ? name : name.substr(dot + 1);
  std::ifstream in = open_ini(path);
  std::string line, section, value;
  bool found = false;
  while (std::getline(in, line)) {
    if (section_line(line, section)) continue;
    const std::string text = content_of(line);
    const size_t eq = text.find('=');
    if (eq == std::string::npos || section != want_section || trim_whitespace(text.substr(0, eq)) != want_key) continue;
    value = trim_whitespace(text.substr(eq + 1)), found = true;
  }
  IWSI_CHECK(found || fallback, path, ": option '", want_key, "' in [", want_section, "] is required");
  std::cout << (found ? value : *fallback) << "\n";
  return 0;
}

int ini_strip(const std::string& path, const std::string& out, const std::set<std::string>& drop) {
  std::ifstream in = open_ini(path);
  std::ostringstream kept;
  std::string line, section;
  while (std::getline(in, line)) {
    section_line(line, section);
    if (!drop.count(section)) kept << line << "\n";
  }
  write_file_atomically(out, kept.str());
  return 0;
}

int run(const std::vector<std::string>& args) {
  const auto usage = [] {
    fail("usage: iwsi complete PATH...  |  iwsi ini get FILE SECTION.KEY [DEFAULT]  |  "
         "iwsi ini strip FILE OUT SECTION...  |  iwsi strategies");
  };
  // The scripts ask while jobs may be writing: never wait on, or disturb, a job's open file.
  setenv("HDF5_USE_FILE_LOCKING", "FALSE", /*overwrite=*/0);
  if (args[0] == "strategies") {
    for (const StrategyTraits& t : strategy_table())
      std::cout << t.name << " " << t.uses_k << " " << t.needs_weights << " " << t.needs_judgments << " "
                << t.needs_rm_scores << "\n";
    return 0;
  }
  if (args[0] == "complete") {
    for (size_t i = 1; i < args.size(); ++i) std::cout << (is_complete(args[i]) ? 1 : 0) << "\n";
    return 0;
  }
  if (args.size() < 2) usage();
  if (args[1] == "get" && (args.size() == 4 || args.size() == 5))
    return ini_get(args[2], args[3], args.size() == 5 ? &args[4] : nullptr);
  if (args[1] == "strip" && args.size() >= 4)
    return ini_strip(args[2], args[3], std::set<std::string>(args.begin() + 4, args.end()));
  usage();
  return 2;
}

}  // namespace jobs::tools

bool is_tool(const std::string& name) { return name == "complete" || name == "ini" || name == "strategies"; }

int run_tool(const std::vector<std::string>& args) {
  try {
    return jobs::tools::run(args);
  } catch (const std::exception& e) {
    std::cerr << "iwsi " << args[0] << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace iwsi
