// MPI_COMM_WORLD and its collectives. Every MPI return code is checked and turned into an
// iwsi::Error naming the call, so a failing collective is reported, not ignored.
#include "dist/world.h"

#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/heartbeat.h"

namespace iwsi {

void check_mpi(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(rc, text, &length) != MPI_SUCCESS) length = 0;
  fail("MPI call ", call, " failed (error ", rc, "): ", std::string(text, length));
}

namespace {

// Every call is also marked for the stall watchdog (core/heartbeat.h): a rank stuck in a
// collective is waiting for another rank, which the watchdog's message says.
#define IWSI_MPI(call)                     \
  do {                                     \
    const WaitingIn waiting_in_mpi(#call); \
    check_mpi((call), #call);              \
  } while (0)

bool mpi_running() {
  int initialized = 0, finalized = 0;
  // Safe before MPI_Init and after MPI_Finalize; they fail only on an unusable MPI library.
  check_mpi(MPI_Initialized(&initialized), "MPI_Initialized");
  check_mpi(MPI_Finalized(&finalized), "MPI_Finalized");
  return initialized && !finalized;
}

}  // namespace

World::World(int* argc, char*** argv) {
  int provided = 0;
  IWSI_MPI(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
  // Errors come back as return codes (checked above) instead of aborting inside MPI.
  IWSI_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  IWSI_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank_));
  IWSI_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size_));
  MPI_Comm node;
  IWSI_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node));
  IWSI_MPI(MPI_Comm_rank(node, &local_rank_));
  IWSI_MPI(MPI_Comm_size(node, &local_size_));
  IWSI_MPI(MPI_Comm_free(&node));
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  hostname_ = host;
}

World::~World() {
  // A destructor cannot report a failure, and the job's outputs are committed by now.
  if (mpi_running()) (void)MPI_Finalize();
}

void World::abort(int code) const {
  (void)MPI_Abort(MPI_COMM_WORLD, code);  // ending the job: nothing to do with a failure but exit
  _exit(code);  // MPI_Abort does not return; this only satisfies [[noreturn]]
}

int world_rank_or_zero() {
  if (!mpi_running()) return 0;
  int rank = 0;
  IWSI_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  return rank;
}

int world_size_or_one() {
  if (!mpi_running()) return 1;
  int size = 1;
  IWSI_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size));
  return size;
}

void barrier() { IWSI_MPI(MPI_Barrier(MPI_COMM_WORLD)); }

int64_t allreduce_sum(int64_t value) {
  int64_t out = 0;
  IWSI_MPI(MPI_Allreduce(&value, &out, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD));
  return out;
}

double allreduce_sum(double value) {
  double out = 0;
  IWSI_MPI(MPI_Allreduce(&value, &out, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD));
  return out;
}

int64_t allreduce_max(int64_t value) {
  int64_t out = 0;
  IWSI_MPI(MPI_Allreduce(&value, &out, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD));
  return out;
}

std::vector<double> allreduce_sum(const std::vector<double>& values) {
  std::vector<double> out(values.size());
  IWSI_MPI(MPI_Allreduce(values.data(), out.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM,
                         MPI_COMM_WORLD));
  return out;
}

std::vector<int64_t> allreduce_sum(const std::vector<int64_t>& values) {
  std::vector<int64_t> out(values.size());
  IWSI_MPI(MPI_Allreduce(values.data(), out.data(), static_cast<int>(values.size()), MPI_INT64_T, MPI_SUM,
                         MPI_COMM_WORLD));
  return out;
}

namespace {

// MPI counts are int: a buffer of more than INT_MAX elements goes in several calls.
void allreduce_sum_in_pieces(void* data, int64_t count, MPI_Datatype type, size_t element_size) {
  IWSI_CHECK(count >= 0, "allreduce_sum_in_place: negative count ", count);
  constexpr int64_t kPiece = std::numeric_limits<int>::max();
  char* bytes = static_cast<char*>(data);
  for (int64_t begin = 0; begin < count; begin += kPiece) {
    const int n = static_cast<int>(std::min(kPiece, count - begin));
    IWSI_MPI(MPI_Allreduce(MPI_IN_PLACE, bytes + begin * element_size, n, type, MPI_SUM, MPI_COMM_WORLD));
  }
}

}  // namespace

void allreduce_sum_in_place(float* data, int64_t count) {
  allreduce_sum_in_pieces(data, count, MPI_FLOAT, sizeof(float));
}

void allreduce_sum_in_place(double* data, int64_t count) {
  allreduce_sum_in_pieces(data, count, MPI_DOUBLE, sizeof(double));
}

void allreduce_sum_in_place(int64_t* data, int64_t count) {
  allreduce_sum_in_pieces(data, count, MPI_INT64_T, sizeof(int64_t));
}

int64_t exclusive_scan_sum(int64_t value) {
  int64_t out = 0;
  IWSI_MPI(MPI_Exscan(&value, &out, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD));
  // MPI leaves rank 0's result undefined.
  return world_rank_or_zero() == 0 ? 0 : out;
}

std::string broadcast(const std::string& value, int root) {
  int64_t length = static_cast<int64_t>(value.size());
  IWSI_MPI(MPI_Bcast(&length, 1, MPI_INT64_T, root, MPI_COMM_WORLD));
  std::string out = world_rank_or_zero() == root ? value : std::string(static_cast<size_t>(length), '\0');
  IWSI_MPI(MPI_Bcast(out.data(), static_cast<int>(length), MPI_CHAR, root, MPI_COMM_WORLD));
  return out;
}

std::vector<int64_t> allgather(int64_t value) {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::vector<int64_t> out(static_cast<size_t>(size));
  IWSI_MPI(MPI_Allgather(&value, 1, MPI_INT64_T, out.data(), 1, MPI_INT64_T, MPI_COMM_WORLD));
  return out;
}

std::vector<std::string> allgather(const std::string& value) {
  std::vector<int64_t> lengths = allgather(static_cast<int64_t>(value.size()));
  std::vector<int> counts(lengths.size()), displs(lengths.size());
  int total = 0;
  for (size_t r = 0; r < lengths.size(); ++r) {
    counts[r] = static_cast<int>(lengths[r]);
    displs[r] = total;
    total += counts[r];
  }
  std::string flat(static_cast<size_t>(total), '\0');
  IWSI_MPI(MPI_Allgatherv(value.data(), static_cast<int>(value.size()), MPI_CHAR, flat.data(), counts.data(),
                          displs.data(), MPI_CHAR, MPI_COMM_WORLD));
  std::vector<std::string> out;
  for (size_t r = 0; r < lengths.size(); ++r) out.push_back(flat.substr(displs[r], counts[r]));
  return out;
}

bool all_ranks(bool flag) {
  int in = flag ? 1 : 0, out = 0;
  IWSI_MPI(MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD));
  return out != 0;
}

bool any_rank(bool flag) {
  int in = flag ? 1 : 0, out = 0;
  IWSI_MPI(MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD));
  return out != 0;
}

}  // namespace iwsi

namespace iwsi {
std::string mpi_library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(text, &length);
  std::string version(text, static_cast<size_t>(length));
  const size_t cut = version.find_first_of(",\n");
  return cut == std::string::npos ? version : version.substr(0, cut);
}
}  // namespace iwsi
