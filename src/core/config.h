// Options of a job from its command line and an INI file (Boost.Program_options).
//
// Every option is named "section.key" and lives in the INI section [section]; one INI file can hold
// the sections of every job (configs/demo.ini). The command line overrides the file. On the
// command line the section may be left out when the key is unambiguous for the job
// (`iwsi decode --temperature 0.7` is `--sampling.temperature 0.7`).
//
// Rejected, with a message naming the option (and file:line for the INI file): options no job
// knows (typos), options given twice on the command line, malformed values, missing required
// options. Range checks are done by whoever turns the values into a typed config (check_range).
#pragma once

#include <boost/program_options.hpp>
#include <set>
#include <string>
#include <vector>

namespace iwsi {
namespace po = boost::program_options;

struct ParsedOptions {
  po::variables_map values;
  std::string effective_ini;  // every option of the job with its final value, by section
  std::string config_file;    // "" when none was given
  bool help = false;          // --help was asked: print usage, run nothing
};

// `args`: the arguments after the job name. `known_options`: the names of every option of every
// job, so sections meant for other jobs in a shared INI file are accepted and typos are not.
ParsedOptions parse_job_options(const std::string& job, const po::options_description& job_options,
                                const std::vector<std::string>& args, const std::set<std::string>& known_options);

// Names of the options in a description ("section.key").
std::set<std::string> option_names(const po::options_description& options);

// An option's value as the text(s) that parse back to it (one per element for lists).
std::vector<std::string> option_value_texts(const po::variable_value& value);

// The job's options as INI text, grouped by section, in declaration order.
std::string to_ini(const po::options_description& options, const po::variables_map& values);

// The INI text without its [runtime] section (threads): the settings that decide a job's results,
// for comparing configurations (resume fingerprints, `iwsi run`'s up-to-date check).
std::string result_settings(const std::string& ini);

// Throws "option --name=<value> is outside <interval>" unless low (<)<= value <= high.
void check_range(const std::string& name, double value, double low, double high, bool low_open = false);

// Undoes the escapes \n \t \s \\ that let INI values and shell arguments hold newlines ("\nQ:")
// and a first or last space, which INI readers trim ("\nScore:\s" for "\nScore: ").
std::string unescape(const std::string& text);
// The inverse: newlines, tabs and backslashes written as \n \t \\, a first or last space as \s
// (for defaults shown in --help and stored in INI files, which hold one value per line).
std::string escape(const std::string& text);

}  // namespace iwsi
