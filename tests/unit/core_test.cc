// Pure building blocks: SHA-256, sharding arithmetic, the thread policy, ragged rows, durations.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>
#include <nlohmann/json.hpp>

#include "core/digest_cache.h"
#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/sha256.h"
#include "dist/shard.h"
#include "dist/threads.h"
#include "expect_error.h"
#include "store/ragged.h"
#include "test_paths.h"

namespace iwsi {
namespace {

TEST(Errors, AnInternalInvariantNamesItsSourceLineAndBadInputDoesNot) {
  const int line = __LINE__ + 1;
  const std::string internal = testing::error_of([] { IWSI_ASSERT(1 + 1 == 3, "sizes ", 2, " and ", 3); });
  EXPECT_EQ(internal, cat("internal error at ", __FILE__, ":", line, ": sizes 2 and 3"));
  const std::string input_error = testing::error_of([] { IWSI_CHECK(false, "data.jsonl:4: not JSON"); });
  EXPECT_EQ(input_error, "data.jsonl:4: not JSON");
}

TEST(Sha256, MatchesPublishedTestVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, FileHashEqualsTheHashRecordedForTheSharedModel) {
  const std::string model = testing::shared_dir() + "/models/stories260K";
  const auto reference = nlohmann::json::parse(std::ifstream(model + "/reference.json"));
  for (const auto& [file, digest] : reference.at("files_sha256").items())
    EXPECT_EQ(sha256_file_hex(model + "/" + file), digest.get<std::string>()) << file;
}

// The one cache entry in `dir` (the cache writes one file per hashed file version).
std::vector<std::filesystem::path> cache_entries(const std::string& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path());
  return out;
}

TEST(DigestCache, HashesAFileVersionOnceAndAgainAfterAnyWrite) {
  const std::string dir = testing::scratch_dir("digest_cache"), cache = dir + "/cache", file = dir + "/weights.bin";
  std::ofstream(file) << "version one";
  const std::string one = sha256_hex("version one");
  // Just written: hashed, not cached (its next change might not show in a coarse timestamp).
  EXPECT_EQ(cached_file_sha256(file, cache), one);
  EXPECT_FALSE(std::filesystem::exists(cache));
  // Settled (here: no racy window): cached.
  EXPECT_EQ(cached_file_sha256(file, cache, 0), one);
  ASSERT_EQ(cache_entries(cache).size(), 1u);
  // A hit does not read the file: plant a different digest in the entry and it comes back.
  const std::filesystem::path entry = cache_entries(cache)[0];
  std::string format, key, digest;
  {
    std::ifstream in(entry);
    std::getline(in, format), std::getline(in, key), std::getline(in, digest);
  }
  EXPECT_EQ(digest, one);
  const std::string planted(64, 'a');
  std::ofstream(entry) << format << "\n" << key << "\n" << planted << "\n";
  EXPECT_EQ(cached_file_sha256(file, cache, 0), planted);
  // The same size, new content: the write changes the ctime (and mtime), so it is hashed again.
  // (Rewritten until the change time moves: at once here, up to 2 s on a coarse file system.)
  const auto changed_at = [&] {
    struct stat st {};
    ::stat(file.c_str(), &st);
    return std::make_pair(st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
  };
  const auto first_change = changed_at();
  for (int tries = 0; tries < 300 && changed_at() == first_change; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::ofstream(file) << "version two";
  }
  ASSERT_NE(changed_at(), first_change);
  EXPECT_EQ(cached_file_sha256(file, cache, 0), sha256_hex("version two"));
  EXPECT_EQ(cache_entries(cache).size(), 2u);
  // A damaged entry is a miss, not a digest.
  for (const auto& e : cache_entries(cache)) std::ofstream(e) << "garbage\n";
  EXPECT_EQ(cached_file_sha256(file, cache, 0), sha256_hex("version two"));
  // No cache: plain hashing; an unwritable cache: plain hashing too.
  EXPECT_EQ(cached_file_sha256(file, ""), sha256_hex("version two"));
  EXPECT_EQ(cached_file_sha256(file, file + "/not_a_dir", 0), sha256_hex("version two"));
}

TEST(DigestCache, DirectoryComesFromTheEnvironment) {
  const char* saved = std::getenv("IWSI_DIGEST_CACHE");
  const char* saved_xdg = std::getenv("XDG_CACHE_HOME");
  const std::string restore = saved ? saved : "", restore_xdg = saved_xdg ? saved_xdg : "";
  setenv("IWSI_DIGEST_CACHE", "/somewhere/cache", 1);
  EXPECT_EQ(digest_cache_dir(), "/somewhere/cache");
  setenv("IWSI_DIGEST_CACHE", "off", 1);
  EXPECT_EQ(digest_cache_dir(), "");
  unsetenv("IWSI_DIGEST_CACHE");
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  EXPECT_EQ(digest_cache_dir(), "/xdg/iwsi/sha256");
  unsetenv("XDG_CACHE_HOME");
  if (std::getenv("HOME")) EXPECT_EQ(digest_cache_dir(), std::string(std::getenv("HOME")) + "/.cache/iwsi/sha256");
  if (saved) setenv("IWSI_DIGEST_CACHE", restore.c_str(), 1);
  if (saved_xdg) setenv("XDG_CACHE_HOME", restore_xdg.c_str(), 1);
}

TEST(Log, LinesCarryAUtcTimestampWithItsZoneTheRankAndTheLevel) {
  ::testing::internal::CaptureStderr();
  log_info("hello ", 42);
  const std::string line = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(std::regex_match(line, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[r0 INFO\] hello 42\n)")))
      << line;
}

TEST(Shard, SplitsUnevenlyWithTheFirstRanksTakingOneMore) {
  EXPECT_EQ(shard_of(10, 0, 3).begin, 0);
  EXPECT_EQ(shard_of(10, 0, 3).end, 4);
  EXPECT_EQ(shard_of(10, 1, 3).begin, 4);
  EXPECT_EQ(shard_of(10, 2, 3).end, 10);
}

TEST(Shard, CoversEveryRowExactlyOnceForAnyWorldSize) {
  for (int64_t n : {0, 1, 2, 5, 17, 1000})
    for (int world = 1; world <= 9; ++world) {
      int64_t expected_begin = 0;
      for (int rank = 0; rank < world; ++rank) {
        const ShardRange range = shard_of(n, rank, world);
        EXPECT_EQ(range.begin, expected_begin);
        EXPECT_GE(range.size(), 0);
        EXPECT_LE(range.size(), n / world + 1);
        expected_begin = range.end;
      }
      EXPECT_EQ(expected_begin, n);
    }
}

TEST(Threads, ConfigBeatsSlurmBeatsCoresPerLocalRank) {
  EXPECT_EQ(choose_threads(3, "8", 16, 2).threads, 3);
  EXPECT_EQ(choose_threads(0, "8", 16, 2).threads, 8);
  EXPECT_EQ(choose_threads(0, "8", 16, 2).source, "SLURM_CPUS_PER_TASK");
  EXPECT_EQ(choose_threads(0, nullptr, 16, 4).threads, 4);
  EXPECT_EQ(choose_threads(0, "", 2, 3).threads, 1);  // never zero
  EXPECT_THROW(choose_threads(0, "lots", 2, 1), Error);
}

TEST(Ragged, RowsKeepTheirOwnLengthsIncludingEmptyOnes) {
  Ragged<int32_t> column;
  column.push_back({1, 2, 3});
  column.push_back({});
  column.push_back({4});
  EXPECT_EQ(column.rows(), 3);
  EXPECT_EQ(column.offsets, (std::vector<int64_t>{0, 3, 3, 4}));
  EXPECT_EQ(column.row(2), std::vector<int32_t>{4});
  EXPECT_TRUE(column.row(1).empty());
  TextColumn texts;
  push_text(texts, "héllo");
  EXPECT_EQ(text_at(texts, 0), "héllo");
}

TEST(Progress, DurationsReadLikeAClock) {
  EXPECT_EQ(format_duration(37.2), "37s");
  EXPECT_EQ(format_duration(430), "7m10s");
  EXPECT_EQ(format_duration(7500), "2h05m");
  EXPECT_EQ(format_duration(-1), "?");
}

}  // namespace
}  // namespace iwsi
