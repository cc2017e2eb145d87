// The HDF5 store under MPI: every rank contributes its rows (uneven shares, one rank with none)
// to ONE file with collective writes; the file reads back identically with any sharding, in
// this process and with h5py; only commit() makes a file look finished.
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "dist/shard.h"
#include "dist/world.h"
#include "pipeline/candidates_file.h"
#include "pipeline/selection_file.h"
#include "pipeline/training_texts.h"
#include "store/attributes.h"
#include "store/columns.h"
#include "store/output_claim.h"
#include "store/output_file.h"
#include "store/provenance.h"
#include "shared_scratch.h"
#include "test_paths.h"

namespace iwsi {
namespace {

int rank() { return world_rank_or_zero(); }
int world_size() { return world_size_or_one(); }

using testing::shared_scratch;  // same directory on every rank

// Uneven shares: rank 1 contributes nothing, the others 2 + 3 * rank rows.
int64_t rows_of_rank(int r) { return r == 1 ? 0 : 2 + 3 * r; }
std::vector<int32_t> tokens_of(int64_t g) {
  std::vector<int32_t> row;
  for (int64_t j = 0; j < (g * 7) % 5; ++j) row.push_back(static_cast<int32_t>(1000 * g + j));
  return row;
}
std::string text_of(int64_t g) { return g % 4 == 0 ? "" : "question " + std::to_string(g) + " — ✓"; }

Provenance test_provenance() {
  Provenance p;
  p.job = "iwsi test";
  p.config = "[test]\nx = 1\n";
  p.ranks = world_size();
  p.started_at = "2026-11-21T00:00:00Z";
  return p;
}

std::string write_uneven_file(const std::string& dir) {
  const std::string path = dir + "/uneven.h5";
  const int64_t first = exclusive_scan_sum(rows_of_rank(rank()));
  std::vector<int64_t> index;
  Ragged<int32_t> tokens;
  TextColumn texts;
  for (int64_t g = first; g < first + rows_of_rank(rank()); ++g) {
    index.push_back(g);
    tokens.push_back(tokens_of(g));
    push_text(texts, text_of(g));
  }
  OutputFile out(path, "iwsi.test", 1, test_provenance());
  {
    H5Id table = h5_group(create_table(out.id(), "rows"), "rows");
    write_column(table, "index", index);
    write_ragged_column(table, "tokens", tokens);
    write_ragged_column(table, "text", texts);
    write_column(table, "empty", std::vector<double>{});
  }
  out.commit();
  return path;
}

int64_t total_rows() {
  int64_t total = 0;
  for (int r = 0; r < world_size(); ++r) total += rows_of_rank(r);
  return total;
}

TEST(Collectives, MatchClosedForms) {
  const int n = world_size();
  EXPECT_EQ(allreduce_sum(int64_t{rank()}), int64_t{n} * (n - 1) / 2);
  EXPECT_EQ(exclusive_scan_sum(int64_t{rank()} + 1), int64_t{rank()} * (rank() + 1) / 2);
  EXPECT_DOUBLE_EQ(allreduce_sum(0.5), 0.5 * n);
  EXPECT_EQ(allreduce_sum(std::vector<int64_t>{1, rank()}), (std::vector<int64_t>{n, int64_t{n} * (n - 1) / 2}));
  EXPECT_EQ(allreduce_max(int64_t{rank()}), n - 1);
  const auto names = allgather("rank" + std::string(static_cast<size_t>(rank()), '+'));
  ASSERT_EQ(static_cast<int>(names.size()), n);
  EXPECT_EQ(names.back(), "rank" + std::string(static_cast<size_t>(n - 1), '+'));
  EXPECT_EQ(broadcast(rank() == 0 ? "from zero" : "other"), "from zero");
  EXPECT_TRUE(any_rank(rank() == n - 1));
  EXPECT_EQ(all_ranks(rank() == 0), n == 1);
}

TEST(Store, UnevenCollectiveWriteReadsBackExactlyWithAnySharding) {
  const std::string path = write_uneven_file(shared_scratch("uneven"));
  H5Id file = open_output_for_read(path, "iwsi.test", 1);
  H5Id table = h5_group(H5Gopen2(file, "rows", H5P_DEFAULT), "rows");
  ASSERT_EQ(column_rows(table, "index"), total_rows());
  ASSERT_EQ(column_rows(table, "tokens"), total_rows());
  EXPECT_EQ(column_rows(table, "empty"), 0);
  // Whole file, then a different sharding (reversed ranks) than the one that wrote it.
  for (const ShardRange range : {ShardRange{0, total_rows()}, shard_of(total_rows(), world_size() - 1 - rank(), world_size())}) {
    const auto index = read_column<int64_t>(table, "index", range.begin, range.end);
    const auto tokens = read_ragged_column<int32_t>(table, "tokens", range.begin, range.end);
    const auto texts = read_ragged_column<char>(table, "text", range.begin, range.end);
    ASSERT_EQ(tokens.rows(), range.size());
    for (int64_t i = 0; i < range.size(); ++i) {
      EXPECT_EQ(index[i], range.begin + i);
      EXPECT_EQ(tokens.row(i), tokens_of(range.begin + i)) << "row " << range.begin + i;
      EXPECT_EQ(text_at(texts, i), text_of(range.begin + i));
    }
  }
}

TEST(Store, DebianH5pyReadsTheParallelFile) {
  const std::string path = write_uneven_file(shared_scratch("h5py"));
  if (rank() != 0) return;
  const std::string script = testing::scratch_dir("h5py") + "/check.py";
  std::ofstream(script) << "import sys, h5py\n"
                           "f = h5py.File(sys.argv[1], 'r')\n"
                           "assert f.attrs['complete'] == 1 and f.attrs['schema'] == 'iwsi.test', dict(f.attrs)\n"
                           "t = f['rows']\n"
                           "n = int(sys.argv[2])\n"
                           "assert list(t['index'][:]) == list(range(n))\n"
                           "off, val = t['tokens/offsets'][:], t['tokens/values'][:]\n"
                           "assert off[0] == 0 and len(off) == n + 1 and off[-1] == len(val)\n"
                           "for g in range(n):\n"
                           "    assert list(val[off[g]:off[g+1]]) == [1000*g + j for j in range((g*7) % 5)], g\n"
                           "to, tv = t['text/offsets'][:], t['text/values'][:].tobytes()\n"
                           "for g in range(n):\n"
                           "    want = '' if g % 4 == 0 else f'question {g} \\u2014 \\u2713'\n"
                           "    assert tv[to[g]:to[g+1]].decode() == want, g\n";
  const std::string command = "/usr/bin/python3 " + script + " " + path + " " + std::to_string(total_rows());
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

TEST(Store, OnlyCommitMakesAFileLookFinished) {
  const std::string path = shared_scratch("commit") + "/out.h5";
  {
    OutputFile out(path, "iwsi.test", 1, test_provenance());
    write_column(out.id(), "x", std::vector<int32_t>{rank()});
    barrier();
    EXPECT_FALSE(std::filesystem::exists(path));
    EXPECT_TRUE(std::filesystem::exists(temporary_path(path)));
    EXPECT_FALSE(is_complete_output(path, "iwsi.test"));
    try {
      open_output_for_read(path, "iwsi.test", 1);
      ADD_FAILURE() << "an unfinished file was opened";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("unfinished"), std::string::npos) << e.what();
    }
    barrier();
    out.commit();
  }
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(temporary_path(path)));
  EXPECT_TRUE(is_complete_output(path, "iwsi.test"));
  EXPECT_FALSE(is_complete_output(path, "iwsi.other"));
  H5Id file = open_output_for_read(path, "iwsi.test", 1);
  const Provenance p = read_provenance(file);
  EXPECT_EQ(p.job, "iwsi test");
  EXPECT_EQ(p.config, "[test]\nx = 1\n");
  EXPECT_EQ(p.ranks, world_size());
  EXPECT_TRUE(has_attribute(file, "finished_at"));
  EXPECT_THROW(open_output_for_read(path, "iwsi.test", 0), Error);  // newer than this reader
}

TEST(Store, InputsAreRecordedWithSizeAndSha256OnEveryRank) {
  const std::string model = testing::shared_dir() + "/models/stories260K";
  const auto records = describe_inputs({model + "/config.json", model});
  ASSERT_GE(records.size(), 5u);
  EXPECT_EQ(records[0].path, model + "/config.json");
  EXPECT_EQ(records[0].sha256, "ce5c7b06eae42ad63cda75a4d7e37ec2c537aa4196ceae94391cc8016f8c4cac");
  EXPECT_EQ(inputs_from_json(inputs_to_json(records)), records);
  const auto everyone = allgather(inputs_to_json(records));
  for (const std::string& other : everyone) EXPECT_EQ(other, everyone[0]);
  EXPECT_THROW(describe_inputs({model + "/no-such-file"}), Error);
}


// Overwrites element `row` of the offsets of ragged column rows/`column` (rank 0, then everyone).
void damage_offsets(const std::string& path, const std::string& column, hsize_t row, int64_t value) {
  barrier();
  if (rank() == 0) {
    H5Id file = h5_file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "opening " + path);
    H5Id offsets = h5_dataset(H5Dopen2(file, ("rows/" + column + "/offsets").c_str(), H5P_DEFAULT), "offsets");
    H5Id space = h5_space(H5Dget_space(offsets), "offsets");
    h5_check(H5Sselect_elements(space, H5S_SELECT_SET, 1, &row), "select");
    H5Id one = h5_space(H5Screate_simple(1, std::array<hsize_t, 1>{1}.data(), nullptr), "one");
    h5_check(H5Dwrite(offsets, H5T_NATIVE_INT64, one, space, H5P_DEFAULT, &value), "write");
  }
  barrier();
}

std::string error_reading_tokens(const std::string& path) {
  try {
    H5Id file = open_output_for_read(path, "iwsi.test", 1);
    H5Id table = h5_group(H5Gopen2(file, "rows", H5P_DEFAULT), "rows");
    read_ragged_column<int32_t>(table, "tokens", 0, column_rows(table, "tokens"));
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Store, DamagedRaggedOffsetsNameTheFileColumnAndRow) {
  const std::string dir = shared_scratch("damaged");
  std::string path = write_uneven_file(dir);
  ASSERT_EQ(error_reading_tokens(path), "no error");
  const int64_t n = total_rows();
  damage_offsets(path, "tokens", static_cast<hsize_t>(n), 1 << 30);  // the last offset, past the values
  std::string error = error_reading_tokens(path);
  EXPECT_NE(error.find("column /rows/tokens of " + path + ": offsets reach 1073741824 at row " + std::to_string(n - 1)),
            std::string::npos) << error;
  path = write_uneven_file(shared_scratch("damaged2"));
  damage_offsets(path, "tokens", 0, 3);
  error = error_reading_tokens(path);
  EXPECT_NE(error.find(path + ": offsets start at 3, not 0"), std::string::npos) << error;
  path = write_uneven_file(shared_scratch("damaged3"));
  damage_offsets(path, "tokens", 1, -1);  // row 0 now ends before it starts (every rank count has >= 2 rows)
  error = error_reading_tokens(path);
  EXPECT_NE(error.find(path + ": offsets decrease at row 0"), std::string::npos) << error;
}

std::string claim_error(const std::string& path, OutputKind kind, const std::vector<std::string>& inputs) {
  try {
    claim_output("test.output", path, kind, inputs);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(OutputClaim, RefusesInputsDirectoriesAndASecondWriterOnEveryRank) {
  const std::string dir = shared_scratch("claim");
  if (rank() == 0) {
    std::ofstream(dir + "/in.h5") << "input";
    std::filesystem::create_directories(dir + "/model");
  }
  barrier();
  EXPECT_NE(claim_error(dir + "/in.h5", OutputKind::file, {dir + "/in.h5"}).find("is also an input of this job"),
            std::string::npos);
  EXPECT_NE(claim_error(dir + "/model/out.h5", OutputKind::file, {dir + "/model"}).find("lies in the input directory"),
            std::string::npos);
  EXPECT_NE(claim_error(dir, OutputKind::directory, {dir + "/in.h5"}).find("holds the input"), std::string::npos);
  EXPECT_NE(claim_error(dir + "/model", OutputKind::file, {}).find("is a directory; give a file name"), std::string::npos);
  EXPECT_NE(claim_error(dir + "/in.h5", OutputKind::directory, {}).find("is a file; give a directory"), std::string::npos);
  {
    const OutputClaim held = claim_output("test.output", dir + "/out.h5", OutputKind::file, {dir + "/in.h5"});
    EXPECT_TRUE(std::filesystem::exists(dir + "/out.h5.lock"));
    const std::string second = claim_error(dir + "/out.h5", OutputKind::file, {});
    EXPECT_NE(second.find("another job is writing it now (" + dir + "/out.h5.lock is locked by pid"), std::string::npos)
        << second;
    barrier();
  }
  barrier();
  EXPECT_FALSE(std::filesystem::exists(dir + "/out.h5.lock"));  // released with the claim
  EXPECT_EQ(claim_error(dir + "/out.h5", OutputKind::file, {}), "no error");
}

TEST(Provenance, MadeFromChecksTheRecordedSha256NotTheName) {
  const std::string dir = shared_scratch("made_from");
  if (rank() == 0) {
    std::ofstream(dir + "/a.h5") << "candidates A";
    std::ofstream(dir + "/b.h5") << "candidates B";  // same size, other content
  }
  barrier();
  Provenance p = test_provenance();
  p.inputs = describe_inputs({dir + "/a.h5"});
  const std::string path = dir + "/weights.h5";
  {
    OutputFile out(path, "iwsi.test", 1, p);
    out.commit();
  }
  H5Id file = open_output_for_read(path, "iwsi.test", 1);
  EXPECT_NO_THROW(check_made_from(file, path, describe_inputs({dir + "/a.h5"})[0], "x.candidates"));
  try {
    check_made_from(file, path, describe_inputs({dir + "/b.h5"})[0], "x.candidates");
    ADD_FAILURE() << "weights of another file accepted";
  } catch (const Error& e) {
    const std::string error = e.what();
    EXPECT_NE(error.find(path + " was not made from --x.candidates=" + dir + "/b.h5"), std::string::npos) << error;
    EXPECT_NE(error.find("it records " + dir + "/a.h5"), std::string::npos) << error;
  }
}

// The training texts of a selection: exactly the kept rows, each with its own prompt, weight and
// generated ids, whether the candidate rows are read in one block or two at a time.
TEST(SelectionFile, TrainingTextsAreTheKeptRowsWithTheirIdsReadInAnyBlockSize) {
  const std::string dir = shared_scratch("selection_texts");
  const std::string candidates = dir + "/candidates.h5", selection = dir + "/selection.h5";
  const bool writer = rank() == 0;  // rank 0 holds every row, the others none (collective writes)
  {
    TextColumn prompts, texts;
    Ragged<int32_t> ids;
    std::vector<int64_t> question_of;
    std::vector<int32_t> sample_of;
    if (writer) {
      for (int q = 0; q < 3; ++q) push_text(prompts, "question " + std::to_string(q));
      for (int64_t row = 0; row < 10; ++row) {
        question_of.push_back(row / 4), sample_of.push_back(static_cast<int32_t>(row % 4));
        push_text(texts, "step " + std::to_string(row) + "\nThe answer is " + std::to_string(row) + ".");
        ids.push_back(tokens_of(row + 1));
      }
    }
    OutputFile out(candidates, kCandidatesSchema, kCandidatesVersion, test_provenance());
    {
      H5Id questions = h5_group(create_table(out.id(), "questions"), "questions");
      write_ragged_column(questions, "prompt", prompts);
      H5Id rows = h5_group(create_table(out.id(), "candidates"), "candidates");
      write_column(rows, "question_index", question_of);
      write_column(rows, "sample_index", sample_of);
      write_ragged_column(rows, "text", texts);
      write_ragged_column(rows, "token_ids", ids);
    }
    out.commit();
  }
  const std::vector<int64_t> kept = {1, 4, 5, 9};
  const std::vector<double> weights = {1.0, 0.5, 2.0, 1.0};
  {
    KeptRows mine;
    for (size_t i = 0; writer && i < kept.size(); ++i) {
      mine.row.push_back(kept[i]), mine.question_index.push_back(kept[i] / 4), mine.sample_index.push_back(kept[i] % 4);
      mine.weight.push_back(weights[i]), mine.w_ds.push_back(1.0);
    }
    SelectionSummary summary;
    summary.candidates = 10, summary.eligible = 10, summary.kept = 4;
    OutputFile out(selection, kSelectionSchema, kSelectionVersion, test_provenance());
    write_selection(out.id(), {"iwsi", 50, candidates}, mine, summary);
    out.commit();
  }
  EXPECT_EQ(selection_kept(selection), 4);
  const std::vector<TrainingText> whole = selected_candidate_texts(candidates, selection);
  const std::vector<TrainingText> in_pairs = selected_candidate_texts(candidates, selection, 2);
  ASSERT_EQ(whole.size(), kept.size());
  ASSERT_EQ(in_pairs.size(), kept.size());
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_NE(whole[i].prompt.find("question " + std::to_string(kept[i] / 4)), std::string::npos) << whole[i].prompt;
    EXPECT_NE(whole[i].answer.find("step " + std::to_string(kept[i])), std::string::npos) << whole[i].answer;
    EXPECT_EQ(whole[i].weight, weights[i]);
    EXPECT_EQ(whole[i].generated_ids, tokens_of(kept[i] + 1)) << "row " << kept[i];
    EXPECT_EQ(in_pairs[i].prompt, whole[i].prompt);
    EXPECT_EQ(in_pairs[i].answer, whole[i].answer);
    EXPECT_EQ(in_pairs[i].weight, whole[i].weight);
    EXPECT_EQ(in_pairs[i].generated_ids, whole[i].generated_ids);
  }
}

}  // namespace
}  // namespace iwsi
