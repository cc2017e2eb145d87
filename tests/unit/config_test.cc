// Options: the command line overrides the INI file; typos, bad values and missing required
// options are rejected with messages that name the option (and the file:line).
#include <gtest/gtest.h>

#include <fstream>

#include "core/config.h"
#include "core/error.h"
#include "test_paths.h"

namespace iwsi {
namespace {

po::options_description sampling_options() {
  po::options_description options;
  options.add_options()
      ("sampling.temperature", po::value<double>()->default_value(1.0), "T")
      ("sampling.m", po::value<int>()->default_value(4), "samples")
      ("sampling.stop", po::value<std::vector<std::string>>()->composing(), "stop strings")
      ("decode.prompts", po::value<std::string>()->required(), "input")
      ("decode.seed", po::value<int64_t>()->default_value(1), "seed")
      ("train.seed", po::value<int64_t>()->default_value(2), "seed");
  return options;
}

std::string write_ini(const std::string& text) {
  const std::string path = testing::scratch_dir("config") + "/test.ini";
  std::ofstream(path) << text;
  return path;
}

std::string error_of(const std::vector<std::string>& args, const std::set<std::string>& known = {}) {
  try {
    parse_job_options("decode", sampling_options(), args, known);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Config, CommandLineOverridesIniFileWhichOverridesDefaults) {
  const std::string ini = write_ini("[sampling]\ntemperature = 0.7\nm = 8\n[decode]\nprompts = from_file.jsonl\n");
  const ParsedOptions parsed = parse_job_options("decode", sampling_options(),
                                                 {"--config", ini, "--sampling.m=3"}, {});
  EXPECT_DOUBLE_EQ(parsed.values["sampling.temperature"].as<double>(), 0.7);  // file
  EXPECT_EQ(parsed.values["sampling.m"].as<int>(), 3);                        // command line
  EXPECT_EQ(parsed.values["decode.prompts"].as<std::string>(), "from_file.jsonl");
  EXPECT_EQ(parsed.values["decode.seed"].as<int64_t>(), 1);                   // default
  EXPECT_EQ(parsed.config_file, ini);
}

TEST(Config, SectionCanBeLeftOutWhenTheKeyIsUnambiguous) {
  const ParsedOptions parsed =
      parse_job_options("decode", sampling_options(), {"--temperature", "0.5", "--prompts=p.jsonl"}, {});
  EXPECT_DOUBLE_EQ(parsed.values["sampling.temperature"].as<double>(), 0.5);
  EXPECT_NE(error_of({"--prompts=p", "--seed=3"}).find("--seed is ambiguous"), std::string::npos);
}

TEST(Config, EffectiveIniListsEveryValueBySection) {
  const ParsedOptions parsed = parse_job_options(
      "decode", sampling_options(), {"--prompts=p.jsonl", "--stop", "\\nQ:", "--stop", "END"}, {});
  EXPECT_EQ(parsed.effective_ini,
            "[sampling]\ntemperature = 1\nm = 4\nstop = \\nQ:\nstop = END\n\n[decode]\nprompts = p.jsonl\nseed = 1\n\n"
            "[train]\nseed = 2\n");
  EXPECT_EQ(unescape(parsed.values["sampling.stop"].as<std::vector<std::string>>()[0]), "\nQ:");
  for (const std::string text : {"\nQ: a\tb\\n", "plain", "", " ", "\nScore: ", " a b "}) EXPECT_EQ(unescape(escape(text)), text);
  EXPECT_EQ(escape("\nScore: "), "\\nScore:\\s");  // INI readers trim a last space; \s keeps it
  EXPECT_EQ(unescape("a\\sb"), "a b");
  EXPECT_EQ(escape("a\nb\\"), "a\\nb\\\\");
}

TEST(Config, UnknownCommandLineOptionIsRejected) {
  EXPECT_NE(error_of({"--prompts=p", "--sampling.temprature=2"}).find("unrecognised option '--sampling.temprature"),
            std::string::npos);
}

TEST(Config, SlurmSectionIsLeftToTheSubmitScript) {
  // One config file for `iwsi run` and slurm/submit.sh: [slurm] (sbatch resources) is not a job's.
  const std::string ini = write_ini("[slurm]\nmem = 16G\nqos = long\n[sampling]\nm = 5\n");
  const ParsedOptions parsed = parse_job_options("decode", sampling_options(), {"--config", ini, "--prompts=p"}, {});
  EXPECT_EQ(parsed.values["sampling.m"].as<int>(), 5);
  EXPECT_EQ(parsed.effective_ini.find("slurm"), std::string::npos);
}

TEST(Config, UnknownIniOptionIsRejectedWithFileAndLine) {
  const std::string ini = write_ini("[decode]\nprompts = p\n\n[sampling]\ntemprature = 2\n");
  const std::string error = error_of({"--config", ini});
  EXPECT_NE(error.find(ini + ":5: unknown option 'sampling.temprature'"), std::string::npos) << error;
}

TEST(Config, IniSectionsOfOtherJobsAreAccepted) {
  const std::string ini = write_ini("[decode]\nprompts = p\n[eval]\nsplit = test\n");
  EXPECT_EQ(error_of({"--config", ini}, {"eval.split"}), "no error");
}

TEST(Config, MalformedValueIsRejectedNamingTheOption) {
  EXPECT_NE(error_of({"--prompts=p", "--sampling.m=many"}).find("sampling.m"), std::string::npos);
  const std::string ini = write_ini("[decode]\nprompts = p\n[sampling]\ntemperature = hot\n");
  const std::string error = error_of({"--config", ini});
  EXPECT_NE(error.find(ini), std::string::npos) << error;
  EXPECT_NE(error.find("sampling.temperature"), std::string::npos) << error;
}

TEST(Config, MissingRequiredOptionIsRejected) {
  EXPECT_NE(error_of({}).find("decode.prompts"), std::string::npos);
}

TEST(Config, MalformedIniValueAndSyntaxNameTheLine) {
  const std::string value = write_ini("[decode]\nprompts = p\n[sampling]\nm = many\n");
  EXPECT_NE(error_of({"--config", value}).find(value + ":4:"), std::string::npos) << error_of({"--config", value});
  const std::string syntax = write_ini("[decode]\nprompts = p\n\nno equals sign here\n");
  EXPECT_NE(error_of({"--config", syntax}).find(syntax + ":4: expected 'key = value'"), std::string::npos)
      << error_of({"--config", syntax});
}

TEST(Config, IniKeyGivenTwiceIsRejectedAtItsSecondLine) {
  const std::string ini = write_ini("[decode]\nprompts = p\n[sampling]\nm = 2\ntemperature = 1\nm = 3\n");
  const std::string error = error_of({"--config", ini});
  EXPECT_NE(error.find(ini + ":6: option 'sampling.m' is given more than once (first at line 4)"), std::string::npos)
      << error;
}

TEST(Config, CommandLineListReplacesTheIniList) {
  const std::string ini = write_ini("[decode]\nprompts = p\n[sampling]\nstop = a\nstop = b\n");
  const ParsedOptions from_file = parse_job_options("decode", sampling_options(), {"--config", ini}, {});
  EXPECT_EQ(from_file.values["sampling.stop"].as<std::vector<std::string>>(), (std::vector<std::string>{"a", "b"}));
  const ParsedOptions replaced =
      parse_job_options("decode", sampling_options(), {"--config", ini, "--sampling.stop", "c"}, {});
  EXPECT_EQ(replaced.values["sampling.stop"].as<std::vector<std::string>>(), (std::vector<std::string>{"c"}));
}

TEST(Config, OptionGivenTwiceOnTheCommandLineIsRejected) {
  EXPECT_NE(error_of({"--prompts=a", "--prompts=b"}).find("more than once"), std::string::npos);
}

TEST(Config, HelpSkipsValidation) {
  EXPECT_TRUE(parse_job_options("decode", sampling_options(), {"--help"}, {}).help);
}

TEST(Config, RangeCheckNamesOptionAndInterval) {
  EXPECT_NO_THROW(check_range("filter.k", 100, 0, 100, /*low_open=*/true));
  try {
    check_range("filter.k", 0, 0, 100, true);
    FAIL() << "k = 0 accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "option --filter.k=0 is outside (0, 100]");
  }
  EXPECT_THROW(check_range("filter.k", 100.5, 0, 100, true), Error);
}

}  // namespace
}  // namespace iwsi
