// Writing a small file so that no reader ever sees it half written: the contents go to "<path>.tmp",
// which is renamed over `path` once complete (an atomic step on POSIX file systems). The one helper
// for text and JSON files (configs, adapter configs, checkpoint manifests, task files, cache entries);
// HDF5 outputs have their own commit (store/output_file.h) and safetensors files theirs (streamed).
#pragma once

#include <string>
#include <string_view>

namespace iwsi {

// Throws iwsi::Error naming the file on a write error (disk full?) or a failed rename; the temp file
// is removed then.
void write_file_atomically(const std::string& path, std::string_view contents);

}  // namespace iwsi
