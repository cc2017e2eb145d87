#include "core/config.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace iwsi {
namespace {

// The 1-based line of the `occurrence`-th `key = ...` inside `[section]` of an INI file; 0 if none.
int ini_line_of(const std::string& file, const std::string& qualified, int occurrence = 1) {
  const size_t dot = qualified.rfind('.');
  const std::string section = dot == std::string::npos ? "" : qualified.substr(0, dot);
  const std::string key = dot == std::string::npos ? qualified : qualified.substr(dot + 1);
  std::ifstream in(file);
  std::string line, current;
  for (int number = 1; std::getline(in, line); ++number) {
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos) continue;
    if (line[start] == '[') {
      current = line.substr(start + 1, line.find(']') - start - 1);
      continue;
    }
    const size_t end = line.find_first_of(" \t=", start);
    if (current == section && line.substr(start, end - start) == key && --occurrence == 0) return number;
  }
  return 0;
}

// Boost's INI reader reports a malformed line without its number; this finds it first.
void check_ini_syntax(const std::string& path) {
  std::ifstream in(path);
  IWSI_CHECK(in, "cannot read config file ", path);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const size_t start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#' || line[start] == ';') continue;
    if (line[start] == '[') {
      IWSI_CHECK(line.find(']', start) != std::string::npos, path, ":", number, ": section header without ']': ", line);
      continue;
    }
    const size_t equals = line.find('=');
    IWSI_CHECK(equals != std::string::npos, path, ":", number, ": expected 'key = value', found: ", line);
    IWSI_CHECK(equals > start, path, ":", number, ": a value without a key: ", line);
  }
}

// "--temperature" -> "--sampling.temperature" when exactly one option of the job ends in ".temperature".
std::vector<std::string> expand_short_names(const std::string& job, const po::options_description& options,
                                            std::vector<std::string> args) {
  const std::set<std::string> names = option_names(options);
  for (std::string& arg : args) {
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) continue;
    const size_t equals = arg.find('=');
    const std::string name = arg.substr(2, equals == std::string::npos ? std::string::npos : equals - 2);
    if (names.count(name)) continue;
    std::vector<std::string> matches;
    for (const std::string& candidate : names)
      if (candidate.size() > name.size() && candidate.compare(candidate.size() - name.size(), name.size(), name) == 0 &&
          candidate[candidate.size() - name.size() - 1] == '.')
        matches.push_back(candidate);
    if (matches.size() == 1) {
      arg = "--" + matches[0] + (equals == std::string::npos ? "" : arg.substr(equals));
    } else if (matches.size() > 1) {
      std::string list;
      for (const std::string& m : matches) list += " --" + m;
      fail("iwsi ", job, ": option --", name, " is ambiguous; use one of:", list);
    }
  }
  return args;
}

void store_config_file(const std::string& job, const std::string& path, const po::options_description& options,
                       const std::set<std::string>& known_options, po::variables_map& values) {
  std::ifstream in(path);
  IWSI_CHECK(in, "iwsi ", job, ": cannot read config file ", path);
  check_ini_syntax(path);
  po::parsed_options parsed(&options);
  try {
    parsed = po::parse_config_file(in, options, /*allow_unregistered=*/true);
  } catch (const po::error& e) {
    fail(path, ": ", e.what());
  }
  std::set<std::string> from_command_line, seen;
  for (const auto& [name, value] : values)
    if (!value.defaulted()) from_command_line.insert(name);
  std::vector<po::option> mine;
  for (const po::option& option : parsed.options) {
    if (!option.unregistered) {
      // The command line replaces a file's value, lists included (a composing option such as
      // --sampling.stop would otherwise add to the file's list).
      if (from_command_line.count(option.string_key)) continue;
      const bool list = options.find(option.string_key, false).semantic()->is_composing();
      if (!seen.insert(option.string_key).second && !list) {
        const int first = ini_line_of(path, option.string_key), line = ini_line_of(path, option.string_key, 2);
        fail(path, line ? ":" + std::to_string(line) : std::string(), ": option '", option.string_key,
             "' is given more than once", first ? " (first at line " + std::to_string(first) + ")" : std::string());
      }
      mine.push_back(option);
    } else if (!known_options.count(option.string_key) && option.string_key.rfind("slurm.", 0) != 0) {
      // [slurm] is slurm/submit.sh's (sbatch resources), so one config serves both ways of running.
      const int line = ini_line_of(path, option.string_key);
      fail(path, line ? ":" + std::to_string(line) : std::string(), ": unknown option '", option.string_key,
           "' (no iwsi job has it; see iwsi ", job, " --help)");
    }
  }
  // Stored one option at a time, so that a bad value is reported with its line.
  for (const po::option& option : mine) {
    po::parsed_options one(&options);
    one.options = {option};
    try {
      po::store(one, values);
    } catch (const po::error& e) {
      const int line = ini_line_of(path, option.string_key);
      fail(path, line ? ":" + std::to_string(line) : std::string(), ": ", e.what());
    }
  }
}

std::string value_text(const boost::any& value) {
  auto number = [](double x) {
    char text[32];
    auto result = std::to_chars(text, text + sizeof text, x);
    return std::string(text, result.ptr);
  };
  if (auto* v = boost::any_cast<std::string>(&value)) return *v;
  if (auto* v = boost::any_cast<int>(&value)) return std::to_string(*v);
  if (auto* v = boost::any_cast<int64_t>(&value)) return std::to_string(*v);
  if (auto* v = boost::any_cast<double>(&value)) return number(*v);
  if (auto* v = boost::any_cast<bool>(&value)) return *v ? "true" : "false";
  return "<unprintable>";
}

}  // namespace

std::vector<std::string> option_value_texts(const po::variable_value& value) {
  if (auto* list = boost::any_cast<std::vector<std::string>>(&value.value())) return *list;
  if (auto* list = boost::any_cast<std::vector<int64_t>>(&value.value())) {
    std::vector<std::string> texts;
    for (int64_t item : *list) texts.push_back(std::to_string(item));
    return texts;
  }
  return {value_text(value.value())};
}

std::set<std::string> option_names(const po::options_description& options) {
  std::set<std::string> names;
  for (const auto& option : options.options()) names.insert(option->long_name());
  return names;
}

ParsedOptions parse_job_options(const std::string& job, const po::options_description& job_options,
                                const std::vector<std::string>& args, const std::set<std::string>& known_options) {
  po::options_description generic;
  generic.add_options()("help,h", "print the options of this job with their defaults and exit")(
      "config", po::value<std::string>(), "INI file with a [section] per option group; the command line wins");
  po::options_description all;
  all.add(generic).add(job_options);

  ParsedOptions parsed;
  try {
    const auto style = po::command_line_style::unix_style ^ po::command_line_style::allow_guessing;
    po::store(po::command_line_parser(expand_short_names(job, job_options, args)).options(all).style(style).run(),
              parsed.values);
  } catch (const po::error& e) {
    fail("iwsi ", job, ": ", e.what(), " (see iwsi ", job, " --help)");
  }
  if (parsed.values.count("help")) {
    parsed.help = true;
    return parsed;
  }
  if (parsed.values.count("config")) {
    parsed.config_file = parsed.values["config"].as<std::string>();
    store_config_file(job, parsed.config_file, job_options, known_options, parsed.values);
  }
  try {
    po::notify(parsed.values);
  } catch (const po::error& e) {
    fail("iwsi ", job, ": ", e.what(), " (see iwsi ", job, " --help)");
  }
  parsed.effective_ini = to_ini(job_options, parsed.values);
  return parsed;
}

std::string to_ini(const po::options_description& options, const po::variables_map& values) {
  std::ostringstream out;
  std::string section = "\x01";
  for (const auto& option : options.options()) {
    const std::string& name = option->long_name();
    const size_t dot = name.rfind('.');
    const std::string this_section = dot == std::string::npos ? "" : name.substr(0, dot);
    if (!values.count(name)) continue;
    if (this_section != section) {  // a header only for sections with a value
      out << (section == "\x01" ? "" : "\n") << "[" << this_section << "]\n";
      section = this_section;
    }
    const std::string key = name.substr(dot + 1);
    for (const std::string& item : option_value_texts(values[name])) out << key << " = " << item << "\n";
  }
  return out.str();
}

std::string result_settings(const std::string& ini) {
  std::istringstream in(ini);
  std::string line, section, kept;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '[') section = line;
    if (section != "[runtime]") kept += line + "\n";
  }
  return kept;
}

void check_range(const std::string& name, double value, double low, double high, bool low_open) {
  const bool ok = (low_open ? value > low : value >= low) && value <= high;
  if (!ok) {
    std::ostringstream interval;
    interval << (low_open ? "(" : "[") << low << ", " << high << "]";
    fail("option --", name, "=", value, " is outside ", interval.str());
  }
}

std::string unescape(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      const char next = text[++i];
      out += next == 'n' ? '\n' : next == 't' ? '\t' : next == 's' ? ' ' : next;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string escape(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool edge = i == 0 || i + 1 == text.size();  // where an INI reader would trim a space
    out += c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\\' ? "\\\\" : c == ' ' && edge ? "\\s" : std::string(1, c);
  }
  return out;
}

}  // namespace iwsi
