#include "pipeline/chunk_store.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "dist/world.h"
#include "store/attributes.h"
#include "store/output_file.h"

namespace iwsi {
namespace fs = std::filesystem;
namespace {

constexpr const char* kChunkSchema = "iwsi.chunk";

// The marker file holds the settings fingerprint, then the numerics' rounding key on a line of its
// own, so that a mismatch can say which of the two differs.
std::string claim_directory(const std::string& dir, const std::string& fingerprint, const std::string& numerics) {
  fs::create_directories(dir);
  const std::string marker = dir + "/fingerprint";
  if (fs::exists(marker)) {
    std::ifstream in(marker);
    std::string found, found_numerics;
    std::getline(in, found);
    std::getline(in, found_numerics);
    if (found != fingerprint)
      return dir + " holds chunks of a run with other settings or inputs; delete it to start over, or choose "
                   "another work directory";
    if (found_numerics != numerics)
      return dir + " holds chunks computed with other numerics (" +
             (found_numerics.empty() ? std::string("unrecorded") : found_numerics) + "), this run has (" + numerics +
             "); mixing them would give a file that no single run produces. Resume on the kind of node that "
             "began it, or delete the directory to start over";
    return "";
  }
  std::ofstream(marker) << fingerprint << "\n" << numerics << "\n";
  return "";
}

}  // namespace

ChunkStore open_chunk_store(const std::string& dir, const std::string& fingerprint, const std::string& numerics) {
  std::string error;
  if (world_rank_or_zero() == 0) {
    try {
      error = claim_directory(dir, fingerprint, numerics);
    } catch (const std::exception& e) {
      error = std::string("cannot use work directory ") + dir + ": " + e.what();
    }
  }
  error = broadcast(error);
  IWSI_CHECK(error.empty(), error);
  return {dir, fingerprint};
}

std::string chunk_path(const ChunkStore& store, int64_t chunk) {
  char name[32];
  std::snprintf(name, sizeof name, "/chunk-%06lld.h5", static_cast<long long>(chunk));
  return store.dir + name;
}

bool chunk_is_done(const ChunkStore& store, int64_t chunk) { return is_complete_output(chunk_path(store, chunk), kChunkSchema); }

void write_chunk(const ChunkStore& store, int64_t chunk, const GeneratedRows& rows, const ChunkTiming& timing) {
  Provenance provenance;
  provenance.job = "iwsi generate (chunk)";
  provenance.config = store.fingerprint;
  OutputFile out(chunk_path(store, chunk), kChunkSchema, 1, provenance, Writers::this_rank);
  write_question_rows(out.id(), rows.questions, Writers::this_rank);
  write_vote_rows(out.id(), rows.votes, Writers::this_rank);
  write_candidate_rows(out.id(), rows.candidates, Writers::this_rank);
  write_answer_rows(out.id(), rows.answers, Writers::this_rank);
  set_attribute(out.id(), "rank", int64_t{timing.rank});
  set_attribute(out.id(), "seconds", timing.seconds);
  set_attribute(out.id(), "tokens", timing.tokens);
  out.commit();
}

GeneratedRows read_chunk(const ChunkStore& store, int64_t chunk, ChunkTiming* timing) {
  H5Id file = open_output_for_read(chunk_path(store, chunk), kChunkSchema, 1);
  GeneratedRows rows;
  rows.questions = read_question_rows(file);
  rows.votes = read_vote_rows(file);
  rows.candidates = read_candidate_rows(file);
  rows.answers = read_answer_rows(file);
  rows.tokens = int_attribute(file, "tokens");
  if (timing) *timing = {static_cast<int>(int_attribute(file, "rank")), double_attribute(file, "seconds"), rows.tokens};
  return rows;
}

void remove_chunk_store(const ChunkStore& store) {
  if (world_rank_or_zero() == 0) fs::remove_all(store.dir);
}

}  // namespace iwsi
