// `iwsi JOB [options]`: MPI start-up, option parsing, the printed configuration, and the one
// place where errors end the job. Any exception on any rank is logged with its rank and ends the
// whole job with MPI_Abort, so a failed rank never leaves the others hanging in a collective.
#include <chrono>
#include <iostream>
#include <thread>

#include "core/build_info.h"
#include "core/error.h"
#include "core/log.h"
#include "dist/world.h"
#include "job.h"
#include "tools/tools.h"
#include "runtime/stop_signal.h"
#include "runtime/watchdog.h"

namespace iwsi {
namespace jobs::cli {  // named, not anonymous: jobs/ compiles as one unity file

void print_usage() {
  std::cout << "usage: iwsi JOB [options]   (iwsi JOB --help lists a job's options)\n\njobs:\n";
  for (const JobEntry& job : all_jobs()) std::printf("  %-10s %s\n", job.name, job.summary);
  std::cout << "\ntools (no MPI; for the Slurm scripts):\n"
               "  complete   iwsi complete PATH...: 1 or 0 per path, whether it is a complete output\n"
               "  ini        iwsi ini get FILE SECTION.KEY [DEFAULT] | iwsi ini strip FILE OUT SECTION...\n"
               "  strategies the selection strategies and what each takes (uses_k, needs_weights, judgments, rm)\n";
  std::cout << "\nOptions come from the command line and from --config FILE.ini ([section] key = value);\n"
               "the command line wins. Run under mpirun/srun for several ranks.\n";
}

int run_cli(const World& world, int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 2 && args[0] == "status" && args[1].rfind("--", 0) != 0) args[1] = "--status.dir=" + args[1];
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    if (world.rank() == 0) print_usage();
    return args.empty() ? 1 : 0;
  }
  if (args[0] == "--version") {
    if (world.rank() == 0) std::cout << "iwsi " << git_commit() << " (" << library_versions() << ")\n";
    return 0;
  }
  const JobEntry* job = &find_job(args[0]);

  const po::options_description options = job_options(*job);
  JobContext context{world, job->name,
                     parse_job_options(job->name, options, {args.begin() + 1, args.end()}, every_option_name()),
                     {}, broadcast(world.rank() == 0 ? utc_now_iso8601() : std::string())};
  if (context.options.help) {
    if (world.rank() == 0) std::cout << "usage: iwsi " << job->name << " [options]\n" << job->summary << "\n\n" << options;
    return 0;
  }
  install_stop_signal_handlers();
  const double stall_timeout = context.get<double>("runtime.stall_timeout");
  check_range("runtime.stall_timeout", stall_timeout, 0, 1e9);
  const Watchdog watchdog(world, job->name, stall_timeout);
  const int threads = context.get<int>("runtime.threads");
  IWSI_CHECK(threads >= 0, "option --runtime.threads=", threads, " must be 0 (automatic) or a positive count");
  context.threads = choose_threads(threads, world.local_size());
  context.numerics = parse_numerics_mode(context.get<std::string>("runtime.numerics"), "option --runtime.numerics");
  // Before any tensor op: libtorch fixes its CPU kernels at its first dispatch.
  pin_numerics(context.numerics, context.threads.threads);
  const bool query = job->answers_on_stdout;
  if (!query)
    log_info0("iwsi ", job->name, " ", git_commit(), " on ", world.size(), " rank(s), ", context.threads.threads,
            " thread(s) per rank (", context.threads.source, "); ", library_versions());
  const std::string numerics = rounding_key(context.numerics_identity());
  if (!query) log_info0("numerics: ", numerics);
  // One output, one arithmetic: ranks on nodes of different kinds would write a file that no single
  // run produces (a chunk or a shard of each).
  const std::vector<std::string> every_rank = allgather(numerics);
  for (size_t r = 1; r < every_rank.size(); ++r)
    IWSI_CHECK(every_rank[r] == every_rank[0], "rank ", r, " computes with other numerics (", every_rank[r],
               ") than rank 0 (", every_rank[0], "); run on nodes of one kind, or with ",
               "--runtime.numerics=deterministic on CPUs");
  if (!query)
    log_info0("effective configuration", context.options.config_file.empty() ? "" : " (" + context.options.config_file + " + command line)",
            ":\n", context.options.effective_ini);
  return job->run(context);
}

}  // namespace jobs::cli
}  // namespace iwsi

int main(int argc, char** argv) {
  // The Slurm scripts' questions (is this output complete? what does the config say?) are asked on
  // login nodes: answered without starting MPI.
  if (argc >= 2 && iwsi::is_tool(argv[1])) return iwsi::run_tool({argv + 1, argv + argc});
  iwsi::World world(&argc, &argv);
  try {
    return iwsi::jobs::cli::run_cli(world, argc, argv);
  } catch (const std::exception& e) {
    iwsi::log_error(e.what());
    if (world.size() > 1) {
      // Ranks that hit the same error report it too before the abort ends them all.
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      world.abort(1);
    }
    return 1;
  }
}
