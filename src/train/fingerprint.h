// The identity of a training run, for deciding whether a checkpoint may be resumed: a SHA-256 over
// the effective options that change what is computed and over the content (size + SHA-256) of every
// input file. Options that only say where things go or how fast (output directory, threads,
// checkpoint interval) are left out, and so are input paths (their content counts, not their name),
// so a requeued job on other nodes or with other threads resumes, while any other change refuses.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "store/provenance.h"

namespace iwsi {

// `ini` (as to_ini writes it: "[section]" headers, "key = value" lines) without the lines of the
// options named in `excluded` ("section.key").
std::string ini_without(const std::string& ini, const std::set<std::string>& excluded);

// Hex SHA-256 of the options text and the inputs' sizes and hashes, in order.
std::string training_fingerprint(const std::string& options_ini, const std::vector<InputRecord>& inputs);

}  // namespace iwsi
